package dev.hlsmesh.agent.store;

import dev.hlsmesh.agent.SwarmKey;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The segments an agent holds and serves, keyed by stream swarm and segment id (ids are only
 * unique within one swarm). The scheduler stores what it fetched; peer sessions read from it and
 * announce {@link #segmentIds} to their peers, again after every {@link StoreChange}.
 *
 * <p>Implementations are thread-safe. Returned buffers are read-only views that stay valid
 * after the segment is evicted; returned lists are immutable snapshots.
 */
public interface SegmentStore {

  /**
   * Stores a copy of {@code data}'s remaining bytes as the segment, replacing any earlier bytes
   * for the same id; makes room by evicting as the implementation's bounds require.
   *
   * @param swarm     the stream swarm
   * @param segmentId the segment's wire id
   * @param data      the bytes from position to limit; not modified, not retained
   * @return false if the segment cannot be stored at all (e.g. larger than the whole store)
   */
  boolean put(SwarmKey swarm, long segmentId, ByteBuffer data);

  /**
   * Stores a copy of {@code data}; see {@link #put(SwarmKey, long, ByteBuffer)}.
   *
   * @param swarm     the stream swarm
   * @param segmentId the segment's wire id
   * @param data      the segment bytes; not retained
   * @return false if the segment cannot be stored at all
   */
  default boolean put(SwarmKey swarm, long segmentId, byte[] data) {
    return put(swarm, segmentId, ByteBuffer.wrap(data));
  }

  /**
   * The segment's bytes, if held now.
   *
   * @param swarm     the stream swarm
   * @param segmentId the segment's wire id
   * @return a new read-only buffer over the bytes (position 0, limit = size), or empty
   */
  Optional<ByteBuffer> get(SwarmKey swarm, long segmentId);

  /**
   * Whether the segment is held now.
   *
   * @param swarm     the stream swarm
   * @param segmentId the segment's wire id
   * @return true if {@link #get} would return it
   */
  boolean contains(SwarmKey swarm, long segmentId);

  /**
   * The ids held in a swarm, oldest stored first: the {@code l} list of an announcement.
   *
   * @param swarm the stream swarm
   * @return an immutable snapshot, empty for an unknown swarm
   */
  List<Long> segmentIds(SwarmKey swarm);

  /** @return an immutable snapshot of the swarms that hold at least one segment */
  Set<SwarmKey> swarms();

  /**
   * Removes one segment.
   *
   * @param swarm     the stream swarm
   * @param segmentId the segment's wire id
   * @return true if it was held
   */
  boolean remove(SwarmKey swarm, long segmentId);

  /**
   * Removes every segment of a swarm (e.g. when the agent leaves it).
   *
   * @param swarm the stream swarm
   * @return the number of segments removed
   */
  int removeSwarm(SwarmKey swarm);

  /**
   * Evicts what the implementation's age bound says is too old, telling listeners. A scheduler
   * calls this periodically so that peers hear about expiry even while nothing else touches the
   * store.
   *
   * @return the number of segments evicted
   */
  int evictExpired();

  /**
   * Registers a segment that is still arriving, so that peers can be served while it grows
   * (PROTOCOL.md C.6 with the size known up front). It stays until {@link #put} stores the
   * complete segment under the same id or {@link #removeArriving} removes it. Default: not kept,
   * so such a store serves only complete segments.
   *
   * @param swarm     the stream swarm
   * @param segmentId the segment's wire id
   * @param segment   the growing segment
   */
  default void putArriving(SwarmKey swarm, long segmentId, ArrivingSegment segment) {
  }

  /**
   * The segment registered as arriving under this id, if any (complete segments are in
   * {@link #get}).
   *
   * @param swarm     the stream swarm
   * @param segmentId the segment's wire id
   * @return the growing segment, or empty
   */
  default Optional<ArrivingSegment> arriving(SwarmKey swarm, long segmentId) {
    return Optional.empty();
  }

  /**
   * Removes an arriving segment (its transfer failed or it was stored), if it is still the one
   * registered under that id.
   *
   * @param swarm     the stream swarm
   * @param segmentId the segment's wire id
   * @param segment   the growing segment registered earlier
   */
  default void removeArriving(SwarmKey swarm, long segmentId, ArrivingSegment segment) {
  }

  /** @return total bytes of all held segments */
  long sizeBytes();

  /**
   * Registers a listener for every change. Listeners are called on the thread that made the
   * change, after the store's own lock is released, so they may call the store; they must be
   * quick and thread-safe (typically: schedule a re-announcement on the agent's executor). An
   * exception from a listener is logged and does not affect the store or other listeners.
   *
   * @param listener the listener
   */
  void addListener(Listener listener);

  /** @param listener a listener added earlier; no effect if it was not */
  void removeListener(Listener listener);

  /** Receives {@link StoreChange}s. */
  @FunctionalInterface
  interface Listener {
    /** @param change what changed */
    void onChange(StoreChange change);
  }
}
