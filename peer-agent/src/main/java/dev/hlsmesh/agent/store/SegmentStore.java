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
 * <p>Only complete segments are stored: a segment still arriving is the scheduler's (its one
 * {@link SegmentBuffer}, served to peers from there) until it is complete and adopted here with
 * {@link #adopt}.
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
   * Adopts a complete segment without copying it: the store keeps {@code complete} (a frozen
   * {@link SegmentBuffer}, whose bytes never change again), hands out views of it, and gives it
   * back whole through {@link #held}. Default: a copy, as {@link #put(SwarmKey, long, ByteBuffer)}.
   *
   * @param swarm     the stream swarm
   * @param segmentId the segment's wire id
   * @param complete  a buffer in state {@link SegmentBuffer.State#COMPLETE}
   * @return false if the segment cannot be stored at all
   * @throws IllegalArgumentException if {@code complete} is not complete
   */
  default boolean adopt(SwarmKey swarm, long segmentId, SegmentBuffer complete) {
    if (complete.state() != SegmentBuffer.State.COMPLETE) {
      throw new IllegalArgumentException("segment buffer not complete: " + complete.state());
    }
    return put(swarm, segmentId, ByteBuffer.wrap(complete.bytes()));
  }

  /**
   * The held segment as a frozen buffer, if held now: what {@link #adopt} kept, so a reader of
   * the whole segment (the player) gets its bytes without a copy. Default: a copy of {@link #get}.
   *
   * @param swarm     the stream swarm
   * @param segmentId the segment's wire id
   * @return the complete buffer, or empty
   */
  default Optional<SegmentBuffer> held(SwarmKey swarm, long segmentId) {
    return get(swarm, segmentId).map(view -> {
      byte[] copy = new byte[view.remaining()];
      view.duplicate().get(copy);
      return SegmentBuffer.frozen(copy);
    });
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
