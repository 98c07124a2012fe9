package dev.hlsmesh.tracker.relay;

import dev.hlsmesh.protocol.tracker.ServerMessage;

/**
 * Where a peer can be reached: the relay's one operation. The local implementation is a
 * WebSocket connection of this process; a cluster mode would add endpoints that forward through
 * a broker to the node holding the connection, without touching the protocol handling.
 *
 * <p>Implementations are thread-safe: any thread may send to any endpoint.
 */
public interface PeerEndpoint {

  /**
   * Sends a message to the peer without waiting.
   *
   * @return false if the message was dropped (connection closed or too slow to keep up)
   */
  boolean send(ServerMessage message);

  /**
   * Sends a message already encoded as JSON (UTF-8) without waiting: a cluster node delivers
   * what another node encoded without decoding and re-encoding it. Only a connection of this
   * process accepts it.
   *
   * @param relay the message is a relayed offer or answer (for the relay latency metric)
   * @return false if the message was dropped (connection closed or too slow to keep up)
   * @throws UnsupportedOperationException if this endpoint is not a local connection
   */
  default boolean sendEncoded(byte[] json, boolean relay) {
    throw new UnsupportedOperationException("not a local connection: " + describe());
  }

  /** A short description for logs (e.g. the remote address). */
  String describe();
}
