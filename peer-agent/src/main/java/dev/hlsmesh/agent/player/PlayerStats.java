package dev.hlsmesh.agent.player;

/**
 * What a {@link VirtualPlayer} experienced up to one instant.
 *
 * @param startupMillis from {@code start} to the first frame (the first segment loaded); -1
 *     before playback started
 * @param stalls stalls so far, the one in progress included
 * @param stallMillis total stalled time, the stall in progress included up to now
 * @param stalled whether playback is stalled now
 * @param liveLatencyMillis how far the playhead is behind live now (see
 *     {@link VirtualPlayer}); -1 before playback started
 * @param segmentsLoaded segments loaded
 * @param loadFailures segment loads that failed (and were retried)
 * @param bufferMillis media loaded ahead of the playhead
 * @param ended the playlist ended and playback reached its end
 */
public record PlayerStats(
    long startupMillis,
    long stalls,
    long stallMillis,
    boolean stalled,
    long liveLatencyMillis,
    long segmentsLoaded,
    long loadFailures,
    long bufferMillis,
    boolean ended) {
}
