package dev.hlsmesh.agent.peer;

/**
 * Peer-protocol limits of one agent. Immutable.
 *
 * @param noBytesTimeoutMillis a download sends Cancel when no byte arrived for this long
 *     (browsers: 2000 ms)
 * @param maxConsecutiveTimeouts after this many no-bytes timeouts in a row without a completed
 *     download the connection is closed (browsers: 3); each earlier timeout resumes the download
 *     from the bytes already received
 * @param maxSegmentBytes a SegmentData announcing more bytes than this disconnects the peer
 * @param maxCommandBytes a reassembled command larger than this disconnects the peer
 * @param maxQueuedFetches fetches waiting behind the one in progress on a connection
 */
public record SessionSettings(
    long noBytesTimeoutMillis,
    int maxConsecutiveTimeouts,
    long maxSegmentBytes,
    int maxCommandBytes,
    int maxQueuedFetches) {

  /** Validates. */
  public SessionSettings {
    if (noBytesTimeoutMillis <= 0 || maxConsecutiveTimeouts < 1 || maxSegmentBytes < 0
        || maxSegmentBytes > Integer.MAX_VALUE - 8 || maxCommandBytes < 64 || maxQueuedFetches < 0) {
      throw new IllegalArgumentException("invalid session settings: " + noBytesTimeoutMillis + ", "
          + maxConsecutiveTimeouts + ", " + maxSegmentBytes + ", " + maxCommandBytes + ", " + maxQueuedFetches);
    }
  }
}
