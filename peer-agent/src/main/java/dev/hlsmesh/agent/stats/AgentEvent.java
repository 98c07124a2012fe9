package dev.hlsmesh.agent.stats;

import static java.util.Objects.requireNonNull;

import dev.hlsmesh.agent.SwarmKey;

/**
 * Something that happened in an agent, for an embedding application's own analytics; delivered
 * to every {@link AgentEventListener}. Immutable values; {@code atMillis} is epoch millis on the
 * stats' clock.
 */
public sealed interface AgentEvent {

  /** When it happened (epoch millis on the clock of the {@link AgentStats} that recorded it). */
  long atMillis();

  /**
   * A segment was delivered for playback.
   *
   * @param source where its last bytes came from
   * @param peerId the peer that delivered it; null when {@code source} is the CDN
   * @param bytes the segment's size
   * @param fetchMillis how long the transfer that delivered it took (for a segment completed
   *     from the CDN after a peer, the CDN range request)
   */
  record SegmentLoaded(long atMillis, SwarmKey swarm, long segmentId, SegmentSourceKind source, String peerId,
      long bytes, long fetchMillis) implements AgentEvent {
    /** Checks the fields. */
    public SegmentLoaded {
      requireNonNull(swarm, "swarm");
      requireNonNull(source, "source");
    }
  }

  /** The scheduler fetches a segment from the CDN, and why. */
  record CdnFallback(long atMillis, SwarmKey swarm, long segmentId, CdnFallbackReason reason) implements AgentEvent {
    /** Checks the fields. */
    public CdnFallback {
      requireNonNull(swarm, "swarm");
      requireNonNull(reason, "reason");
    }
  }

  /**
   * A segment's bytes failed verification and were discarded.
   *
   * @param peerId the peer that sent them; null when {@code source} is the CDN
   * @param reason what did not match, one short sentence
   */
  record ValidationFailed(long atMillis, SwarmKey swarm, long segmentId, SegmentSourceKind source, String peerId,
      String reason) implements AgentEvent {
    /** Checks the fields. */
    public ValidationFailed {
      requireNonNull(swarm, "swarm");
      requireNonNull(source, "source");
      requireNonNull(reason, "reason");
    }
  }

  /** A data channel to a peer opened. */
  record PeerConnected(long atMillis, SwarmKey swarm, String peerId) implements AgentEvent {
    /** Checks the fields. */
    public PeerConnected {
      requireNonNull(swarm, "swarm");
      requireNonNull(peerId, "peerId");
    }
  }

  /** The connection to a peer closed (for whatever reason, on either side). */
  record PeerClosed(long atMillis, SwarmKey swarm, String peerId) implements AgentEvent {
    /** Checks the fields. */
    public PeerClosed {
      requireNonNull(swarm, "swarm");
      requireNonNull(peerId, "peerId");
    }
  }

  /** The player stalled for {@code stallMillis} (recorded when the stall ends). */
  record Stall(long atMillis, long stallMillis) implements AgentEvent {
  }

  /**
   * Something failed that the agent recovers from by itself (it retries or falls back).
   *
   * @param swarm the swarm concerned; null when it concerns none in particular
   * @param message one sentence saying what failed
   */
  record Failure(long atMillis, SwarmKey swarm, FailureKind kind, String message) implements AgentEvent {
    /** Checks the fields. */
    public Failure {
      requireNonNull(kind, "kind");
      requireNonNull(message, "message");
    }
  }

  /** What kind of thing failed. */
  enum FailureKind {
    /** A segment could not be loaded at all (the player will ask again). */
    SEGMENT_LOAD,
    /** A fetch from a peer failed (absent, timeout, disconnected...); another source is tried. */
    PEER_FETCH,
    /** The tracker refused a request or the connection to it was lost. */
    TRACKER
  }
}
