package dev.hlsmesh.agent;

import static java.util.Objects.requireNonNull;

import dev.hlsmesh.agent.PeerFetchException.Reason;
import dev.hlsmesh.agent.peer.PeerBans;
import dev.hlsmesh.agent.peer.SegmentSource;
import dev.hlsmesh.agent.peer.SessionSettings;
import dev.hlsmesh.agent.peer.Swarm;
import dev.hlsmesh.agent.peer.UploadBudget;
import dev.hlsmesh.agent.stats.AgentEvent;
import dev.hlsmesh.agent.stats.AgentEventListener;
import dev.hlsmesh.agent.stats.AgentStats;
import dev.hlsmesh.agent.scheduler.InFlightSegments;
import dev.hlsmesh.agent.scheduler.SwarmExecutor;
import dev.hlsmesh.agent.scheduler.SwarmPeers;
import dev.hlsmesh.agent.stats.SegmentSourceKind;
import dev.hlsmesh.agent.store.SegmentBuffer;
import dev.hlsmesh.agent.store.SegmentStore;
import dev.hlsmesh.agent.store.StoreChange;
import dev.hlsmesh.agent.tracker.LinkFactory;
import dev.hlsmesh.agent.tracker.TrackerClient;
import dev.hlsmesh.agent.tracker.TrackerSettings;
import dev.hlsmesh.agent.webrtc.LinkSettings;
import dev.hlsmesh.agent.webrtc.PeerLink;
import dev.hlsmesh.agent.webrtc.WebRtcRuntime;
import dev.hlsmesh.protocol.swarm.PeerIds;
import dev.hlsmesh.protocol.tracker.BinaryId;
import dev.hlsmesh.protocol.tracker.ViewerReport;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A peer agent: joins swarms through a WebTorrent tracker, connects to other agents and
 * p2p-media-loader browsers over WebRTC data channels, serves the segments its sources hold and
 * fetches named segments from named peers.
 *
 * <pre>{@code
 * SegmentStore store = new InMemorySegmentStore(256L << 20, Duration.ofMinutes(2), Clock.systemUTC());
 * try (Agent agent = Agent.start(AgentConfig.builder(URI.create("wss://tracker.example")).build(), store)) {
 *   SwarmKey swarm = SwarmKey.ofStreamSwarmId(streamSwarmId);
 *   agent.join(swarm);
 *   SegmentLoader loader = new HybridSegmentLoader(swarm, agent.swarmPeers(swarm), store, cdnLoader,
 *       agent.stats(), SchedulerSettings.defaults(), Clock.systemUTC(), new Random(), agent.config().integrity());
 * }
 * }</pre>
 *
 * <p>Thread-safe: any thread may call it, and only {@link #close()} waits (for the owner to
 * stop). All agent state lives on one owner thread ({@code hlsmesh-agent-N}): the peer sessions
 * of every joined swarm, and the schedulers wired to {@link #swarmPeers}. Callers hand work to it
 * and never wait for it, so an event loop (the proxy's) may call the agent.
 */
public final class Agent implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Agent.class);
  private static final AtomicInteger COUNTER = new AtomicInteger();

  private final AgentConfig config;
  private final SegmentStore store;
  private final SegmentStore.Listener storeListener = this::onStoreChange;
  private final Set<SwarmKey> announcePending = ConcurrentHashMap.newKeySet();
  private final Random random;
  private final WebRtcRuntime.Lease lease;
  private final ScheduledThreadPoolExecutor owner;
  private final Thread ownerThread;
  private final SharedIo.Lease io = SharedIo.acquire();
  private final TrackerClient tracker;
  private final SessionSettings sessionSettings;
  private final SwarmExecutor ownerExecutor;
  /** Joined swarms (any thread): what join and leave decide on at once. */
  private final Map<SwarmKey, SwarmPort> ports = new ConcurrentHashMap<>();
  /** On the owner: the swarms whose peer state runs now. */
  private final Map<SwarmKey, Swarm> swarms = new HashMap<>();
  private final Map<SwarmKey, List<String>> connectedSnapshot = new ConcurrentHashMap<>();
  private final UploadBudget uploadBudget;
  private final AgentStats stats = new AgentStats();
  /** Written on the owner (and read anywhere): no swarm starts after it. */
  private volatile boolean closed;

  private Agent(AgentConfig config, SegmentStore store, Random random, WebRtcRuntime.Lease lease) {
    this.config = config;
    this.store = store;
    this.random = random;
    this.lease = lease;
    int number = COUNTER.incrementAndGet();
    Thread[] created = new Thread[1];
    this.owner = new ScheduledThreadPoolExecutor(1, task -> {
      Thread thread = new Thread(task, "hlsmesh-agent-" + number);
      thread.setDaemon(true);
      created[0] = thread;
      return thread;
    });
    owner.setRemoveOnCancelPolicy(true);
    owner.prestartCoreThread();
    this.ownerThread = created[0];
    this.ownerExecutor = SwarmExecutor.of(owner);
    LinkSettings linkSettings = new LinkSettings(config.iceServers(), config.iceGatheringTimeoutMillis(),
        config.connectTimeoutMillis(), config.lowWatermarkBytes(), config.highWatermarkBytes());
    LinkFactory links = new LinkFactory() {
      @Override
      public PeerLink offer(PeerLink.Listener listener) {
        return PeerLink.offer(lease, linkSettings, owner, random, listener);
      }

      @Override
      public PeerLink answer(String offerSdp, PeerLink.Listener listener) {
        return PeerLink.answer(lease, linkSettings, owner, offerSdp, listener);
      }
    };
    TrackerSettings trackerSettings = new TrackerSettings(config.trackerUrls(), config.connectTimeoutMillis(),
        config.maxOffersPerAnnounce(), config.offerTimeoutMillis(), 30_000, 5_000,
        config.belowMinimumAnnounceMillis(), config.trackerReconnectBaseMillis(), config.trackerReconnectMaxMillis(),
        config.reportIntervalMillis());
    this.tracker = new TrackerClient(trackerSettings, owner, io.group(), links, random, new TrackerClient.Observer() {
      @Override
      public ViewerReport totals(BinaryId infoHash) {
        return viewerTotals(infoHash);
      }

      @Override
      public void problem(String message) {
        stats.recordFailure(null, AgentEvent.FailureKind.TRACKER, message);
      }
    });
    this.uploadBudget = UploadBudget.capped(config.maxUploadBytesPerSecond(), System::nanoTime, stats::recordUploaded);
    stats.connectedPeers(() -> connectedSnapshot.values().stream().mapToInt(List::size).sum());
    this.sessionSettings = new SessionSettings(config.noBytesTimeoutMillis(), config.maxConsecutiveTimeouts(),
        config.maxSegmentBytes(), 1 << 20, 16);
  }

  /**
   * Starts an agent: loads WebRTC (once per process) and connects to the tracker in the
   * background (reconnecting with back-off while it is unreachable).
   *
   * @param store the segments this agent serves; peers are told whenever it changes
   * @throws WebRtcUnavailableException if the WebRTC native library cannot be loaded; its
   *     message says what to install
   */
  public static Agent start(AgentConfig config, SegmentStore store) {
    return start(config, store, new SecureRandom());
  }

  /** As {@link #start(AgentConfig, SegmentStore)}, with the randomness (ids, jitter) injected. */
  static Agent start(AgentConfig config, SegmentStore store, Random random) {
    requireNonNull(config, "config");
    requireNonNull(store, "store");
    requireNonNull(random, "random");
    WebRtcRuntime.Lease lease = WebRtcRuntime.acquire();
    Agent agent = new Agent(config, store, random, lease);
    store.addListener(agent.storeListener);
    agent.owner.execute(agent.tracker::start);
    return agent;
  }

  /** The configuration this agent runs with. */
  public AgentConfig config() {
    return config;
  }

  /**
   * Joins a swarm: announces to the tracker, connects to peers within the configured bounds and
   * serves the store's segments of this swarm.
   *
   * @return this agent's ASCII peer id in the swarm (one random id per swarm)
   * @throws IllegalStateException if already joined or closed
   */
  public String join(SwarmKey swarm) {
    requireNonNull(swarm, "swarm");
    return join(swarm, port -> new SegmentSource() {
      @Override
      public ByteBuffer segment(long segmentId) {
        return store.get(swarm, segmentId).orElse(null);
      }

      @Override
      public List<Long> storedSegmentIds() {
        return store.segmentIds(swarm);
      }

      @Override
      public List<Long> loadingSegmentIds() {
        return port.inFlight == null ? List.of() : port.inFlight.loadingSegmentIds();
      }

      @Override
      public SegmentBuffer arriving(long segmentId) {
        return port.inFlight == null ? null : port.inFlight.arriving(segmentId);
      }
    });
  }

  /** Joins with an explicit source instead of the store (tests that need to watch reads). */
  String join(SwarmKey swarm, SegmentSource source) {
    requireNonNull(source, "source");
    return join(swarm, port -> source);
  }

  /**
   * Decides at once (joined or not, closed or not) and leaves the work to the owner: the caller
   * never waits for the agent's thread, so an event loop may join.
   */
  private String join(SwarmKey swarm, Function<SwarmPort, SegmentSource> sourceFor) {
    requireNonNull(swarm, "swarm");
    if (closed) {
      throw new IllegalStateException("agent closed");
    }
    SwarmPort port = new SwarmPort(swarm, newPeerId());
    if (ports.putIfAbsent(swarm, port) != null) {
      throw new IllegalStateException("already joined swarm " + swarm);
    }
    try {
      owner.execute(() -> startSwarm(port, sourceFor.apply(port)));
    } catch (RejectedExecutionException e) {
      ports.remove(swarm, port);
      throw new IllegalStateException("agent closed");
    }
    return port.peerId;
  }

  /** On the owner: the swarm's peer state starts (unless it was left or the agent closed meanwhile). */
  private void startSwarm(SwarmPort port, SegmentSource source) {
    SwarmKey swarm = port.swarm;
    if (closed || ports.get(swarm) != port) {
      return;
    }
    Swarm state = new Swarm(swarm.id(), BinaryId.ofAscii(port.peerId), config.minPeers(), config.maxPeers(),
        sessionSettings, source, owner, changed -> onPeersChanged(swarm, changed));
    port.state = state;
    swarms.put(swarm, state);
    connectedSnapshot.put(swarm, List.of());
    state.onAnnouncement(() -> refreshNeighbours(swarm, state));
    state.uploadBudget(uploadBudget);
    state.bans(new PeerBans(config.integrity().peerBanMillis(), System::nanoTime));
    tracker.join(state);
  }

  /**
   * The peer side of a joined swarm, for the swarm's scheduler (the {@code HybridSegmentLoader}
   * wired by the embedding code): owned by this agent's thread, which the scheduler then runs on
   * too. Its methods must be called on {@link SwarmPeers#owner()}.
   *
   * @throws IllegalStateException if the swarm is not joined
   */
  public SwarmPeers swarmPeers(SwarmKey swarm) {
    requireNonNull(swarm, "swarm");
    SwarmPort port = ports.get(swarm);
    if (port == null) {
      throw new IllegalStateException("the agent has not joined swarm " + swarm + " (call agent.join first)");
    }
    return port;
  }

  /** Store listener (any thread): coalesces changes into one announcement per swarm. */
  private void onStoreChange(StoreChange change) {
    scheduleAnnouncement(change.swarm());
  }

  /** Any thread: one coalesced announcement of a swarm's current sets to every connected peer. */
  private void scheduleAnnouncement(SwarmKey swarm) {
    if (announcePending.add(swarm)) {
      try {
        owner.execute(() -> {
          announcePending.remove(swarm);
          Swarm state = swarms.get(swarm);
          if (state != null) {
            state.announceToAll();
          }
        });
      } catch (java.util.concurrent.RejectedExecutionException e) {
        announcePending.remove(swarm); // closed: nobody to tell
      }
    }
  }

  /**
   * Leaves a swarm: sends {@code stopped} and closes its connections (on the agent's thread,
   * soon after; this returns at once). No-op if not joined.
   */
  public void leave(SwarmKey swarm) {
    requireNonNull(swarm, "swarm");
    SwarmPort port = ports.remove(swarm);
    if (port == null) {
      return;
    }
    try {
      owner.execute(() -> stopSwarm(port));
    } catch (RejectedExecutionException e) {
      // closed: every swarm was left
    }
  }

  /** On the owner. */
  private void stopSwarm(SwarmPort port) {
    Swarm state = port.state;
    port.state = null;
    port.inFlight = null;
    port.neighboursChanged = null;
    if (state == null || swarms.get(port.swarm) != state) {
      return;
    }
    swarms.remove(port.swarm);
    tracker.leave(port.swarm.id());
    state.close();
    recordPeerChanges(port.swarm, connectedSnapshot.getOrDefault(port.swarm, List.of()), List.of());
    connectedSnapshot.remove(port.swarm);
  }

  /** Peer ids connected in a swarm now (a snapshot; empty if not joined). */
  public List<String> connectedPeers(SwarmKey swarm) {
    return connectedSnapshot.getOrDefault(swarm, List.of());
  }

  /** Segment payload bytes this agent has uploaded to peers so far, all swarms together. */
  public long uploadedBytes() {
    return uploadBudget.uploadedBytes();
  }

  /**
   * This agent's stats: uploads and peer connections are recorded here by the agent itself;
   * pass it to the segment loaders, player and proxy working for this agent so that they record
   * theirs here too.
   */
  public AgentStats stats() {
    return stats;
  }

  /**
   * Registers a listener for this agent's events (segments loaded, peers connected and closed,
   * CDN fallbacks, validation failures, stalls, failures); short for
   * {@code stats().addEventListener(listener)}: called on the stats' event thread, never on an
   * I/O thread.
   */
  public void addEventListener(AgentEventListener listener) {
    stats.addEventListener(listener);
  }

  /** Removes a listener added with {@link #addEventListener}; no effect if it was not. */
  public void removeEventListener(AgentEventListener listener) {
    stats.removeEventListener(listener);
  }

  /** This agent's peer id in a joined swarm; empty if not joined. */
  public java.util.Optional<String> peerId(SwarmKey swarm) {
    requireNonNull(swarm, "swarm");
    SwarmPort port = ports.get(swarm);
    return port == null ? java.util.Optional.empty() : java.util.Optional.of(port.peerId);
  }

  /** The connected peers of a swarm with their announcements (tests; waits for the owner). */
  List<Neighbour> neighbours(SwarmKey swarm) {
    return onOwner(() -> {
      SwarmPort port = ports.get(swarm);
      return port == null ? List.<Neighbour>of() : port.neighbours();
    });
  }

  /** Segment ids a connected peer last announced as stored (tests; waits for the owner). */
  Set<Long> announcedSegments(SwarmKey swarm, String peerId) {
    requireNonNull(swarm, "swarm");
    requireNonNull(peerId, "peerId");
    return onOwner(() -> {
      Swarm state = closed ? null : swarms.get(swarm);
      return state == null ? Set.<Long>of() : state.announcedBy(peerId);
    });
  }

  /** A fetch from one peer, as the scheduler makes it (tests); completes on the owner. */
  CompletableFuture<byte[]> fetch(SwarmKey swarm, String peerId, long segmentId) {
    CompletableFuture<byte[]> result = new CompletableFuture<>();
    try {
      owner.execute(() -> {
        SwarmPort port = ports.get(swarm);
        CompletableFuture<byte[]> inner = port == null
            ? CompletableFuture.failedFuture(new PeerFetchException(Reason.NOT_CONNECTED, "swarm " + swarm + " not joined"))
            : port.fetch(peerId, segmentId);
        inner.whenComplete((bytes, error) -> {
          if (error != null) {
            result.completeExceptionally(error);
          } else {
            result.complete(bytes);
          }
        });
      });
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(new PeerFetchException(Reason.CLOSED, "agent closed"));
    }
    return result;
  }

  /** Gives up a fetch from one peer, as the scheduler does (tests). */
  void giveUp(SwarmKey swarm, String peerId, long segmentId) {
    owner.execute(() -> {
      SwarmPort port = ports.get(swarm);
      if (port != null) {
        port.giveUp(peerId, segmentId);
      }
    });
  }

  /**
   * Leaves every swarm (telling the tracker), closes every connection and releases WebRTC.
   * Idempotent.
   */
  @Override
  public void close() {
    if (Thread.currentThread() == ownerThread) {
      throw new IllegalStateException("close() must not be called on the agent's own thread");
    }
    boolean first;
    try {
      first = onOwner(() -> {
        if (closed) {
          return false;
        }
        closed = true;
        tracker.close();
        for (Map.Entry<SwarmKey, Swarm> entry : swarms.entrySet()) {
          entry.getValue().close();
          recordPeerChanges(entry.getKey(), connectedSnapshot.getOrDefault(entry.getKey(), List.of()), List.of());
        }
        swarms.clear();
        connectedSnapshot.clear();
        ports.clear();
        return true;
      });
    } catch (IllegalStateException e) {
      return; // owner already shut down
    }
    if (!first) {
      return;
    }
    store.removeListener(storeListener);
    owner.shutdown();
    try {
      if (!owner.awaitTermination(5, TimeUnit.SECONDS)) {
        log.warn("agent thread did not stop within 5 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    io.close();
    lease.close();
  }

  /** On the owner: the figures of this agent's viewer reports to the tracker. */
  private ViewerReport viewerTotals(BinaryId infoHash) {
    int peers = 0;
    for (Map.Entry<SwarmKey, List<String>> entry : connectedSnapshot.entrySet()) {
      if (entry.getKey().id().equals(infoHash)) {
        peers = entry.getValue().size();
      }
    }
    return new ViewerReport(stats.receivedBytes(SegmentSourceKind.CDN), stats.receivedBytes(SegmentSourceKind.PEER),
        stats.uploadedBytes(), stats.stalls(), stats.stallMillis(), peers);
  }

  /** Report-only announces sent to the tracker so far (tests). */
  long reportsSent() {
    return onOwner(tracker::reportsSent);
  }

  /** Whether the tracker WebSocket is open now (tests and benchmarks). */
  boolean trackerConnected() {
    return onOwner(tracker::isConnected);
  }

  private void onPeersChanged(SwarmKey swarm, Swarm state) {
    if (swarms.get(swarm) == state) {
      List<String> now = List.copyOf(state.connectedPeerIds());
      recordPeerChanges(swarm, connectedSnapshot.getOrDefault(swarm, List.of()), now);
      connectedSnapshot.put(swarm, now);
      tracker.peerCountChanged(swarm.id());
      refreshNeighbours(swarm, state);
    }
  }

  /** On the owner: peer connected and closed events from two successive connected-peer lists. */
  private void recordPeerChanges(SwarmKey swarm, List<String> before, List<String> after) {
    for (String peer : before) {
      if (!after.contains(peer)) {
        stats.recordPeerClosed(swarm, peer);
      }
    }
    for (String peer : after) {
      if (!before.contains(peer)) {
        stats.recordPeerConnected(swarm, peer);
      }
    }
  }

  /** On the owner: the swarm's scheduler hears (as a task of its own) that its neighbours changed. */
  private void refreshNeighbours(SwarmKey swarm, Swarm state) {
    SwarmPort port = ports.get(swarm);
    if (port != null && port.state == state) {
      port.neighboursChanged();
    }
  }

  private String newPeerId() {
    return PeerIds.generate(random); // one ASCII id per swarm (PROTOCOL.md B.5)
  }

  /**
   * The peer side of one joined swarm as its scheduler sees it. Everything but the constructor
   * runs on the owner; {@code state} is null until the owner has started the swarm and after it
   * left.
   */
  private final class SwarmPort implements SwarmPeers {
    final SwarmKey swarm;
    final String peerId;
    Swarm state;
    InFlightSegments inFlight;
    Runnable neighboursChanged;
    List<Neighbour> neighbours;
    boolean changePosted;

    SwarmPort(SwarmKey swarm, String peerId) {
      this.swarm = swarm;
      this.peerId = peerId;
    }

    @Override
    public SwarmExecutor owner() {
      return ownerExecutor;
    }

    @Override
    public String selfId() {
      return peerId;
    }

    @Override
    public List<Neighbour> neighbours() {
      if (state == null) {
        return List.of();
      }
      if (neighbours == null) {
        List<String> connected = state.connectedPeerIds();
        List<Neighbour> now = new ArrayList<>(connected.size());
        for (String peer : connected) {
          now.add(new Neighbour(peer, state.announcedBy(peer), state.loadingBy(peer)));
        }
        neighbours = List.copyOf(now);
      }
      return neighbours;
    }

    @Override
    public CompletableFuture<byte[]> fetch(String remotePeerId, long segmentId) {
      requireNonNull(remotePeerId, "remotePeerId");
      if (state == null) {
        return CompletableFuture.failedFuture(new PeerFetchException(Reason.NOT_CONNECTED, "swarm " + swarm
            + " not joined"));
      }
      return state.fetch(remotePeerId, segmentId);
    }

    @Override
    public void giveUp(String remotePeerId, long segmentId) {
      if (state != null) {
        state.giveUp(remotePeerId, segmentId);
      }
    }

    @Override
    public void ban(String remotePeerId, String reason) {
      if (state != null) {
        log.warn("peer {} of swarm {} banned for {} ms: {}", remotePeerId, swarm, config.integrity().peerBanMillis(),
            reason);
        state.ban(remotePeerId, reason);
      }
    }

    @Override
    public void attach(InFlightSegments segments, Runnable listener) {
      this.inFlight = requireNonNull(segments, "segments");
      this.neighboursChanged = requireNonNull(listener, "listener");
    }

    @Override
    public void inFlightChanged() {
      scheduleAnnouncement(swarm);
    }

    @Override
    public void detach() {
      boolean hadInFlight = inFlight != null;
      inFlight = null;
      neighboursChanged = null;
      if (hadInFlight) {
        scheduleAnnouncement(swarm);
      }
    }

    /** On the owner: a new neighbours list, and one coalesced task for the scheduler. */
    void neighboursChanged() {
      neighbours = null;
      if (neighboursChanged == null || changePosted) {
        return;
      }
      changePosted = true;
      try {
        owner.execute(() -> {
          changePosted = false;
          Runnable listener = neighboursChanged;
          if (listener != null) {
            listener.run();
          }
        });
      } catch (RejectedExecutionException e) {
        // closed
      }
    }
  }

  private <T> T onOwner(Supplier<T> action) {
    if (Thread.currentThread() == ownerThread) {
      return action.get();
    }
    try {
      return CompletableFuture.supplyAsync(action, owner).get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      throw new IllegalStateException("agent closed");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new IllegalStateException(e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("agent thread did not answer within 30 s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted");
    }
  }
}
