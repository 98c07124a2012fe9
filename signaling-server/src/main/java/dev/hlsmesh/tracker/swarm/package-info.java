/**
 * Swarm membership, peer selection, pending offers and expiry
 * ({@link dev.hlsmesh.tracker.swarm.SwarmRegistry}). Internal to the tracker, not API.
 */
package dev.hlsmesh.tracker.swarm;
