package dev.hlsmesh.agent.stats;

/** Where the bytes of a delivered segment came from. */
public enum SegmentSourceKind {
  /** An HTTP fetch from the origin or a CDN. */
  CDN,
  /** Other agents or browsers over WebRTC. */
  PEER
}
