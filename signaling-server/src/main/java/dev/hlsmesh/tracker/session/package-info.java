/**
 * The tracker protocol for one connection, independent of the transport
 * ({@link dev.hlsmesh.tracker.session.SignalingSession}). Internal to the tracker, not API.
 */
package dev.hlsmesh.tracker.session;
