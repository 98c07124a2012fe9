package dev.hlsmesh.agent.scheduler;

import static java.util.Objects.requireNonNull;

import dev.hlsmesh.agent.Agent;
import dev.hlsmesh.agent.IntegritySettings;
import dev.hlsmesh.agent.PeerFetchException;
import dev.hlsmesh.agent.SwarmKey;
import dev.hlsmesh.agent.delivery.CdnSegmentLoader;
import dev.hlsmesh.agent.delivery.HlsStream;
import dev.hlsmesh.agent.delivery.SegmentLoadException;
import dev.hlsmesh.agent.delivery.SegmentLoader;
import dev.hlsmesh.agent.delivery.SegmentRequest;
import dev.hlsmesh.agent.integrity.SegmentVerifier;
import dev.hlsmesh.agent.integrity.Verdict;
import dev.hlsmesh.agent.delivery.StreamingSegmentLoader;
import dev.hlsmesh.agent.scheduler.Planner.Decision;
import dev.hlsmesh.agent.scheduler.Planner.FromCdn;
import dev.hlsmesh.agent.scheduler.Planner.FromPeer;
import dev.hlsmesh.agent.scheduler.Planner.Wait;
import dev.hlsmesh.agent.stats.AgentEvent;
import dev.hlsmesh.agent.stats.AgentStats;
import dev.hlsmesh.agent.stats.CdnFallbackReason;
import dev.hlsmesh.agent.stats.SegmentSourceKind;
import dev.hlsmesh.agent.store.ArrivingSegment;
import dev.hlsmesh.agent.store.SegmentStore;
import dev.hlsmesh.cdn.ByteRange;
import dev.hlsmesh.cdn.TaskScheduler;
import dev.hlsmesh.cdn.fetch.BodyListener;
import dev.hlsmesh.cdn.hls.MediaPlaylist;
import dev.hlsmesh.cdn.hls.Segment;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hybrid scheduler: a {@link SegmentLoader} that decides per segment between peers and the
 * CDN ({@link Planner} has the rules), so that the local HLS proxy and the virtual player are
 * served through it. What it fetches it keeps in the agent's {@link SegmentStore}, which the agent
 * announces and serves to its peers; while it fetches a segment from the CDN it announces it as
 * "being fetched over HTTP" so that neighbours wait for it instead of fetching it too.
 *
 * <p>When it sees a new live segment in a playlist and wins the election for it, it fetches it
 * at once, before its own player asks: the elected agent is the neighbourhood's early fetcher.
 *
 * <p>With {@link SchedulerSettings#p2pEnabled()} false it only passes requests to the CDN loader:
 * the agent behaves exactly like a plain player.
 *
 * <p>Thread-safe: any thread may call it; its state is guarded by this object's monitor and
 * nothing blocks while holding it. The futures it returns complete on the thread that delivered
 * the bytes (a peer-callback or HTTP thread); cancelling one does not stop the fetch, which may
 * still serve peers.
 */
public final class HybridSegmentLoader implements SegmentLoader {
  private static final Logger log = LoggerFactory.getLogger(HybridSegmentLoader.class);
  private static final long DEFAULT_EXPECTED_BYTES = 512 * 1024;
  /** How long a peer given up at the safety point has to hand back its partial bytes. */
  private static final long GIVE_UP_GRACE_MILLIS = 250;
  /** A larger segment is only served to peers once complete. */
  private static final int MAX_SHARED_WHILE_ARRIVING_BYTES = 64 << 20;

  private final PeerNetwork network;
  private final SwarmKey swarm;
  private final SegmentStore store;
  private final SegmentLoader cdn;
  private final AgentStats stats;
  private final SchedulerSettings settings;
  private final Clock clock;
  private final TaskScheduler timers;
  private final Random random;
  private final Planner planner;
  private final SegmentVerifier verifier;

  // Guarded by this.
  private final Map<Long, Job> jobs = new HashMap<>();
  /** Segments being received (from the CDN or a peer), announced in {@code p}. */
  private final Set<Long> arriving = new TreeSet<>();
  private final Throughput cdnRate;
  private final Map<String, Throughput> peerRates = new HashMap<>();
  private final long startedMillis;
  private long expectedBytes = -1;
  private long newestSeenMsn = Long.MIN_VALUE;
  private boolean closed;

  /** One segment wanted by the player or fetched ahead for the neighbourhood. */
  private static final class Job {
    final long segmentId;
    final CompletableFuture<byte[]> result = new CompletableFuture<>();
    final long firstWantedMillis;
    final long jitterMillis;
    final Set<String> failedPeers = new HashSet<>();
    /** Loading neighbours that answered Absent: they serve only complete segments. */
    final Set<String> notServingWhileLoading = new HashSet<>();
    SegmentRequest request;
    boolean peerWasLoading;
    /** The running download (CDN or peer) as our peers see it while it arrives; null when not shared. */
    ArrivingSegment arriving;
    long deadlineMillis;
    boolean peerFetching;
    String peerInFlight;
    boolean givingUp;
    long giveUpAtMillis;
    boolean cdnFetching;
    boolean settled;
    TaskScheduler.Cancellable timer;

    Job(SegmentRequest request, long nowMillis, long jitterMillis) {
      this.segmentId = request.segment().id();
      this.request = request;
      this.deadlineMillis = request.playbackDeadline().toEpochMilli();
      this.firstWantedMillis = nowMillis;
      this.jitterMillis = jitterMillis;
    }
  }

  /**
   * A scheduler for one swarm the agent has joined.
   *
   * @param agent the agent; it must have {@linkplain Agent#join joined} {@code swarm}
   * @param store the agent's store (the one it serves); fetched segments go there
   * @param cdn loads segments from the CDN (counting CDN bytes in {@code stats}); closed with this
   * @param stats where bytes from peers are counted
   * @param clock the clock of the playback deadlines (the player's clock)
   * @param timers runs the scheduler's waits on {@code clock}'s time
   * @param random draws the election jitter
   */
  public HybridSegmentLoader(Agent agent, SwarmKey swarm, SegmentStore store, SegmentLoader cdn, AgentStats stats,
      SchedulerSettings settings, Clock clock, TaskScheduler timers, Random random) {
    this(agent, swarm, store, cdn, stats, settings, clock, timers, random, defaultVerifier(agent, cdn));
  }

  /**
   * The agent's integrity settings, with sidecars and HEAD sizes through the CDN loader's fetcher
   * when it is a {@link CdnSegmentLoader}; otherwise byte-range sizes and the validator only.
   */
  private static SegmentVerifier defaultVerifier(Agent agent, SegmentLoader cdn) {
    IntegritySettings integrity = agent == null ? IntegritySettings.defaults() : agent.config().integrity();
    return cdn instanceof CdnSegmentLoader cdnLoader
        ? SegmentVerifier.create(integrity, cdnLoader.fetcher())
        : SegmentVerifier.withoutCdn(integrity);
  }

  /**
   * As the other constructor, with the check every segment from a peer passes before it is
   * stored, shared or played (docs/security.md); {@link SegmentVerifier#create} makes one that
   * fetches the platform's signed sidecars from the CDN. The other constructor makes that one
   * from the agent's {@link IntegritySettings} when {@code cdn} is a {@link CdnSegmentLoader},
   * and otherwise checks byte-range sizes and the configured validator only.
   */
  public HybridSegmentLoader(Agent agent, SwarmKey swarm, SegmentStore store, SegmentLoader cdn, AgentStats stats,
      SchedulerSettings settings, Clock clock, TaskScheduler timers, Random random, SegmentVerifier verifier) {
    this(settings.p2pEnabled() ? PeerNetwork.of(requireNonNull(agent, "agent"), requireNonNull(swarm, "swarm")) : null,
        swarm, store, cdn, stats, settings, clock, timers, random, verifier);
  }

  HybridSegmentLoader(PeerNetwork network, SwarmKey swarm, SegmentStore store, SegmentLoader cdn, AgentStats stats,
      SchedulerSettings settings, Clock clock, TaskScheduler timers, Random random) {
    this(network, swarm, store, cdn, stats, settings, clock, timers, random,
        SegmentVerifier.withoutCdn(IntegritySettings.defaults()));
  }

  HybridSegmentLoader(PeerNetwork network, SwarmKey swarm, SegmentStore store, SegmentLoader cdn, AgentStats stats,
      SchedulerSettings settings, Clock clock, TaskScheduler timers, Random random, SegmentVerifier verifier) {
    this.verifier = requireNonNull(verifier, "verifier");
    this.settings = requireNonNull(settings, "settings");
    this.network = settings.p2pEnabled() ? requireNonNull(network, "network") : null;
    this.swarm = requireNonNull(swarm, "swarm");
    this.store = requireNonNull(store, "store");
    this.cdn = requireNonNull(cdn, "cdn");
    this.stats = requireNonNull(stats, "stats");
    this.clock = requireNonNull(clock, "clock");
    this.timers = requireNonNull(timers, "timers");
    this.random = requireNonNull(random, "random");
    this.planner = new Planner(settings);
    this.cdnRate = new Throughput(settings.initialCdnBytesPerSecond());
    this.startedMillis = clock.millis();
    if (this.network != null) {
      this.network.onChange(this::onNeighboursChanged);
    }
  }

  @Override
  public CompletableFuture<byte[]> load(SegmentRequest request) {
    requireNonNull(request, "request");
    if (!settings.p2pEnabled()) {
      return loadFromCdnOnly(request);
    }
    long segmentId = request.segment().id();
    Optional<ByteBuffer> held = store.get(swarm, segmentId);
    if (held.isPresent()) {
      return CompletableFuture.completedFuture(bytes(held.get()));
    }
    Job job;
    synchronized (this) {
      if (closed) {
        return CompletableFuture.failedFuture(new SegmentLoadException("scheduler closed"));
      }
      job = jobs.get(segmentId);
      if (job == null) {
        job = newJob(request);
      } else {
        job.request = request;
        job.deadlineMillis = Math.min(job.deadlineMillis, request.playbackDeadline().toEpochMilli());
      }
      step(job);
    }
    // The player's view: cancelling it leaves the fetch running for the neighbourhood.
    CompletableFuture<byte[]> view = new CompletableFuture<>();
    job.result.whenComplete((bytes, error) -> {
      if (error != null) {
        view.completeExceptionally(error);
      } else {
        view.complete(bytes);
      }
    });
    return view;
  }

  @Override
  public void playlistLoaded(HlsStream stream, MediaPlaylist playlist) {
    if (!settings.p2pEnabled() || !settings.uploadEnabled() || !playlist.live() || playlist.segments().isEmpty()) {
      return;
    }
    synchronized (this) {
      if (closed) {
        return;
      }
      List<Segment> fresh = new ArrayList<>();
      for (Segment segment : playlist.segments()) {
        if (segment.mediaSequenceNumber() > newestSeenMsn) {
          fresh.add(segment);
        }
      }
      if (fresh.isEmpty()) {
        return;
      }
      if (newestSeenMsn == Long.MIN_VALUE) {
        fresh = fresh.subList(fresh.size() - 1, fresh.size()); // joining: older ones are someone else's news
      }
      newestSeenMsn = playlist.lastMediaSequenceNumber();
      long now = clock.millis();
      // About when a player started the usual three target durations behind live will need it.
      Instant deadline = Instant.ofEpochMilli(now + 3L * playlist.targetDurationSeconds() * 1000);
      for (Segment segment : fresh) {
        if (jobs.containsKey(segment.id()) || store.contains(swarm, segment.id())) {
          continue;
        }
        List<String> others = new ArrayList<>();
        for (dev.hlsmesh.agent.Neighbour n : network.neighbours()) {
          others.add(n.peerId());
        }
        if (Planner.rank(segment.id(), network.selfId(), others) < settings.electedFetchers()) {
          // Elected: this agent fetches it for the neighbourhood (after its election delay,
          // unless someone announces it first), before its own player asks.
          log.debug("segment {}: elected, fetching it ahead of the player", segment.id());
          step(newJob(new SegmentRequest(stream, playlist, segment, deadline)));
        }
      }
    }
  }

  /** Stops: pending loads fail, waits are cancelled, the CDN loader is closed. */
  @Override
  public void close() {
    List<Job> pending;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      pending = new ArrayList<>(jobs.values());
      jobs.clear();
    }
    if (network != null) {
      network.close();
    }
    for (Job job : pending) {
      if (job.timer != null) {
        job.timer.cancel();
      }
      job.result.completeExceptionally(new SegmentLoadException("scheduler closed"));
    }
    cdn.close();
  }

  /** Segments being decided or fetched now (tests). */
  synchronized int pendingSegments() {
    return jobs.size();
  }

  private Job newJob(SegmentRequest request) {
    long jitter = settings.electionJitterMillis() == 0 ? 0 : (long) (random.nextDouble() * settings.electionJitterMillis());
    Job job = new Job(request, clock.millis(), jitter);
    jobs.put(job.segmentId, job);
    return job;
  }

  private void onNeighboursChanged() {
    synchronized (this) {
      if (closed) {
        return;
      }
      for (Job job : new ArrayList<>(jobs.values())) {
        step(job);
      }
    }
  }

  private Decision decide(Job job, long now) {
    long expected = expectedBytes > 0 ? expectedBytes : DEFAULT_EXPECTED_BYTES;
    Planner.Situation situation = new Planner.Situation(job.segmentId, now, job.deadlineMillis, job.firstWantedMillis,
        job.jitterMillis, expected, network.selfId(), network.neighbours(), job.failedPeers,
        startedMillis + settings.joinGraceMillis(), job.notServingWhileLoading);
    return planner.decide(situation, cdnRate, this::peerRate);
  }

  private Throughput peerRate(String peerId) {
    return peerRates.computeIfAbsent(peerId, id -> new Throughput(settings.initialPeerBytesPerSecond()));
  }

  /** Decides again what to do for a job. Under the monitor. */
  private void step(Job job) {
    if (closed || job.settled || job.result.isDone() || job.cdnFetching) {
      return; // the CDN is the last resort: once it runs there is nothing better to start
    }
    long now = clock.millis();
    Decision decision = decide(job, now);
    if (decision instanceof FromCdn fromCdn) {
      log.debug("segment {}: CDN ({}), deadline in {} ms, peer transfer running: {}", job.segmentId,
          fromCdn.reason(), job.deadlineMillis - now, job.peerFetching);
      if (job.peerFetching) {
        // Too late for the peer: take what it delivered so far and complete it from the CDN
        // with a range request; if the partial bytes do not come back quickly, fetch it whole.
        if (!job.givingUp) {
          job.givingUp = true;
          job.giveUpAtMillis = now;
          network.giveUp(job.peerInFlight, job.segmentId);
        }
        if (now < job.giveUpAtMillis + GIVE_UP_GRACE_MILLIS) {
          wakeAt(job, job.giveUpAtMillis + GIVE_UP_GRACE_MILLIS);
          return;
        }
      }
      startCdn(job, fallbackReason(((FromCdn) decision).reason()));
    } else if (decision instanceof FromPeer fromPeer) {
      if (!job.peerFetching) {
        startPeer(job, fromPeer.peerId());
      }
      wakeAt(job, safetyPoint(job));
    } else if (decision instanceof Wait wait) {
      wakeAt(job, job.peerFetching ? safetyPoint(job) : wait.untilMillis());
    }
  }

  private long safetyPoint(Job job) {
    long expected = expectedBytes > 0 ? expectedBytes : DEFAULT_EXPECTED_BYTES;
    return job.deadlineMillis - planner.safetyMarginMillis(expected, cdnRate);
  }

  private void wakeAt(Job job, long atMillis) {
    if (job.timer != null) {
      job.timer.cancel();
    }
    long delay = Math.max(0, atMillis - clock.millis());
    job.timer = timers.schedule(() -> {
      synchronized (this) {
        step(job);
      }
    }, delay);
  }

  private void startPeer(Job job, String peerId) {
    job.peerWasLoading = network.neighbours().stream()
        .anyMatch(n -> n.peerId().equals(peerId) && !n.storedSegmentIds().contains(job.segmentId));
    job.peerFetching = true;
    job.peerInFlight = peerId;
    job.givingUp = false;
    long startMillis = clock.millis();
    CompletableFuture<byte[]> fetch;
    try {
      fetch = network.fetch(peerId, job.segmentId);
    } catch (RuntimeException e) {
      fetch = CompletableFuture.failedFuture(e);
    }
    fetch.whenComplete((bytes, error) -> onPeerDone(job, peerId, startMillis, bytes, error));
  }


  /**
   * Offers the segment to peers while it arrives: a fresh {@link ArrivingSegment} in the store,
   * replacing (and failing) the job's earlier one. Null when uploads are off. Under the monitor.
   */
  private ArrivingSegment shareWhileArriving(Job job) {
    if (!settings.uploadEnabled()) {
      return null;
    }
    endArriving(job, job.arriving, null);
    ArrivingSegment arriving = new ArrivingSegment(MAX_SHARED_WHILE_ARRIVING_BYTES);
    job.arriving = arriving;
    store.putArriving(swarm, job.segmentId, arriving);
    return arriving;
  }

  /**
   * Ends the job's arriving segment if it is still {@code arriving}: complete when {@code bytes}
   * are all of it, failed otherwise (uploads from it then end with Absent). The store drops it
   * when the segment is stored, or here when nothing will be. Under the monitor.
   */
  private void endArriving(Job job, ArrivingSegment arriving, byte[] bytes) {
    if (arriving == null || job.arriving != arriving) {
      return;
    }
    job.arriving = null;
    if (bytes != null && arriving.totalBytes() == bytes.length && arriving.availableBytes() == bytes.length) {
      arriving.complete();
    } else {
      arriving.fail();
      store.removeArriving(swarm, job.segmentId, arriving);
    }
  }

  private void onPeerDone(Job job, String peerId, long startMillis, byte[] bytes, Throwable error) {
    if (error == null) {
      // Nothing from a peer is stored, re-shared or played before it is checked; the job stays
      // "peer fetching" meanwhile, so the CDN still takes over at the safety point.
      verifier.verify(job.request, bytes).whenComplete((verdict, e) -> onPeerChecked(job, peerId, startMillis, bytes,
          verdict == null ? Verdict.UNPROVEN : verdict));
      return;
    }
    synchronized (this) {
      job.peerFetching = false;
      job.peerInFlight = null;
      job.givingUp = false;
      Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
          ? error.getCause() : error;
      if (cause instanceof PeerFetchException partly && partly.partialBytes().length > 0
          && partly.totalBytes() > partly.partialBytes().length && !job.settled && !job.cdnFetching && !closed) {
        // Given up at the safety point, or the peer's own download failed part way.
        stats.recordReceived(SegmentSourceKind.PEER, partly.partialBytes().length);
        startCdnRest(job, peerId, partly.partialBytes(), partly.totalBytes());
        return;
      }
      if (job.peerWasLoading && cause instanceof PeerFetchException absent
          && absent.reason() == PeerFetchException.Reason.ABSENT) {
        job.notServingWhileLoading.add(peerId); // ask it again once it holds the segment
      } else {
        job.failedPeers.add(peerId);
      }
      log.debug("segment {} from peer {} failed: {}", job.segmentId, peerId, error.toString());
      stats.recordFailure(swarm, AgentEvent.FailureKind.PEER_FETCH,
          "segment " + job.segmentId + " from peer " + peerId + ": " + cause);
      step(job);
    }
  }

  private void onPeerChecked(Job job, String peerId, long startMillis, byte[] bytes, Verdict verdict) {
    boolean won;
    synchronized (this) {
      job.peerFetching = false;
      job.peerInFlight = null;
      job.givingUp = false;
      if (!verdict.accepted()) {
        rejectPeerCopy(job, peerId, verdict);
        return;
      }
      stats.recordPeerSegmentChecked(verdict == Verdict.VERIFIED);
      long fetchMillis = Math.max(0, clock.millis() - startMillis);
      peerRate(peerId).record(bytes.length, fetchMillis);
      stats.recordReceived(SegmentSourceKind.PEER, bytes.length);
      won = settle(job, bytes);
      if (won) {
        stats.recordSegmentCompleted(SegmentSourceKind.PEER);
        stats.recordSegmentLoaded(swarm, job.segmentId, SegmentSourceKind.PEER, peerId, bytes.length, fetchMillis);
      }
    }
    if (won) {
      job.result.complete(bytes); // outside the monitor: the player's continuation runs here
    }
  }

  private void startCdn(Job job, CdnFallbackReason reason) {
    stats.recordCdnFallback(swarm, job.segmentId, reason);
    job.cdnFetching = true;
    if (job.timer != null) {
      job.timer.cancel();
      job.timer = null;
    }
    markArriving(job.segmentId, true);
    ArrivingSegment arriving = null;
    if (cdn instanceof StreamingSegmentLoader) {
      arriving = shareWhileArriving(job); // neighbours may take it from us while it arrives
    } else {
      endArriving(job, job.arriving, null);
    }
    startCdnLoad(job, null, job.request, arriving, null, -1);
  }

  /**
   * Completes a segment whose first bytes came from a peer with a range request for the rest
   * (PROTOCOL.md C.6 resume semantics, on HTTP). Under the monitor.
   */
  private void startCdnRest(Job job, String peerId, byte[] partial, long totalBytes) {
    Segment whole = job.request.segment();
    long base = whole.byteRange().map(ByteRange::offset).orElse(0L);
    Segment rest = new Segment(whole.mediaSequenceNumber(), whole.id(), whole.uri(),
        Optional.of(new ByteRange(base + partial.length, totalBytes - partial.length)), whole.durationSeconds(),
        whole.discontinuity(), whole.discontinuitySequence(), whole.initSection(), whole.key(),
        whole.programDateTime());
    SegmentRequest restRequest = new SegmentRequest(job.request.stream(), job.request.playlist(), rest,
        job.request.playbackDeadline());
    log.debug("segment {}: {} of {} bytes from a peer, the rest by a range request", job.segmentId, partial.length,
        totalBytes);
    stats.recordCdnFallback(swarm, job.segmentId, CdnFallbackReason.PEER_TOO_SLOW);
    job.cdnFetching = true;
    if (job.timer != null) {
      job.timer.cancel();
      job.timer = null;
    }
    // Not offered to peers while it arrives: the peer's bytes are checked only once joined.
    endArriving(job, job.arriving, null);
    startCdnLoad(job, peerId, restRequest, null, partial, totalBytes);
  }

  /**
   * Loads {@code request} from the CDN, feeding {@code arriving} (if not null) as bytes come; with
   * {@code partial} (from {@code peerId}), the answer is the rest of a segment of
   * {@code totalBytes} after those bytes, and the joined segment is checked like any peer copy.
   * Under the monitor.
   */
  private void startCdnLoad(Job job, String peerId, SegmentRequest request, ArrivingSegment arriving, byte[] partial,
      long totalBytes) {
    long startMillis = clock.millis();
    CompletableFuture<byte[]> fetch;
    try {
      if (arriving != null) {
        fetch = ((StreamingSegmentLoader) cdn).load(request, new BodyListener() {
          @Override
          public void onBodySize(long bodyBytes) {
            arriving.size(bodyBytes);
          }

          @Override
          public void onData(ByteBuffer chunk) {
            arriving.append(chunk);
          }
        });
      } else {
        fetch = cdn.load(request);
      }
    } catch (RuntimeException e) {
      fetch = CompletableFuture.failedFuture(e);
    }
    fetch.whenComplete((body, error) -> {
      if (error != null || partial == null) {
        onCdnDone(job, startMillis, body, error, arriving);
      } else if (partial.length + (long) body.length != totalBytes) {
        onCdnDone(job, startMillis, null, new SegmentLoadException("segment " + job.segmentId + ": the range request"
            + " for the last " + (totalBytes - partial.length) + " bytes answered " + body.length), arriving);
      } else {
        byte[] joined = Arrays.copyOf(partial, (int) totalBytes);
        System.arraycopy(body, 0, joined, partial.length, body.length);
        verifier.verify(job.request, joined).whenComplete((verdict, e) -> {
          if (verdict != null && verdict.accepted()) {
            stats.recordPeerSegmentChecked(verdict == Verdict.VERIFIED);
            onCdnDone(job, startMillis, joined, null, arriving);
          } else {
            synchronized (this) {
              job.cdnFetching = false;
              rejectPeerCopy(job, peerId, verdict == null ? Verdict.UNPROVEN : verdict);
            }
          }
        });
      }
    });
  }

  /**
   * A peer's copy failed its check: it is dropped, the peer is banned when it is to blame, and
   * the segment comes from the CDN. Under the monitor.
   */
  private void rejectPeerCopy(Job job, String peerId, Verdict verdict) {
    job.failedPeers.add(peerId);
    if (verdict.peerAtFault()) {
      log.warn("segment {} from peer {} is corrupt: dropped, peer banned, fetching it from the CDN", job.segmentId, peerId);
      stats.recordValidationFailure(swarm, job.segmentId, SegmentSourceKind.PEER, peerId,
          "the bytes do not match the segment's hash or size, or the validator refused them");
      network.ban(peerId, "sent a corrupt copy of segment " + job.segmentId);
    } else {
      log.debug("segment {} from peer {}: {}, fetching it from the CDN", job.segmentId, peerId, verdict);
    }
    if (!closed && !job.settled && !job.result.isDone() && !job.cdnFetching) {
      startCdn(job, CdnFallbackReason.PEER_COPY_REJECTED);
    }
  }

  private void onCdnDone(Job job, long startMillis, byte[] bytes, Throwable error, ArrivingSegment arriving) {
    boolean won = false;
    Throwable failure = null;
    synchronized (this) {
      job.cdnFetching = false;
      endArriving(job, arriving, error == null ? bytes : null);
      if (error == null) {
        long fetchMillis = Math.max(0, clock.millis() - startMillis);
        cdnRate.record(bytes.length, fetchMillis);
        won = settle(job, bytes);
        if (won) {
          stats.recordSegmentLoaded(swarm, job.segmentId, SegmentSourceKind.CDN, null, bytes.length, fetchMillis);
        }
      } else if (!job.result.isDone()) {
        if (jobs.get(job.segmentId) == job) {
          jobs.remove(job.segmentId); // the player asks again; that starts afresh
        }
        if (job.timer != null) {
          job.timer.cancel();
        }
        failure = error instanceof SegmentLoadException ? error
            : new SegmentLoadException("segment " + job.segmentId + " failed: " + error, error);
        stats.recordFailure(swarm, AgentEvent.FailureKind.SEGMENT_LOAD, failure.getMessage());
      }
      markArriving(job.segmentId, false);
    }
    if (arriving != null) {
      store.removeArriving(swarm, job.segmentId, arriving); // a no-op once the store holds the segment
    }
    if (won) {
      job.result.complete(bytes);
    } else if (failure != null) {
      job.result.completeExceptionally(failure);
    }
  }

  /**
   * Adds or removes a segment from the {@code p} announcement: the segments this agent is
   * fetching from the CDN, which it serves while they arrive. (Segments coming from a peer are
   * not listed: they are checked before they are stored or shared.) Under the monitor.
   */
  private void markArriving(long segmentId, boolean nowArriving) {
    boolean changed = nowArriving ? arriving.add(segmentId) : arriving.remove(segmentId);
    if (changed && settings.uploadEnabled() && !closed) {
      network.announceLoading(List.copyOf(arriving));
    }
  }

  /**
   * The first delivery wins: it leaves the jobs, goes into the store (so the agent announces it)
   * and the caller completes the result outside the monitor. Later deliveries are dropped.
   * Under the monitor.
   */
  private boolean settle(Job job, byte[] bytes) {
    if (job.settled) {
      return false;
    }
    job.settled = true;
    if (jobs.get(job.segmentId) == job) {
      jobs.remove(job.segmentId);
    }
    if (job.timer != null) {
      job.timer.cancel();
      job.timer = null;
    }
    expectedBytes = expectedBytes <= 0 ? bytes.length : (expectedBytes * 7 + bytes.length) / 8;
    if (settings.uploadEnabled()) {
      store.put(swarm, job.segmentId, bytes); // announced to the peers by the agent
    }
    return true;
  }

  /** P2P off: the CDN loader's own future (so cancelling it aborts the fetch), observed for the stats. */
  private CompletableFuture<byte[]> loadFromCdnOnly(SegmentRequest request) {
    long segmentId = request.segment().id();
    stats.recordCdnFallback(swarm, segmentId, CdnFallbackReason.P2P_DISABLED);
    long startMillis = clock.millis();
    CompletableFuture<byte[]> fetch = cdn.load(request);
    fetch.whenComplete((bytes, error) -> {
      if (error == null) {
        stats.recordSegmentLoaded(swarm, segmentId, SegmentSourceKind.CDN, null, bytes.length,
            Math.max(0, clock.millis() - startMillis));
      } else if (!fetch.isCancelled()) {
        stats.recordFailure(swarm, AgentEvent.FailureKind.SEGMENT_LOAD, "segment " + segmentId + ": " + error);
      }
    });
    return fetch;
  }

  private static CdnFallbackReason fallbackReason(Planner.CdnReason reason) {
    return switch (reason) {
      case DEADLINE -> CdnFallbackReason.DEADLINE;
      case ELECTED -> CdnFallbackReason.ELECTED;
      case ELECTION_TIMEOUT -> CdnFallbackReason.ELECTION_TIMEOUT;
    };
  }

  private static byte[] bytes(ByteBuffer buffer) {
    byte[] copy = new byte[buffer.remaining()];
    buffer.duplicate().get(copy);
    return copy;
  }
}
