/**
 * Cluster mode: tracker nodes sharing one set of swarms through Redis (docs/architecture.md,
 * "Cluster mode"). Each node keeps its own connections' peers in its
 * {@link dev.hlsmesh.tracker.swarm.LocalSwarmRegistry}, mirrors them into Redis, and keeps a
 * replica of the other nodes' peers to answer announces without a Redis round trip.
 */
package dev.hlsmesh.tracker.cluster;
