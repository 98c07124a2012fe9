package dev.hlsmesh.protocol.tracker;

/**
 * A message of the WebTorrent tracker protocol (PROTOCOL.md A): one JSON object in one WebSocket
 * text frame. {@link ClientMessage}s go from a peer to the tracker, {@link ServerMessage}s back.
 * Encode and decode them with {@link TrackerCodec}.
 */
public sealed interface TrackerMessage permits ClientMessage, ServerMessage {}
