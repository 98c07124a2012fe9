package dev.hlsmesh.agent.integrity;

/** What {@link SegmentVerifier} concluded about a segment received from a peer. */
public enum Verdict {
  /** Its SHA-256 and size are those of a valid signed sidecar: accepted. */
  VERIFIED(true, false),
  /** No sidecar proves it, but its size is the CDN's: accepted, counted as unverified. */
  SIZE_MATCHED(true, false),
  /** Nothing could be checked (no sidecar, no size from the CDN): accepted, counted as unverified. */
  UNCHECKED(true, false),
  /** Its hash or size is wrong, or the embedder's validator refused it: dropped, the peer banned. */
  CORRUPT(false, true),
  /** A proof was required and is missing (sidecar required but absent, validator failed): dropped, peer not blamed. */
  UNPROVEN(false, false);

  private final boolean accepted;
  private final boolean peerAtFault;

  Verdict(boolean accepted, boolean peerAtFault) {
    this.accepted = accepted;
    this.peerAtFault = peerAtFault;
  }

  /** Whether the bytes may be stored, re-shared and played. */
  public boolean accepted() {
    return accepted;
  }

  /** Whether the sending peer is to be disconnected and banned. */
  public boolean peerAtFault() {
    return peerAtFault;
  }
}
