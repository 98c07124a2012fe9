package dev.hlsmesh.agent.scheduler;

import static java.util.Objects.requireNonNull;

import dev.hlsmesh.agent.IntegritySettings;
import dev.hlsmesh.agent.Neighbour;
import dev.hlsmesh.agent.PeerFetchException;
import dev.hlsmesh.agent.SwarmKey;
import dev.hlsmesh.agent.delivery.CdnSegmentLoader;
import dev.hlsmesh.agent.delivery.HlsStream;
import dev.hlsmesh.agent.delivery.SegmentLoadException;
import dev.hlsmesh.agent.delivery.SegmentLoader;
import dev.hlsmesh.agent.delivery.SegmentRequest;
import dev.hlsmesh.agent.delivery.StreamingSegmentLoader;
import dev.hlsmesh.agent.integrity.SegmentVerifier;
import dev.hlsmesh.agent.integrity.Verdict;
import dev.hlsmesh.agent.scheduler.Planner.Decision;
import dev.hlsmesh.agent.scheduler.Planner.FromCdn;
import dev.hlsmesh.agent.scheduler.Planner.FromPeer;
import dev.hlsmesh.agent.scheduler.Planner.Wait;
import dev.hlsmesh.agent.stats.AgentEvent;
import dev.hlsmesh.agent.stats.AgentStats;
import dev.hlsmesh.agent.stats.CdnFallbackReason;
import dev.hlsmesh.agent.stats.SegmentSourceKind;
import dev.hlsmesh.agent.store.SegmentBuffer;
import dev.hlsmesh.agent.store.SegmentStore;
import dev.hlsmesh.cdn.ByteRange;
import dev.hlsmesh.cdn.TaskScheduler;
import dev.hlsmesh.cdn.hls.MediaPlaylist;
import dev.hlsmesh.cdn.hls.Segment;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hybrid scheduler: a {@link SegmentLoader} that decides per segment between peers and the
 * CDN ({@link Planner} has the rules), so that the local HLS proxy and the virtual player are
 * served through it. What it fetches it keeps in the agent's {@link SegmentStore}, which the agent
 * announces and serves to its peers; while it fetches a segment from the CDN it offers it to its
 * peers from the segment's one {@link SegmentBuffer} and announces it as "being fetched over
 * HTTP", so that neighbours wait for it instead of fetching it too.
 *
 * <p>When it sees a new live segment in a playlist and wins the election for it, it fetches it
 * at once, before its own player asks: the elected agent is the neighbourhood's early fetcher.
 *
 * <p>With {@link SchedulerSettings#p2pEnabled()} false it only passes requests to the CDN loader:
 * the agent behaves exactly like a plain player.
 *
 * <p>Threads: any thread may call it. Its state (jobs, rates, in-flight segments) belongs to the
 * swarm's owner ({@link SwarmPeers#owner()}): every call and every completion (peer fetch, CDN
 * fetch, integrity check, timer) becomes a task there, so there is no lock and nothing blocks.
 * Time comes from the injected clock and timers from the owner, so a simulation can run this
 * class unchanged on a simulated clock and executor. The futures it returns complete on the
 * owner: continuations must be quick and must not block. Cancelling one does not stop the fetch,
 * which may still serve peers.
 */
public final class HybridSegmentLoader implements SegmentLoader {
  private static final Logger log = LoggerFactory.getLogger(HybridSegmentLoader.class);
  private static final long DEFAULT_EXPECTED_BYTES = 512 * 1024;
  /** How long a peer given up at the safety point has to hand back its partial bytes. */
  private static final long GIVE_UP_GRACE_MILLIS = 250;
  /** The buffer's own bound; the CDN loader enforces its (smaller) segment size limit. */
  private static final int MAX_BUFFER_BYTES = Integer.MAX_VALUE - 8;

  private final SwarmPeers peers;
  private final SwarmExecutor owner;
  private final SwarmKey swarm;
  private final SegmentStore store;
  private final SegmentLoader cdn;
  private final AgentStats stats;
  private final SchedulerSettings settings;
  private final Clock clock;
  private final Random random;
  private final Planner planner;
  private final SegmentVerifier verifier;
  private final InFlightSegments inFlight = new InFlightView();

  // Owned by the owner executor.
  private final Map<Long, Job> jobs = new HashMap<>();
  private final Throughput cdnRate;
  private final Map<String, Throughput> peerRates = new HashMap<>();
  private final long startedMillis;
  private long expectedBytes = -1;
  private long newestSeenMsn = Long.MIN_VALUE;
  private boolean closed;

  /** One segment wanted by the player or fetched ahead for the neighbourhood: what "in flight" means. */
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
    /** The whole segment's CDN buffer, offered to peers while it arrives; null when not offered. */
    SegmentBuffer shared;
    long deadlineMillis;
    boolean peerFetching;
    String peerInFlight;
    boolean givingUp;
    long giveUpAtMillis;
    boolean cdnFetching;
    /** A CDN fetch of the whole segment (announced in {@code p}), not of a range after a peer's prefix. */
    boolean cdnWhole;
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
   * A scheduler for one swarm, checking peer copies with the {@code integrity} settings: through
   * the CDN loader's fetcher (signed sidecars, HEAD sizes) when it is a {@link CdnSegmentLoader},
   * otherwise with byte-range sizes and the validator only.
   *
   * @param swarm the swarm (for stats and the store's keys)
   * @param peers the swarm's peer side and owner ({@code agent.swarmPeers(swarm)}); null only when
   *     {@code settings} has P2P disabled
   * @param store the agent's store (the one it serves); fetched segments go there
   * @param cdn loads segments from the CDN (counting CDN bytes in {@code stats}); closed with this
   * @param stats where bytes from peers are counted
   * @param clock the clock of the playback deadlines (the player's clock)
   * @param random draws the election jitter
   */
  public HybridSegmentLoader(SwarmKey swarm, SwarmPeers peers, SegmentStore store, SegmentLoader cdn,
      AgentStats stats, SchedulerSettings settings, Clock clock, Random random, IntegritySettings integrity) {
    this(swarm, peers, store, cdn, stats, settings, clock, random, verifierFor(requireNonNull(integrity, "integrity"),
        requireNonNull(cdn, "cdn")));
  }

  /**
   * As the other constructor, with the check every segment from a peer passes before it is
   * stored, shared or played (docs/security.md); {@link SegmentVerifier#create} makes one that
   * fetches the platform's signed sidecars from the CDN.
   */
  public HybridSegmentLoader(SwarmKey swarm, SwarmPeers peers, SegmentStore store, SegmentLoader cdn,
      AgentStats stats, SchedulerSettings settings, Clock clock, Random random, SegmentVerifier verifier) {
    this.settings = requireNonNull(settings, "settings");
    this.swarm = requireNonNull(swarm, "swarm");
    this.peers = settings.p2pEnabled() ? requireNonNull(peers, "peers (required with P2P enabled)") : null;
    this.owner = this.peers == null ? null : requireNonNull(this.peers.owner(), "peers.owner()");
    this.store = requireNonNull(store, "store");
    this.cdn = requireNonNull(cdn, "cdn");
    this.stats = requireNonNull(stats, "stats");
    this.clock = requireNonNull(clock, "clock");
    this.random = requireNonNull(random, "random");
    this.verifier = requireNonNull(verifier, "verifier");
    this.planner = new Planner(settings);
    this.cdnRate = new Throughput(settings.initialCdnBytesPerSecond());
    this.startedMillis = clock.millis();
    if (this.peers != null) {
      submit(() -> {
        if (!closed) {
          this.peers.attach(inFlight, this::onNeighboursChanged);
        }
      });
    }
  }

  private static SegmentVerifier verifierFor(IntegritySettings integrity, SegmentLoader cdn) {
    return cdn instanceof CdnSegmentLoader cdnLoader
        ? SegmentVerifier.create(integrity, cdnLoader.fetcher())
        : SegmentVerifier.withoutCdn(integrity);
  }

  @Override
  public CompletableFuture<byte[]> load(SegmentRequest request) {
    requireNonNull(request, "request");
    if (!settings.p2pEnabled()) {
      return loadFromCdnOnly(request);
    }
    // The player's view: cancelling it leaves the fetch running for the neighbourhood.
    CompletableFuture<byte[]> view = new CompletableFuture<>();
    if (!submit(() -> loadOnOwner(request, view))) {
      view.completeExceptionally(new SegmentLoadException("scheduler closed"));
    }
    return view;
  }

  private void loadOnOwner(SegmentRequest request, CompletableFuture<byte[]> view) {
    if (closed) {
      view.completeExceptionally(new SegmentLoadException("scheduler closed"));
      return;
    }
    long segmentId = request.segment().id();
    Optional<SegmentBuffer> held = store.held(swarm, segmentId);
    if (held.isPresent()) {
      view.complete(held.get().bytes()); // the stored buffer itself: no copy
      return;
    }
    Job job = jobs.get(segmentId);
    if (job == null) {
      job = newJob(request);
    } else {
      job.request = request;
      job.deadlineMillis = Math.min(job.deadlineMillis, request.playbackDeadline().toEpochMilli());
    }
    job.result.whenComplete((bytes, error) -> {
      if (error != null) {
        view.completeExceptionally(error);
      } else {
        view.complete(bytes);
      }
    });
    step(job);
  }

  @Override
  public void playlistLoaded(HlsStream stream, MediaPlaylist playlist) {
    if (!settings.p2pEnabled() || !settings.uploadEnabled() || !playlist.live() || playlist.segments().isEmpty()) {
      return;
    }
    submit(() -> onPlaylist(stream, playlist));
  }

  private void onPlaylist(HlsStream stream, MediaPlaylist playlist) {
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
      for (Neighbour n : peers.neighbours()) {
        others.add(n.peerId());
      }
      if (Planner.rank(segment.id(), peers.selfId(), others) < settings.electedFetchers()) {
        // Elected: this agent fetches it for the neighbourhood (after its election delay,
        // unless someone announces it first), before its own player asks.
        log.debug("segment {}: elected, fetching it ahead of the player", segment.id());
        step(newJob(new SegmentRequest(stream, playlist, segment, deadline)));
      }
    }
  }

  /**
   * Stops: pending loads fail, waits are cancelled, the CDN loader is closed. Returns at once;
   * the rest happens on the owner (at once too when the owner has shut down).
   */
  @Override
  public void close() {
    if (peers == null) {
      cdn.close();
      return;
    }
    if (!submit(this::closeOnOwner)) {
      closeOnOwner(); // the owner has stopped: nobody else touches the state any more
    }
  }

  private void closeOnOwner() {
    if (closed) {
      return;
    }
    closed = true;
    peers.detach();
    List<Job> pending = new ArrayList<>(jobs.values());
    jobs.clear();
    for (Job job : pending) {
      if (job.timer != null) {
        job.timer.cancel();
      }
      if (job.shared != null) {
        job.shared.fail();
      }
      job.result.completeExceptionally(new SegmentLoadException("scheduler closed"));
    }
    cdn.close();
  }

  /** Segments being decided or fetched now (tests; on the owner). */
  int pendingSegments() {
    return jobs.size();
  }

  /** Runs {@code task} on the owner; false if the owner no longer takes tasks. */
  private boolean submit(Runnable task) {
    try {
      owner.execute(task);
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }

  private Job newJob(SegmentRequest request) {
    long jitter = settings.electionJitterMillis() == 0 ? 0 : (long) (random.nextDouble() * settings.electionJitterMillis());
    Job job = new Job(request, clock.millis(), jitter);
    jobs.put(job.segmentId, job);
    return job;
  }

  private void onNeighboursChanged() {
    if (closed) {
      return;
    }
    for (Job job : new ArrayList<>(jobs.values())) {
      step(job);
    }
  }

  private Decision decide(Job job, long now) {
    long expected = expectedBytes > 0 ? expectedBytes : DEFAULT_EXPECTED_BYTES;
    Planner.Situation situation = new Planner.Situation(job.segmentId, now, job.deadlineMillis, job.firstWantedMillis,
        job.jitterMillis, expected, peers.selfId(), peers.neighbours(), job.failedPeers,
        startedMillis + settings.joinGraceMillis(), job.notServingWhileLoading);
    return planner.decide(situation, cdnRate, this::peerRate);
  }

  private Throughput peerRate(String peerId) {
    return peerRates.computeIfAbsent(peerId, id -> new Throughput(settings.initialPeerBytesPerSecond()));
  }

  /** Decides again what to do for a job. On the owner. */
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
          peers.giveUp(job.peerInFlight, job.segmentId);
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
    job.timer = owner.schedule(() -> step(job), delay);
  }

  private void startPeer(Job job, String peerId) {
    job.peerWasLoading = peers.neighbours().stream()
        .anyMatch(n -> n.peerId().equals(peerId) && !n.storedSegmentIds().contains(job.segmentId));
    job.peerFetching = true;
    job.peerInFlight = peerId;
    job.givingUp = false;
    long startMillis = clock.millis();
    CompletableFuture<byte[]> fetch;
    try {
      fetch = peers.fetch(peerId, job.segmentId);
    } catch (RuntimeException e) {
      fetch = CompletableFuture.failedFuture(e);
    }
    // Its own task even when the fetch failed at once: no re-entry into step().
    fetch.whenComplete((bytes, error) -> submit(() -> onPeerDone(job, peerId, startMillis, bytes, error)));
  }

  private void onPeerDone(Job job, String peerId, long startMillis, byte[] bytes, Throwable error) {
    if (error == null) {
      // Nothing from a peer is stored, re-shared or played before it is checked; the job stays
      // "peer fetching" meanwhile, so the CDN still takes over at the safety point.
      verifier.verify(job.request, bytes).whenComplete((verdict, e) -> submit(() -> onPeerChecked(job, peerId,
          startMillis, bytes, verdict == null ? Verdict.UNPROVEN : verdict)));
      return;
    }
    job.peerFetching = false;
    job.peerInFlight = null;
    job.givingUp = false;
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
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

  private void onPeerChecked(Job job, String peerId, long startMillis, byte[] bytes, Verdict verdict) {
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
    if (settle(job, SegmentBuffer.frozen(bytes))) { // the session's array, adopted as it is
      stats.recordSegmentCompleted(SegmentSourceKind.PEER);
      stats.recordSegmentLoaded(swarm, job.segmentId, SegmentSourceKind.PEER, peerId, bytes.length, fetchMillis);
      job.result.complete(bytes);
    }
  }

  private void startCdn(Job job, CdnFallbackReason reason) {
    stats.recordCdnFallback(swarm, job.segmentId, reason);
    job.cdnFetching = true;
    job.cdnWhole = true;
    if (job.timer != null) {
      job.timer.cancel();
      job.timer = null;
    }
    SegmentBuffer buffer = null;
    if (cdn instanceof StreamingSegmentLoader) {
      buffer = new SegmentBuffer(MAX_BUFFER_BYTES);
      if (settings.uploadEnabled()) {
        job.shared = buffer; // neighbours may take it from us while it arrives
      }
    }
    inFlightChanged();
    startCdnLoad(job, null, job.request, buffer);
  }

  /**
   * Completes a segment whose first bytes came from a peer with a range request for the rest
   * (PROTOCOL.md C.6 resume semantics, on HTTP), into one buffer that starts with those bytes.
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
    SegmentBuffer joined = new SegmentBuffer(MAX_BUFFER_BYTES);
    if (!joined.size(totalBytes) || !joined.append(ByteBuffer.wrap(partial))) {
      job.cdnFetching = false;
      startCdn(job, CdnFallbackReason.PEER_TOO_SLOW);
      return;
    }
    startCdnLoad(job, peerId, restRequest, joined);
  }

  /**
   * Loads {@code request} from the CDN into {@code buffer} (when the loader streams; otherwise
   * the loader's own answer is the segment). With {@code peerId}, the buffer already holds that
   * peer's prefix and the request is for the rest; the joined segment is checked like any peer
   * copy.
   */
  private void startCdnLoad(Job job, String peerId, SegmentRequest request, SegmentBuffer buffer) {
    long startMillis = clock.millis();
    CompletableFuture<byte[]> fetch;
    try {
      fetch = buffer != null ? ((StreamingSegmentLoader) cdn).load(request, buffer) : cdn.load(request);
    } catch (RuntimeException e) {
      fetch = CompletableFuture.failedFuture(e);
    }
    fetch.whenComplete((body, error) -> submit(() -> {
      if (error != null || peerId == null) {
        onCdnDone(job, startMillis, body, error, buffer);
        return;
      }
      byte[] joined = joinRest(job, buffer, body);
      if (joined == null) {
        onCdnDone(job, startMillis, null, new SegmentLoadException("segment " + job.segmentId + ": the range request"
            + " for the rest answered " + body.length + " bytes, expected "
            + (buffer == null ? "?" : buffer.totalBytes() - buffer.availableBytes() + body.length)), buffer);
        return;
      }
      verifier.verify(job.request, joined).whenComplete((verdict, e) -> submit(() -> {
        if (verdict != null && verdict.accepted()) {
          stats.recordPeerSegmentChecked(verdict == Verdict.VERIFIED);
          onCdnDone(job, startMillis, joined, null, buffer);
        } else {
          job.cdnFetching = false;
          rejectPeerCopy(job, peerId, verdict == null ? Verdict.UNPROVEN : verdict);
        }
      }));
    }));
  }

  /**
   * The whole segment after a range request for its rest: the streaming loader filled the buffer
   * holding the peer's prefix (its answer is that buffer's bytes); null when the sizes disagree.
   */
  private static byte[] joinRest(Job job, SegmentBuffer buffer, byte[] body) {
    if (buffer == null) {
      return null;
    }
    if (buffer.state() == SegmentBuffer.State.COMPLETE) {
      return body;
    }
    // A loader that does not stream answered with the rest alone: append it once.
    if (buffer.append(ByteBuffer.wrap(body)) && buffer.complete()) {
      return buffer.bytes();
    }
    return null;
  }

  /**
   * A peer's copy failed its check: it is dropped, the peer is banned when it is to blame, and
   * the segment comes from the CDN.
   */
  private void rejectPeerCopy(Job job, String peerId, Verdict verdict) {
    job.failedPeers.add(peerId);
    if (verdict.peerAtFault()) {
      log.warn("segment {} from peer {} is corrupt: dropped, peer banned, fetching it from the CDN", job.segmentId, peerId);
      stats.recordValidationFailure(swarm, job.segmentId, SegmentSourceKind.PEER, peerId,
          "the bytes do not match the segment's hash or size, or the validator refused them");
      if (!closed) {
        peers.ban(peerId, "sent a corrupt copy of segment " + job.segmentId);
      }
    } else {
      log.debug("segment {} from peer {}: {}, fetching it from the CDN", job.segmentId, peerId, verdict);
    }
    if (!closed && !job.settled && !job.result.isDone() && !job.cdnFetching) {
      startCdn(job, CdnFallbackReason.PEER_COPY_REJECTED);
    }
  }

  private void onCdnDone(Job job, long startMillis, byte[] bytes, Throwable error, SegmentBuffer buffer) {
    job.cdnFetching = false;
    boolean wasAnnounced = job.cdnWhole;
    job.cdnWhole = false;
    if (error == null) {
      long fetchMillis = Math.max(0, clock.millis() - startMillis);
      cdnRate.record(bytes.length, fetchMillis);
      // Stored before it leaves the in-flight segments: peers always find it in one or the other.
      boolean ownBuffer = buffer != null && buffer.state() == SegmentBuffer.State.COMPLETE && buffer.bytes() == bytes;
      boolean won = settle(job, ownBuffer ? buffer : SegmentBuffer.frozen(bytes));
      job.shared = null;
      if (won) {
        stats.recordSegmentLoaded(swarm, job.segmentId, SegmentSourceKind.CDN, null, bytes.length, fetchMillis);
        job.result.complete(bytes);
      }
    } else {
      if (buffer != null) {
        buffer.fail(); // uploads from it end with Absent
      }
      job.shared = null;
      if (!job.result.isDone()) {
        if (jobs.get(job.segmentId) == job) {
          jobs.remove(job.segmentId); // the player asks again; that starts afresh
        }
        if (job.timer != null) {
          job.timer.cancel();
        }
        Throwable failure = error instanceof SegmentLoadException ? error
            : new SegmentLoadException("segment " + job.segmentId + " failed: " + error, error);
        stats.recordFailure(swarm, AgentEvent.FailureKind.SEGMENT_LOAD, failure.getMessage());
        job.result.completeExceptionally(failure);
      }
    }
    if (wasAnnounced) {
      inFlightChanged();
    }
  }

  /** Peers get a new announcement of what is loading (only an uploading agent tells them). */
  private void inFlightChanged() {
    if (settings.uploadEnabled() && !closed) {
      peers.inFlightChanged();
    }
  }

  /**
   * The first delivery wins: it leaves the jobs and goes into the store without a copy (so the
   * agent announces it); the caller completes the result. Later deliveries are dropped.
   */
  private boolean settle(Job job, SegmentBuffer complete) {
    if (job.settled) {
      return false;
    }
    job.settled = true;
    if (settings.uploadEnabled() && !closed) {
      // The same bytes the player gets, adopted without a copy; announced to the peers by the agent.
      store.adopt(swarm, job.segmentId, complete);
    }
    if (jobs.get(job.segmentId) == job) {
      jobs.remove(job.segmentId);
    }
    if (job.timer != null) {
      job.timer.cancel();
      job.timer = null;
    }
    long size = complete.totalBytes();
    expectedBytes = expectedBytes <= 0 ? size : (expectedBytes * 7 + size) / 8;
    return true;
  }

  /** The jobs as the peer side sees them (on the owner). */
  private final class InFlightView implements InFlightSegments {
    @Override
    public List<Long> loadingSegmentIds() {
      List<Long> ids = new ArrayList<>();
      for (Job job : jobs.values()) {
        if (job.cdnWhole) {
          ids.add(job.segmentId);
        }
      }
      ids.sort(null);
      return ids;
    }

    @Override
    public SegmentBuffer arriving(long segmentId) {
      Job job = jobs.get(segmentId);
      return job == null ? null : job.shared;
    }
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
}
