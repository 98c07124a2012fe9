package dev.hlsmesh.agent.stats;

/**
 * An agent's delivery figures at one instant; counters are totals since the agent started.
 *
 * @param takenAtMillis when the snapshot was taken (epoch millis on the stats' clock)
 * @param cdnBytes segment bytes received from the CDN (including init sections and keys)
 * @param peerBytes segment bytes received from peers
 * @param uploadedBytes segment bytes sent to peers
 * @param cdnSegments segments received from the CDN
 * @param peerSegments segments received from peers
 * @param offloadRatio {@code peerBytes / (cdnBytes + peerBytes)}, 0 before any byte
 * @param stalls stalls that ended (a stall in progress is not counted yet)
 * @param stallMillis total time of those stalls
 * @param startupMillis time from starting the player to the first frame; -1 before playback
 * @param liveLatencyMillis how far behind live the player was at its last sample; -1 before
 *     playback
 * @param connectedPeers peers connected now, over all swarms
 * @param validationFailures segments discarded because their bytes failed verification
 * @param verifiedPeerSegments segments from peers proven by the platform's signed sidecar
 * @param unverifiedPeerSegments segments from peers accepted without that proof (size checked
 *     against the CDN's, or nothing could be checked: no sidecar configured or published)
 */
public record AgentStatsSnapshot(
    long takenAtMillis,
    long cdnBytes,
    long peerBytes,
    long uploadedBytes,
    long cdnSegments,
    long peerSegments,
    double offloadRatio,
    long stalls,
    long stallMillis,
    long startupMillis,
    long liveLatencyMillis,
    int connectedPeers,
    long validationFailures,
    long verifiedPeerSegments,
    long unverifiedPeerSegments) {

  /** {@code peer / (cdn + peer)}, or 0 when both are 0. */
  static double offload(long cdnBytes, long peerBytes) {
    long total = cdnBytes + peerBytes;
    return total <= 0 ? 0 : (double) peerBytes / total;
  }
}
