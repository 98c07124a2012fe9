package dev.hlsmesh.agent.store;

import static java.util.Objects.requireNonNull;

import dev.hlsmesh.agent.SwarmKey;
import dev.hlsmesh.agent.store.StoreChange.Kind;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link SegmentStore} in heap memory, bounded by total bytes and by segment age.
 *
 * <ul>
 *   <li><b>Bytes:</b> storing a segment first evicts the oldest stored segments (of any swarm)
 *       until it fits under {@code maxBytes}; a segment larger than {@code maxBytes} is refused.
 *   <li><b>Age:</b> a segment stored more than {@code maxAge} ago (by the injected clock) is
 *       evicted by the next call of any method, or by {@link #evictExpired()}, which a scheduler
 *       calls periodically so that peers hear about expiry even when the store is idle. Age is
 *       checked from the oldest entry on and stops at the first one not expired.
 * </ul>
 *
 * <p>Threads: any. One lock guards all state; it is never held while copying a segment in,
 * while calling listeners, or while doing anything else slow. Segment bytes are copied once on
 * {@code put} into an array nobody else sees, and handed out as read-only views without copying.
 *
 * <p>Arriving segments ({@link #putArriving}) are kept beside, at most {@value #MAX_ARRIVING} (the
 * oldest registered is dropped first): each holds its own buffer of its final size, so they add
 * at most that many segments to the memory bound; they leave when the complete segment is stored.
 */
public final class InMemorySegmentStore implements SegmentStore {
  private static final Logger log = LoggerFactory.getLogger(InMemorySegmentStore.class);
  /** Arriving segments kept at most (a few CDN fetches run at a time). */
  static final int MAX_ARRIVING = 16;

  private final long maxBytes;
  private final long maxAgeMillis;
  private final Clock clock;
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();

  private final Object lock = new Object();
  /** Every entry, oldest stored first; guarded by {@code lock}. */
  private final LinkedHashMap<Key, Entry> entries = new LinkedHashMap<>();
  /** Per swarm: its ids in store order; guarded by {@code lock}. */
  private final Map<SwarmKey, LinkedHashMap<Long, Entry>> bySwarm = new HashMap<>();
  /** Sum of entry sizes; guarded by {@code lock}. */
  private long sizeBytes;
  /** Segments still arriving, oldest registered first; guarded by {@code lock}. */
  private final LinkedHashMap<Key, ArrivingSegment> arriving = new LinkedHashMap<>();

  /**
   * @param maxBytes the bound on the total size of all segments, at least 1
   * @param maxAge   how long a segment stays after it was stored (the live window to serve),
   *                 positive
   * @param clock    the time source for ages
   */
  public InMemorySegmentStore(long maxBytes, Duration maxAge, Clock clock) {
    if (maxBytes < 1) {
      throw new IllegalArgumentException("maxBytes: " + maxBytes + " (expected: at least 1)");
    }
    requireNonNull(maxAge, "maxAge");
    if (maxAge.isNegative() || maxAge.isZero()) {
      throw new IllegalArgumentException("maxAge: " + maxAge + " (expected: positive)");
    }
    this.maxBytes = maxBytes;
    this.maxAgeMillis = maxAge.compareTo(Duration.ofMillis(Long.MAX_VALUE)) >= 0
        ? Long.MAX_VALUE : maxAge.toMillis();
    this.clock = requireNonNull(clock, "clock");
  }

  @Override
  public boolean put(SwarmKey swarm, long segmentId, ByteBuffer data) {
    requireNonNull(swarm, "swarm");
    requireNonNull(data, "data");
    if (data.remaining() > maxBytes) {
      return false;
    }
    byte[] copy = new byte[data.remaining()];
    data.duplicate().get(copy);
    Key key = new Key(swarm, segmentId);
    List<StoreChange> changes = new ArrayList<>();
    synchronized (lock) {
      long now = clock.millis();
      evictExpiredLocked(now, changes);
      Entry previous = entries.remove(key);
      if (previous != null) {
        unlinkLocked(previous);
      }
      arriving.remove(key);
      Iterator<Entry> oldestFirst = entries.values().iterator();
      while (sizeBytes + copy.length > maxBytes) {
        Entry victim = oldestFirst.next();
        oldestFirst.remove();
        unlinkLocked(victim);
        changes.add(new StoreChange(victim.key.swarm, victim.key.segmentId, Kind.EVICTED_FOR_SPACE));
      }
      Entry entry = new Entry(key, copy, now);
      entries.put(key, entry);
      bySwarm.computeIfAbsent(swarm, s -> new LinkedHashMap<>()).put(segmentId, entry);
      sizeBytes += copy.length;
      changes.add(new StoreChange(swarm, segmentId, Kind.STORED));
    }
    notifyListeners(changes);
    return true;
  }

  @Override
  public void putArriving(SwarmKey swarm, long segmentId, ArrivingSegment segment) {
    requireNonNull(swarm, "swarm");
    requireNonNull(segment, "segment");
    synchronized (lock) {
      arriving.remove(new Key(swarm, segmentId));
      if (arriving.size() >= MAX_ARRIVING) {
        Iterator<Key> oldest = arriving.keySet().iterator();
        oldest.next();
        oldest.remove();
      }
      arriving.put(new Key(swarm, segmentId), segment);
    }
  }

  @Override
  public Optional<ArrivingSegment> arriving(SwarmKey swarm, long segmentId) {
    requireNonNull(swarm, "swarm");
    synchronized (lock) {
      return Optional.ofNullable(arriving.get(new Key(swarm, segmentId)));
    }
  }

  @Override
  public void removeArriving(SwarmKey swarm, long segmentId, ArrivingSegment segment) {
    requireNonNull(swarm, "swarm");
    synchronized (lock) {
      arriving.remove(new Key(swarm, segmentId), segment);
    }
  }

  @Override
  public Optional<ByteBuffer> get(SwarmKey swarm, long segmentId) {
    requireNonNull(swarm, "swarm");
    Entry entry;
    List<StoreChange> changes = new ArrayList<>();
    synchronized (lock) {
      evictExpiredLocked(clock.millis(), changes);
      entry = entries.get(new Key(swarm, segmentId));
    }
    notifyListeners(changes);
    return entry == null ? Optional.empty() : Optional.of(ByteBuffer.wrap(entry.bytes).asReadOnlyBuffer());
  }

  @Override
  public boolean contains(SwarmKey swarm, long segmentId) {
    requireNonNull(swarm, "swarm");
    boolean held;
    List<StoreChange> changes = new ArrayList<>();
    synchronized (lock) {
      evictExpiredLocked(clock.millis(), changes);
      held = entries.containsKey(new Key(swarm, segmentId));
    }
    notifyListeners(changes);
    return held;
  }

  @Override
  public List<Long> segmentIds(SwarmKey swarm) {
    requireNonNull(swarm, "swarm");
    List<Long> ids;
    List<StoreChange> changes = new ArrayList<>();
    synchronized (lock) {
      evictExpiredLocked(clock.millis(), changes);
      LinkedHashMap<Long, Entry> segments = bySwarm.get(swarm);
      ids = segments == null ? List.of() : List.copyOf(segments.keySet());
    }
    notifyListeners(changes);
    return ids;
  }

  @Override
  public Set<SwarmKey> swarms() {
    Set<SwarmKey> swarms;
    List<StoreChange> changes = new ArrayList<>();
    synchronized (lock) {
      evictExpiredLocked(clock.millis(), changes);
      swarms = Set.copyOf(bySwarm.keySet());
    }
    notifyListeners(changes);
    return swarms;
  }

  @Override
  public boolean remove(SwarmKey swarm, long segmentId) {
    requireNonNull(swarm, "swarm");
    Entry removed;
    List<StoreChange> changes = new ArrayList<>();
    synchronized (lock) {
      evictExpiredLocked(clock.millis(), changes);
      removed = entries.remove(new Key(swarm, segmentId));
      if (removed != null) {
        unlinkLocked(removed);
        changes.add(new StoreChange(swarm, segmentId, Kind.REMOVED));
      }
    }
    notifyListeners(changes);
    return removed != null;
  }

  @Override
  public int removeSwarm(SwarmKey swarm) {
    requireNonNull(swarm, "swarm");
    int count = 0;
    List<StoreChange> changes = new ArrayList<>();
    synchronized (lock) {
      evictExpiredLocked(clock.millis(), changes);
      arriving.keySet().removeIf(key -> key.swarm().equals(swarm));
      LinkedHashMap<Long, Entry> segments = bySwarm.remove(swarm);
      if (segments != null) {
        for (Entry entry : segments.values()) {
          entries.remove(entry.key);
          sizeBytes -= entry.bytes.length;
          changes.add(new StoreChange(swarm, entry.key.segmentId, Kind.REMOVED));
          count++;
        }
      }
    }
    notifyListeners(changes);
    return count;
  }

  /** Evicts every segment stored more than the maximum age ago, telling listeners. */
  @Override
  public int evictExpired() {
    List<StoreChange> changes = new ArrayList<>();
    synchronized (lock) {
      evictExpiredLocked(clock.millis(), changes);
    }
    notifyListeners(changes);
    return changes.size();
  }

  @Override
  public long sizeBytes() {
    synchronized (lock) {
      return sizeBytes;
    }
  }

  @Override
  public void addListener(Listener listener) {
    listeners.add(requireNonNull(listener, "listener"));
  }

  @Override
  public void removeListener(Listener listener) {
    listeners.remove(listener);
  }

  private void evictExpiredLocked(long nowMillis, List<StoreChange> changes) {
    Iterator<Entry> oldestFirst = entries.values().iterator();
    while (oldestFirst.hasNext()) {
      Entry entry = oldestFirst.next();
      if (nowMillis - entry.storedAtMillis <= maxAgeMillis) {
        return;
      }
      oldestFirst.remove();
      unlinkLocked(entry);
      changes.add(new StoreChange(entry.key.swarm, entry.key.segmentId, Kind.EXPIRED));
    }
  }

  /** Removes an entry already taken out of {@code entries} from the swarm index and the size. */
  private void unlinkLocked(Entry entry) {
    LinkedHashMap<Long, Entry> segments = bySwarm.get(entry.key.swarm);
    segments.remove(entry.key.segmentId);
    if (segments.isEmpty()) {
      bySwarm.remove(entry.key.swarm);
    }
    sizeBytes -= entry.bytes.length;
  }

  private void notifyListeners(List<StoreChange> changes) {
    for (StoreChange change : changes) {
      for (Listener listener : listeners) {
        try {
          listener.onChange(change);
        } catch (RuntimeException e) {
          log.warn("segment store listener {} failed on {}", listener, change, e);
        }
      }
    }
  }

  private record Key(SwarmKey swarm, long segmentId) {
  }

  private static final class Entry {
    final Key key;
    final byte[] bytes;
    final long storedAtMillis;

    Entry(Key key, byte[] bytes, long storedAtMillis) {
      this.key = key;
      this.bytes = bytes;
      this.storedAtMillis = storedAtMillis;
    }
  }
}
