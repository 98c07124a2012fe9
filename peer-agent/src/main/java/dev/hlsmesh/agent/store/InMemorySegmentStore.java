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
 * <p>Threads: any; in an agent, the agent's owner thread. One lock guards the bookkeeping; it is
 * never held while copying, while calling listeners, or while doing anything else slow.
 * {@link #adopt} keeps the scheduler's frozen segment buffer without copying; {@code put}
 * copies once, before taking the lock. Segments are handed out as read-only views of it, or as
 * the buffer itself ({@link #held}).
 */
public final class InMemorySegmentStore implements SegmentStore {
  private static final Logger log = LoggerFactory.getLogger(InMemorySegmentStore.class);
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
    return store(swarm, segmentId, SegmentBuffer.frozen(copy));
  }

  @Override
  public boolean adopt(SwarmKey swarm, long segmentId, SegmentBuffer complete) {
    requireNonNull(swarm, "swarm");
    requireNonNull(complete, "complete");
    if (complete.state() != SegmentBuffer.State.COMPLETE) {
      throw new IllegalArgumentException("segment buffer not complete: " + complete.state());
    }
    if (complete.totalBytes() > maxBytes) {
      return false;
    }
    return store(swarm, segmentId, complete);
  }

  private boolean store(SwarmKey swarm, long segmentId, SegmentBuffer bytes) {
    Key key = new Key(swarm, segmentId);
    int size = (int) bytes.totalBytes();
    List<StoreChange> changes = new ArrayList<>();
    synchronized (lock) {
      long now = clock.millis();
      evictExpiredLocked(now, changes);
      Entry previous = entries.remove(key);
      if (previous != null) {
        unlinkLocked(previous);
      }
      Iterator<Entry> oldestFirst = entries.values().iterator();
      while (sizeBytes + size > maxBytes) {
        Entry victim = oldestFirst.next();
        oldestFirst.remove();
        unlinkLocked(victim);
        changes.add(new StoreChange(victim.key.swarm, victim.key.segmentId, Kind.EVICTED_FOR_SPACE));
      }
      Entry entry = new Entry(key, bytes, now);
      entries.put(key, entry);
      bySwarm.computeIfAbsent(swarm, s -> new LinkedHashMap<>()).put(segmentId, entry);
      sizeBytes += size;
      changes.add(new StoreChange(swarm, segmentId, Kind.STORED));
    }
    notifyListeners(changes);
    return true;
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
    return entry == null ? Optional.empty() : Optional.of(ByteBuffer.wrap(entry.bytes.bytes()).asReadOnlyBuffer());
  }

  @Override
  public Optional<SegmentBuffer> held(SwarmKey swarm, long segmentId) {
    requireNonNull(swarm, "swarm");
    Entry entry;
    List<StoreChange> changes = new ArrayList<>();
    synchronized (lock) {
      evictExpiredLocked(clock.millis(), changes);
      entry = entries.get(new Key(swarm, segmentId));
    }
    notifyListeners(changes);
    return entry == null ? Optional.empty() : Optional.of(entry.bytes);
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
      LinkedHashMap<Long, Entry> segments = bySwarm.remove(swarm);
      if (segments != null) {
        for (Entry entry : segments.values()) {
          entries.remove(entry.key);
          sizeBytes -= entry.bytes.totalBytes();
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
    sizeBytes -= entry.bytes.totalBytes();
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
    /** Complete: its bytes never change. */
    final SegmentBuffer bytes;
    final long storedAtMillis;

    Entry(Key key, SegmentBuffer bytes, long storedAtMillis) {
      this.key = key;
      this.bytes = bytes;
      this.storedAtMillis = storedAtMillis;
    }
  }
}
