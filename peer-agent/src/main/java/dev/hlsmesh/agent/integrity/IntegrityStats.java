package dev.hlsmesh.agent.integrity;

/**
 * Counters of one {@link SegmentVerifier} since it was created.
 *
 * @param verifiedSegments peer segments proven by a signed sidecar
 * @param unverifiedSegments peer segments accepted without a sidecar's proof (size checked
 *     against the CDN's, or nothing could be checked)
 * @param corruptSegments peer segments rejected as corrupt (their peers were banned): the
 *     validation-failure counter
 * @param unprovenSegments peer segments dropped for lack of a required proof
 * @param sidecarsLoaded sidecars fetched and accepted
 * @param sidecarsRejected sidecars fetched and rejected (bad signature, unknown key, another
 *     stream's, malformed)
 */
public record IntegrityStats(long verifiedSegments, long unverifiedSegments, long corruptSegments,
    long unprovenSegments, long sidecarsLoaded, long sidecarsRejected) {}
