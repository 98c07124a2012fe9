package dev.hlsmesh.agent;

import static java.util.Objects.requireNonNull;

/**
 * Why fetching a segment from a peer failed. Completes the future of
 * {@link Agent#fetch(SwarmKey, String, long)} exceptionally.
 */
public final class PeerFetchException extends Exception {
  private static final long serialVersionUID = 1L;

  /** The kind of failure, for the caller's retry decision. */
  public enum Reason {
    /** No connected peer with that id in that swarm. */
    NOT_CONNECTED,
    /** The peer answered that it does not hold the segment. */
    ABSENT,
    /** No byte arrived within the no-bytes timeout, repeatedly. */
    TIMEOUT,
    /** The connection closed before the segment was complete. */
    DISCONNECTED,
    /** The peer broke the protocol (wrong size, overflow, malformed command); it was disconnected. */
    PROTOCOL_VIOLATION,
    /** The segment is larger than the configured maximum. */
    TOO_LARGE,
    /** Too many fetches are already queued on that connection. */
    BUSY,
    /** The agent or the swarm was closed. */
    CLOSED
  }

  private final Reason reason;

  /**
   * Creates the exception.
   *
   * @param reason the kind of failure
   * @param message a sentence for logs
   */
  public PeerFetchException(Reason reason, String message) {
    super(message, null, false, false);
    this.reason = requireNonNull(reason, "reason");
  }

  /** The kind of failure. */
  public Reason reason() {
    return reason;
  }
}
