package dev.hlsmesh.agent.stats;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One agent's delivery figures: bytes by source, uploads, stalls, startup, live latency and
 * connected peers. Whoever moves bytes records them here (segment loaders, peer sessions, the
 * player); an embedding application reads {@link #snapshot()}, {@link #toJson()}, or registers
 * an {@link AgentStatsListener}.
 *
 * <p>Thread-safe and cheap on the recording path: counters are {@link LongAdder}s, nothing
 * locks. A snapshot reads each counter once; counters recorded during a snapshot may or may not
 * be in it.
 */
public final class AgentStats {
  private static final Logger log = LoggerFactory.getLogger(AgentStats.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Clock clock;
  private final LongAdder cdnBytes = new LongAdder();
  private final LongAdder peerBytes = new LongAdder();
  private final LongAdder uploadedBytes = new LongAdder();
  private final LongAdder cdnSegments = new LongAdder();
  private final LongAdder peerSegments = new LongAdder();
  private final LongAdder stalls = new LongAdder();
  private final LongAdder stallMillis = new LongAdder();
  private final AtomicLong startupMillis = new AtomicLong(-1);
  private final AtomicLong liveLatencyMillis = new AtomicLong(-1);
  private final List<AgentStatsListener> listeners = new CopyOnWriteArrayList<>();
  private volatile IntSupplier connectedPeers = () -> 0;

  /** Stats whose snapshots are stamped with the system clock. */
  public AgentStats() {
    this(Clock.systemUTC());
  }

  /** Stats whose snapshots are stamped with {@code clock}. */
  public AgentStats(Clock clock) {
    this.clock = requireNonNull(clock, "clock");
  }

  /** Registers a listener; it sees events recorded from now on. */
  public void addListener(AgentStatsListener listener) {
    listeners.add(requireNonNull(listener, "listener"));
  }

  /** Unregisters a listener; no-op if it was not registered. */
  public void removeListener(AgentStatsListener listener) {
    listeners.remove(listener);
  }

  /** Where {@link AgentStatsSnapshot#connectedPeers()} comes from (default: always 0). */
  public void connectedPeers(IntSupplier source) {
    this.connectedPeers = requireNonNull(source, "source");
  }

  /** Bytes received for playback from {@code source} (a whole segment or part of one). */
  public void recordReceived(SegmentSourceKind source, long bytes) {
    requireNonNull(source, "source");
    requireNonNegative(bytes, "bytes");
    (source == SegmentSourceKind.CDN ? cdnBytes : peerBytes).add(bytes);
    notifyListeners(l -> l.onReceived(source, bytes));
  }

  /**
   * A segment was completed for playback, its last bytes coming from {@code source}. Counts
   * segments only; record the bytes with {@link #recordReceived}.
   */
  public void recordSegmentCompleted(SegmentSourceKind source) {
    requireNonNull(source, "source");
    (source == SegmentSourceKind.CDN ? cdnSegments : peerSegments).increment();
  }

  /** Bytes sent to a peer. */
  public void recordUploaded(long bytes) {
    requireNonNegative(bytes, "bytes");
    uploadedBytes.add(bytes);
    notifyListeners(l -> l.onUploaded(bytes));
  }

  /** Playback started {@code millis} after the player started (the last call wins). */
  public void recordStartup(long millis) {
    requireNonNegative(millis, "millis");
    startupMillis.set(millis);
    notifyListeners(l -> l.onStartup(millis));
  }

  /** A stall of {@code millis} ended. */
  public void recordStall(long millis) {
    requireNonNegative(millis, "millis");
    stalls.increment();
    stallMillis.add(millis);
    notifyListeners(l -> l.onStall(millis));
  }

  /** The player's distance behind live now. */
  public void recordLiveLatency(long millis) {
    requireNonNegative(millis, "millis");
    liveLatencyMillis.set(millis);
  }

  /** The figures now. */
  public AgentStatsSnapshot snapshot() {
    long cdn = cdnBytes.sum();
    long peer = peerBytes.sum();
    int peers;
    try {
      peers = connectedPeers.getAsInt();
    } catch (RuntimeException e) {
      log.warn("connected-peers source failed: {}", e.toString());
      peers = 0;
    }
    return new AgentStatsSnapshot(clock.millis(), cdn, peer, uploadedBytes.sum(), cdnSegments.sum(),
        peerSegments.sum(), AgentStatsSnapshot.offload(cdn, peer), stalls.sum(), stallMillis.sum(),
        startupMillis.get(), liveLatencyMillis.get(), peers);
  }

  /** {@link #snapshot()} as one line of JSON, with the snapshot's field names. */
  public String toJson() {
    return toJson(snapshot());
  }

  /** A snapshot as one line of JSON, with its field names. */
  public static String toJson(AgentStatsSnapshot snapshot) {
    try {
      return JSON.writeValueAsString(requireNonNull(snapshot, "snapshot"));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a stats snapshot did not serialize", e);
    }
  }

  void publishSnapshot(AgentStatsSnapshot snapshot) {
    notifyListeners(l -> l.onSnapshot(snapshot));
  }

  private void notifyListeners(Consumer<AgentStatsListener> event) {
    for (AgentStatsListener listener : listeners) {
      try {
        event.accept(listener);
      } catch (RuntimeException e) {
        log.warn("stats listener {} failed: {}", listener, e.toString());
      }
    }
  }

  private static void requireNonNegative(long value, String name) {
    if (value < 0) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: >= 0)");
    }
  }
}
