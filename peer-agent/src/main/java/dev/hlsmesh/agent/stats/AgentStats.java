package dev.hlsmesh.agent.stats;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hlsmesh.agent.SwarmKey;
import java.time.Clock;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One agent's delivery figures and events: bytes by source, uploads, stalls, startup, live
 * latency, connected peers, CDN fallbacks and validation failures. Whoever moves bytes records
 * them here (segment loaders, the scheduler, the agent's peer sessions, the player); an
 * embedding application reads {@link #snapshot()}, {@link #toJson()}, registers an
 * {@link AgentStatsListener} (figures, on the recording thread), an {@link AgentEventListener}
 * (events, off the recording thread), or binds a metrics registry
 * ({@code dev.hlsmesh.agent.metrics.AgentMetrics}).
 *
 * <p>Thread-safe and cheap on the recording path: counters are {@link LongAdder}s, nothing
 * locks, event listeners are handed their events through a bounded queue. A snapshot reads each
 * counter once; counters recorded during a snapshot may or may not be in it.
 */
public final class AgentStats {
  private static final Logger log = LoggerFactory.getLogger(AgentStats.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicInteger EVENT_THREADS = new AtomicInteger();
  /** Events waiting for the event thread beyond this many are dropped. */
  static final int MAX_QUEUED_EVENTS = 10_000;

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
  private final LongAdder validationFailures = new LongAdder();
  private final LongAdder verifiedPeerSegments = new LongAdder();
  private final LongAdder unverifiedPeerSegments = new LongAdder();
  private final Map<CdnFallbackReason, LongAdder> cdnFallbacks = new EnumMap<>(CdnFallbackReason.class);
  private final LongAdder droppedEvents = new LongAdder();
  private final List<AgentStatsListener> listeners = new CopyOnWriteArrayList<>();
  private final List<EventRegistration> eventListeners = new CopyOnWriteArrayList<>();
  private final Object eventExecutorLock = new Object();
  private volatile ThreadPoolExecutor eventExecutor; // created on first use, under eventExecutorLock
  private volatile IntSupplier connectedPeers = () -> 0;

  /** Stats whose snapshots are stamped with the system clock. */
  public AgentStats() {
    this(Clock.systemUTC());
  }

  /** Stats whose snapshots are stamped with {@code clock}. */
  public AgentStats(Clock clock) {
    this.clock = requireNonNull(clock, "clock");
    for (CdnFallbackReason reason : CdnFallbackReason.values()) {
      cdnFallbacks.put(reason, new LongAdder());
    }
  }

  /** {@code executor} null: the stats' own event thread. */
  private record EventRegistration(AgentEventListener listener, Executor executor) {
  }

  /**
   * Registers an event listener called on this stats' event thread (one daemon thread, started
   * when needed and ended when idle), in recording order. See {@link AgentEventListener}.
   */
  public void addEventListener(AgentEventListener listener) {
    eventListeners.add(new EventRegistration(requireNonNull(listener, "listener"), null));
  }

  /**
   * Registers an event listener called through {@code executor}; {@code Runnable::run} calls it
   * on the recording thread (an HTTP, WebRTC or timer thread), where it must not block.
   */
  public void addEventListener(AgentEventListener listener, Executor executor) {
    eventListeners.add(new EventRegistration(requireNonNull(listener, "listener"), requireNonNull(executor, "executor")));
  }

  /** Unregisters every registration of an event listener; no-op if it was not registered. */
  public void removeEventListener(AgentEventListener listener) {
    eventListeners.removeIf(r -> r.listener().equals(listener));
  }

  /** Events not delivered because the event queue was full or an executor refused them. */
  public long droppedEvents() {
    return droppedEvents.sum();
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
    publish(new AgentEvent.Stall(clock.millis(), millis));
  }

  /**
   * A segment was delivered for playback (an {@link AgentEvent.SegmentLoaded} event; counts
   * nothing: record bytes with {@link #recordReceived} and segments with
   * {@link #recordSegmentCompleted}).
   *
   * @param peerId the peer that delivered it, null for the CDN
   * @param fetchMillis how long the delivering transfer took
   */
  public void recordSegmentLoaded(SwarmKey swarm, long segmentId, SegmentSourceKind source, String peerId, long bytes,
      long fetchMillis) {
    requireNonNegative(bytes, "bytes");
    requireNonNegative(fetchMillis, "fetchMillis");
    publish(new AgentEvent.SegmentLoaded(clock.millis(), swarm, segmentId, source, peerId, bytes, fetchMillis));
  }

  /** The scheduler fetches a segment from the CDN for {@code reason}. */
  public void recordCdnFallback(SwarmKey swarm, long segmentId, CdnFallbackReason reason) {
    requireNonNull(reason, "reason");
    cdnFallbacks.get(reason).increment();
    publish(new AgentEvent.CdnFallback(clock.millis(), swarm, segmentId, reason));
  }

  /**
   * A segment's bytes failed verification and were discarded.
   *
   * @param peerId the peer that sent them, null for the CDN
   * @param reason what did not match, one short sentence
   */
  public void recordValidationFailure(SwarmKey swarm, long segmentId, SegmentSourceKind source, String peerId,
      String reason) {
    AgentEvent event = new AgentEvent.ValidationFailed(clock.millis(), swarm, segmentId, source, peerId, reason);
    validationFailures.increment();
    publish(event);
  }

  /**
   * A segment from a peer passed its integrity check: {@code proven} when a signed sidecar
   * proved it, otherwise it was accepted unverified (docs/security.md).
   */
  public void recordPeerSegmentChecked(boolean proven) {
    (proven ? verifiedPeerSegments : unverifiedPeerSegments).increment();
  }

  /** A connection to a peer opened. */
  public void recordPeerConnected(SwarmKey swarm, String peerId) {
    publish(new AgentEvent.PeerConnected(clock.millis(), swarm, peerId));
  }

  /** A connection to a peer closed. */
  public void recordPeerClosed(SwarmKey swarm, String peerId) {
    publish(new AgentEvent.PeerClosed(clock.millis(), swarm, peerId));
  }

  /** Something failed that the agent recovers from by itself; {@code swarm} may be null. */
  public void recordFailure(SwarmKey swarm, AgentEvent.FailureKind kind, String message) {
    publish(new AgentEvent.Failure(clock.millis(), swarm, kind, message));
  }

  /** Segment bytes received from {@code source} so far. */
  public long receivedBytes(SegmentSourceKind source) {
    return (requireNonNull(source, "source") == SegmentSourceKind.CDN ? cdnBytes : peerBytes).sum();
  }

  /** Segment bytes uploaded to peers so far. */
  public long uploadedBytes() {
    return uploadedBytes.sum();
  }

  /** Stalls that ended so far. */
  public long stalls() {
    return stalls.sum();
  }

  /** Total time of the stalls that ended so far. */
  public long stallMillis() {
    return stallMillis.sum();
  }

  /** Segments discarded because they failed verification, so far. */
  public long validationFailures() {
    return validationFailures.sum();
  }

  /** CDN fetches the scheduler chose for {@code reason}, so far. */
  public long cdnFallbacks(CdnFallbackReason reason) {
    return cdnFallbacks.get(requireNonNull(reason, "reason")).sum();
  }

  /** Peers connected now, over all swarms (the {@link #connectedPeers(IntSupplier)} source). */
  public int connectedPeers() {
    try {
      return connectedPeers.getAsInt();
    } catch (RuntimeException e) {
      log.warn("connected-peers source failed: {}", e.toString());
      return 0;
    }
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
    int peers = connectedPeers();
    return new AgentStatsSnapshot(clock.millis(), cdn, peer, uploadedBytes.sum(), cdnSegments.sum(),
        peerSegments.sum(), AgentStatsSnapshot.offload(cdn, peer), stalls.sum(), stallMillis.sum(),
        startupMillis.get(), liveLatencyMillis.get(), peers, validationFailures.sum(), verifiedPeerSegments.sum(),
        unverifiedPeerSegments.sum());
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

  private void publish(AgentEvent event) {
    for (EventRegistration registration : eventListeners) {
      Runnable delivery = () -> deliver(registration.listener(), event);
      Executor executor = registration.executor() != null ? registration.executor() : eventExecutor();
      try {
        executor.execute(delivery);
      } catch (RejectedExecutionException e) {
        droppedEvents.increment();
        long dropped = droppedEvents.sum();
        if ((dropped & (dropped - 1)) == 0) { // 1, 2, 4, 8...: a trace without flooding the log
          log.warn("{} agent events dropped so far: an event listener is too slow ({})", dropped, registration.listener());
        }
      }
    }
  }

  private static void deliver(AgentEventListener listener, AgentEvent event) {
    try {
      listener.onEvent(event);
    } catch (RuntimeException e) {
      log.warn("event listener {} failed on {}: {}", listener, event.getClass().getSimpleName(), e.toString());
    }
  }

  private Executor eventExecutor() {
    ThreadPoolExecutor created = eventExecutor;
    if (created != null) {
      return created;
    }
    synchronized (eventExecutorLock) {
      if (eventExecutor == null) {
        int number = EVENT_THREADS.incrementAndGet();
        // One thread at most (so events keep their order), gone after 10 s idle: nothing to close.
        eventExecutor = new ThreadPoolExecutor(1, 1, 10, TimeUnit.SECONDS, new ArrayBlockingQueue<>(MAX_QUEUED_EVENTS),
            task -> {
              Thread thread = new Thread(task, "hlsmesh-agent-events-" + number);
              thread.setDaemon(true);
              return thread;
            });
        eventExecutor.allowCoreThreadTimeOut(true);
      }
      return eventExecutor;
    }
  }

  private static void requireNonNegative(long value, String name) {
    if (value < 0) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: >= 0)");
    }
  }
}
