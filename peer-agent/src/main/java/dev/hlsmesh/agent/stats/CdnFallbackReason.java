package dev.hlsmesh.agent.stats;

/** Why the scheduler took a segment from the CDN rather than from peers. */
public enum CdnFallbackReason {
  /** The playback deadline was within the safety margin and no peer had delivered it. */
  DEADLINE,
  /** This agent won its neighbourhood's election to fetch a new live segment first. */
  ELECTED,
  /** The election's back-off ran out and no neighbour announced the segment. */
  ELECTION_TIMEOUT,
  /**
   * A peer transfer was still running at the safety point: its partial bytes were kept and the
   * rest came from the CDN with a range request.
   */
  PEER_TOO_SLOW,
  /** P2P is switched off for the stream: every segment comes from the CDN. */
  P2P_DISABLED,
  /**
   * A peer's copy failed its integrity check (corrupt, or without a required proof) and was
   * dropped (docs/security.md).
   */
  PEER_COPY_REJECTED
}
