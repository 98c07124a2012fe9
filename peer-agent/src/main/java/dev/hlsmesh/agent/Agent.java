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
import dev.hlsmesh.agent.stats.SegmentSourceKind;
import dev.hlsmesh.agent.store.ArrivingSegment;
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
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
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
 *   byte[] segment = agent.fetch(swarm, agent.connectedPeers(swarm).get(0), 42).get();
 * }
 * }</pre>
 *
 * <p>Thread-safe: any thread may call it. All agent state lives on one owner thread
 * ({@code hlsmesh-agent-N}); futures returned by the agent complete on the common fork-join
 * pool, never on the owner thread.
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
  private final Map<SwarmKey, Swarm> swarms = new HashMap<>();
  private final Map<SwarmKey, List<String>> connectedSnapshot = new ConcurrentHashMap<>();
  private final Map<SwarmKey, List<Neighbour>> neighbourSnapshot = new ConcurrentHashMap<>();
  private final Map<SwarmKey, String> ownPeerIds = new ConcurrentHashMap<>();
  private final Map<SwarmKey, List<Long>> loading = new ConcurrentHashMap<>();
  private final List<Consumer<SwarmKey>> neighbourListeners = new CopyOnWriteArrayList<>();
  private final Executor callbacks = ForkJoinPool.commonPool();
  private final UploadBudget uploadBudget;
  private final AgentStats stats = new AgentStats();
  private boolean closed;

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
    return join(swarm, new SegmentSource() {
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
        return loading.getOrDefault(swarm, List.of());
      }

      @Override
      public ArrivingSegment arriving(long segmentId) {
        return store.arriving(swarm, segmentId).orElse(null);
      }
    });
  }

  /** Joins with an explicit source instead of the store (tests that need to watch reads). */
  String join(SwarmKey swarm, SegmentSource source) {
    requireNonNull(swarm, "swarm");
    requireNonNull(source, "source");
    return onOwner(() -> {
      if (closed) {
        throw new IllegalStateException("agent closed");
      }
      if (swarms.containsKey(swarm)) {
        throw new IllegalStateException("already joined swarm " + swarm);
      }
      String peerId = newPeerId();
      Swarm state = new Swarm(swarm.id(), BinaryId.ofAscii(peerId), config.minPeers(), config.maxPeers(),
          sessionSettings, source, owner, changed -> onPeersChanged(swarm, changed));
      swarms.put(swarm, state);
      connectedSnapshot.put(swarm, List.of());
      neighbourSnapshot.put(swarm, List.of());
      ownPeerIds.put(swarm, peerId);
      state.onAnnouncement(() -> refreshNeighbours(swarm, state));
      state.uploadBudget(uploadBudget);
      state.bans(new PeerBans(config.integrity().peerBanMillis(), System::nanoTime));
      tracker.join(state);
      return peerId;
    });
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

  /** Leaves a swarm: sends {@code stopped} and closes its connections. No-op if not joined. */
  public void leave(SwarmKey swarm) {
    requireNonNull(swarm, "swarm");
    onOwner(() -> {
      Swarm state = swarms.remove(swarm);
      if (state != null) {
        tracker.leave(swarm.id());
        state.close();
        recordPeerChanges(swarm, connectedSnapshot.getOrDefault(swarm, List.of()), List.of());
        connectedSnapshot.remove(swarm);
        neighbourSnapshot.remove(swarm);
        ownPeerIds.remove(swarm);
        loading.remove(swarm);
      }
      return null;
    });
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
    return java.util.Optional.ofNullable(ownPeerIds.get(swarm));
  }

  /**
   * The connected peers of a swarm with what each last announced (a snapshot, kept up to date on
   * every announcement and every connect or disconnect; empty if not joined). Cheap: it does not
   * wait for the agent's thread.
   */
  public List<Neighbour> neighbours(SwarmKey swarm) {
    requireNonNull(swarm, "swarm");
    return neighbourSnapshot.getOrDefault(swarm, List.of());
  }

  /**
   * Registers a listener told (on a pool thread, with the swarm) after {@link #neighbours} of a
   * swarm changed: a peer connected, disconnected or sent a new announcement.
   */
  public void addNeighbourListener(Consumer<SwarmKey> listener) {
    neighbourListeners.add(requireNonNull(listener, "listener"));
  }

  /** Removes a listener added with {@link #addNeighbourListener}; no effect if it was not. */
  public void removeNeighbourListener(Consumer<SwarmKey> listener) {
    neighbourListeners.remove(listener);
  }

  /**
   * Replaces the ids this agent announces as being fetched over HTTP in a swarm (the {@code p}
   * list of PROTOCOL.md C.7) and tells the connected peers. Peers use it to wait for this agent
   * instead of fetching the same segment from the CDN.
   */
  public void announceLoading(SwarmKey swarm, Collection<Long> segmentIds) {
    requireNonNull(swarm, "swarm");
    requireNonNull(segmentIds, "segmentIds");
    List<Long> ids = List.copyOf(segmentIds);
    if (!ids.equals(loading.put(swarm, ids))) {
      scheduleAnnouncement(swarm);
    }
  }

  /**
   * Segment ids a connected peer last announced as stored (p2p-media-loader announcements
   * replace each other whole); empty if that peer is not connected.
   */
  public Set<Long> announcedSegments(SwarmKey swarm, String peerId) {
    requireNonNull(swarm, "swarm");
    requireNonNull(peerId, "peerId");
    return onOwner(() -> {
      Swarm state = closed ? null : swarms.get(swarm);
      return state == null ? Set.<Long>of() : state.announcedBy(peerId);
    });
  }

  /**
   * Fetches one whole segment from one connected peer (one request at a time per connection;
   * later fetches to the same peer wait their turn).
   *
   * <p>The bytes are the peer's, unchecked: the hybrid scheduler verifies them
   * ({@code SegmentVerifier}, docs/security.md) before it stores or plays them; a caller of
   * this method must do the same.
   *
   * @return the segment's bytes; or fails with a {@link PeerFetchException} whose
   *     {@link PeerFetchException#reason()} says why (absent, timeout, disconnected, ...)
   */
  public CompletableFuture<byte[]> fetch(SwarmKey swarm, String peerId, long segmentId) {
    requireNonNull(swarm, "swarm");
    requireNonNull(peerId, "peerId");
    CompletableFuture<byte[]> result = new CompletableFuture<>();
    try {
      owner.execute(() -> {
        Swarm state = closed ? null : swarms.get(swarm);
        CompletableFuture<byte[]> inner = state == null
            ? CompletableFuture.failedFuture(new PeerFetchException(Reason.NOT_CONNECTED, "swarm " + swarm + " not joined"))
            : state.fetch(peerId, segmentId);
        inner.whenCompleteAsync((bytes, error) -> {
          if (error != null) {
            result.completeExceptionally(error);
          } else {
            result.complete(bytes);
          }
        }, callbacks);
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      result.completeExceptionally(new PeerFetchException(Reason.CLOSED, "agent closed"));
    }
    return result;
  }

  /**
   * Gives up a {@link #fetch} of a segment from a peer: the peer is told to stop and the fetch's
   * future fails with {@link PeerFetchException.Reason#GIVEN_UP}, whose
   * {@link PeerFetchException#partialBytes()} holds the bytes received so far (so the caller can
   * complete the segment elsewhere with a range request). No-op if there is no such fetch.
   */
  public void giveUp(SwarmKey swarm, String peerId, long segmentId) {
    requireNonNull(swarm, "swarm");
    requireNonNull(peerId, "peerId");
    try {
      owner.execute(() -> {
        Swarm state = closed ? null : swarms.get(swarm);
        if (state != null) {
          state.giveUp(peerId, segmentId);
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closed: every fetch has failed already
    }
  }

  /**
   * Disconnects a peer of a swarm and refuses it for {@link IntegritySettings#peerBanMillis()}
   * (neither its offers nor ours to it are taken up): what happens to a peer that sent a corrupt
   * segment. Its fetches in progress fail with {@link PeerFetchException.Reason#DISCONNECTED}.
   * No-op if not joined.
   */
  public void banPeer(SwarmKey swarm, String peerId, String reason) {
    requireNonNull(swarm, "swarm");
    requireNonNull(peerId, "peerId");
    requireNonNull(reason, "reason");
    try {
      owner.execute(() -> {
        Swarm state = closed ? null : swarms.get(swarm);
        if (state != null) {
          log.warn("peer {} of swarm {} banned for {} ms: {}", peerId, swarm, config.integrity().peerBanMillis(), reason);
          state.ban(peerId, reason);
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closed: no connections left
    }
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
        neighbourSnapshot.clear();
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

  /** On the owner: a new {@link #neighbours} snapshot, then the listeners. */
  private void refreshNeighbours(SwarmKey swarm, Swarm state) {
    if (swarms.get(swarm) == state) {
      List<String> connected = state.connectedPeerIds();
      List<Neighbour> neighbours = new ArrayList<>(connected.size());
      for (String peer : connected) {
        neighbours.add(new Neighbour(peer, state.announcedBy(peer), state.loadingBy(peer)));
      }
      neighbourSnapshot.put(swarm, List.copyOf(neighbours));
      for (Consumer<SwarmKey> listener : neighbourListeners) {
        callbacks.execute(() -> listener.accept(swarm));
      }
    }
  }

  private String newPeerId() {
    return PeerIds.generate(random); // one ASCII id per swarm (PROTOCOL.md B.5)
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
