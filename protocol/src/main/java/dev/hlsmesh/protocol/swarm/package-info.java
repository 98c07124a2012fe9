/**
 * Swarm identity as p2p-media-loader v2 computes it (PROTOCOL.md part B): the swarm id of a
 * master playlist, the per-variant stream index and stream swarm id, the tracker info hash, peer
 * ids and segment ids. Java agents must compute the identical strings to meet browser peers.
 *
 * <p>Typical use: {@link dev.hlsmesh.protocol.swarm.HlsjsStreams#derive} turns master-playlist
 * attributes into one {@link dev.hlsmesh.protocol.swarm.StreamProps} per variant and audio
 * rendition; {@link dev.hlsmesh.protocol.swarm.SwarmIds#streamSwarmId(String, StreamProps)} and
 * {@link dev.hlsmesh.protocol.swarm.SwarmIds#infoHash(String)} give the swarm to join.
 * Pure functions; any thread.
 */
package dev.hlsmesh.protocol.swarm;
