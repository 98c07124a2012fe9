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
    CLOSED,
    /**
     * The caller gave the fetch up ({@code SwarmPeers.giveUp}); {@link #partialBytes()} holds what had
     * arrived, when the segment's size was known.
     */
    GIVEN_UP
  }

  private final Reason reason;
  private final byte[] partialBytes;
  private final long totalBytes;

  /**
   * Creates the exception.
   *
   * @param reason the kind of failure
   * @param message a sentence for logs
   */
  public PeerFetchException(Reason reason, String message) {
    this(reason, message, new byte[0], -1);
  }

  /**
   * Creates the exception for a fetch given up part way.
   *
   * @param partialBytes the first bytes of the segment received so far (not copied)
   * @param totalBytes the segment's size as the peer announced it, or -1 if not known
   */
  public PeerFetchException(Reason reason, String message, byte[] partialBytes, long totalBytes) {
    super(message, null, false, false);
    this.reason = requireNonNull(reason, "reason");
    this.partialBytes = requireNonNull(partialBytes, "partialBytes");
    this.totalBytes = totalBytes;
  }

  /** The kind of failure. */
  public Reason reason() {
    return reason;
  }

  /**
   * The segment's first bytes received before the fetch ended: for {@link Reason#GIVEN_UP}, and
   * for {@link Reason#ABSENT} when the peer was serving the segment while it arrived and its own
   * transfer failed; empty otherwise.
   */
  public byte[] partialBytes() {
    return partialBytes;
  }

  /** The segment's size as announced by the peer, or -1 if unknown. */
  public long totalBytes() {
    return totalBytes;
  }
}
