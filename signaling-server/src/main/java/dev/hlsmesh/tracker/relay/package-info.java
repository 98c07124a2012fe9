/**
 * Delivery of tracker messages to peers ({@link dev.hlsmesh.tracker.relay.PeerEndpoint}).
 * Internal to the tracker, not API.
 */
package dev.hlsmesh.tracker.relay;
