package dev.hlsmesh.agent.store;

import static java.util.Objects.requireNonNull;

import dev.hlsmesh.agent.SwarmKey;

/**
 * One change of a {@link SegmentStore}'s content, as told to its listeners.
 *
 * @param swarm     the stream swarm whose segment set changed
 * @param segmentId the segment's wire id within that swarm
 * @param kind      what happened
 */
public record StoreChange(SwarmKey swarm, long segmentId, Kind kind) {
  public StoreChange {
    requireNonNull(swarm, "swarm");
    requireNonNull(kind, "kind");
  }

  /** What happened to the segment. */
  public enum Kind {
    /** The segment was stored, or its bytes replaced. */
    STORED,
    /** The segment was evicted to make room under the byte bound. */
    EVICTED_FOR_SPACE,
    /** The segment was evicted because it outlived the maximum age. */
    EXPIRED,
    /** The segment was removed by {@link SegmentStore#remove} or {@link SegmentStore#removeSwarm}. */
    REMOVED;

    /** Whether the segment is gone after this change. */
    public boolean isRemoval() {
      return this != STORED;
    }
  }
}
