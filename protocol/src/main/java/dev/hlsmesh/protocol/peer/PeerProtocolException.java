package dev.hlsmesh.protocol.peer;

/**
 * Bytes received from a peer do not form a valid peer command. The message says what was
 * expected and at which byte offset of the un-framed command it went wrong.
 */
public final class PeerProtocolException extends Exception {
  private static final long serialVersionUID = 1L;

  /** @param message what is wrong with the bytes, precise enough to debug from a log line */
  public PeerProtocolException(String message) {
    super(message);
  }
}
