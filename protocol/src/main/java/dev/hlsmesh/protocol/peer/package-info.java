/**
 * The binary peer protocol that p2p-media-loader v2 browser peers speak over a WebRTC data
 * channel (PROTOCOL.md part C): commands, their encoding, framing, splitting and reassembly.
 *
 * <p>Pure code without I/O. Sending side: {@link dev.hlsmesh.protocol.peer.PeerFraming#encode}
 * turns a {@link dev.hlsmesh.protocol.peer.PeerCommand} into the data-channel messages to send,
 * and {@link dev.hlsmesh.protocol.peer.PeerFraming#nextPayloadChunkLength} cuts segment payload so
 * that no chunk can be mistaken for a command. Receiving side: one
 * {@link dev.hlsmesh.protocol.peer.CommandReassembler} per connection classifies every message
 * and yields payload, complete commands, or the reason a fragment was dropped.
 */
package dev.hlsmesh.protocol.peer;
