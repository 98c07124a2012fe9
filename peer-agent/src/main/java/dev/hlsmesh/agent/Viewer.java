package dev.hlsmesh.agent;

import static java.util.Objects.requireNonNull;

import dev.hlsmesh.agent.delivery.CdnSegmentLoader;
import dev.hlsmesh.agent.delivery.HlsStream;
import dev.hlsmesh.agent.delivery.SegmentLoader;
import dev.hlsmesh.agent.delivery.SegmentRequest;
import dev.hlsmesh.agent.integrity.SegmentVerifier;
import dev.hlsmesh.agent.metrics.AgentMetrics;
import dev.hlsmesh.agent.player.VirtualPlayer;
import dev.hlsmesh.agent.proxy.HlsProxy;
import dev.hlsmesh.agent.scheduler.HybridSegmentLoader;
import dev.hlsmesh.agent.stats.AgentEventListener;
import dev.hlsmesh.agent.stats.AgentStats;
import dev.hlsmesh.agent.stats.AgentStatsSnapshot;
import dev.hlsmesh.agent.stats.StatsReporter;
import dev.hlsmesh.agent.store.InMemorySegmentStore;
import dev.hlsmesh.agent.store.SegmentStore;
import dev.hlsmesh.cdn.TaskScheduler;
import dev.hlsmesh.cdn.fetch.CdnFetcher;
import dev.hlsmesh.cdn.hls.MasterPlaylist;
import dev.hlsmesh.cdn.hls.MediaPlaylist;
import dev.hlsmesh.cdn.hls.PlaylistLoader;
import dev.hlsmesh.cdn.hls.PlaylistParseException;
import dev.hlsmesh.cdn.hls.PlaylistParser;
import dev.hlsmesh.cdn.hls.SwarmStreams;
import dev.hlsmesh.protocol.swarm.StreamProps;
import dev.hlsmesh.protocol.swarm.SwarmIds;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import java.net.URI;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One viewer of one live HLS stream: what an application embeds to play a stream through the
 * P2P mesh. It owns everything it needs and closes all of it: the segment store, the CDN client,
 * the peer agent (WebRTC, tracker connection), one hybrid scheduler per swarm (variant) played,
 * the segment verifier and the local HLS proxy any player opens.
 *
 * <pre>{@code
 * ViewerConfig config = ViewerConfig.load(Path.of("viewer.yaml"));
 * try (Viewer viewer = Viewer.start(config, URI.create("https://cdn.example/live/master.m3u8"))) {
 *   viewer.addEventListener(event -> log.info("{}", event));
 *   player.open(viewer.playlistUri());        // ExoPlayer, AVPlayer, VLC, ffmpeg, hls.js...
 *   ...
 *   AgentStatsSnapshot stats = viewer.stats(); // offload, stalls, startup, latency, peers
 * }
 * }</pre>
 *
 * <p>Several viewers in one process share the WebRTC runtime (loaded once) and one small timer
 * pool; each has its own CDN client, store, agent and proxy port, as viewers on separate machines
 * would. With {@code scheduler.p2pEnabled: false} a viewer runs no agent: a plain CDN player
 * behind the same proxy.
 *
 * <p>Thread-safe: any thread may call it. Event listeners are called on the stats' event thread.
 */
public final class Viewer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Viewer.class);
  /** A segment fetched from the CDN when P2P is off, or before a peer's: at most this large. */
  private static final int CDN_ONLY_MAX_SEGMENT_BYTES = 64 << 20;

  private final ViewerConfig config;
  private final URI playlist;
  private final SharedTimers.Lease timerLease;
  private final TaskScheduler timers;
  private final CdnFetcher fetcher;
  private final SegmentStore store;
  private final Agent agent;
  private final AgentStats stats;
  private final SegmentVerifier verifier;
  private final Random random = new SecureRandom();
  private final HlsProxy proxy;
  /** With P2P off: the one loader the proxy and the headless player share. */
  private final SegmentLoader cdnOnly;

  // Guarded by this.
  private final Map<SwarmKey, Shared> schedulers = new HashMap<>();
  private final Map<SwarmKey, Integer> memberships = new HashMap<>();
  private final List<AutoCloseable> players = new ArrayList<>();
  private boolean connected;
  private boolean closed;

  /** One swarm's scheduler and how many (proxy, headless player) use it. */
  private static final class Shared {
    final HybridSegmentLoader loader;
    int users;

    Shared(HybridSegmentLoader loader) {
      this.loader = loader;
    }
  }

  /**
   * Receives each segment the headless player loaded, e.g. to check its bytes. Called on the
   * thread that completed the load; must not block.
   */
  @FunctionalInterface
  public interface SegmentListener {
    /** {@code bytes} are read-only. */
    void onSegment(long mediaSequenceNumber, ByteBuffer bytes);
  }

  private Viewer(ViewerConfig config, URI playlist, SegmentStore givenStore, List<AutoCloseable> made) {
    this.config = config;
    this.playlist = playlist;
    this.timerLease = own(made, SharedTimers.acquire());
    this.timers = TaskScheduler.of(timerLease.executor());
    this.fetcher = own(made, CdnFetcher.create(config.cdn()));
    this.store = givenStore != null ? givenStore
        : new InMemorySegmentStore(config.store().maxBytes(), Duration.ofMillis(config.store().maxAgeMillis()),
            Clock.systemUTC());
    Optional<AgentConfig> agentConfig = config.scheduler().p2pEnabled() ? config.agent() : Optional.empty();
    this.agent = agentConfig.isPresent() ? own(made, Agent.start(agentConfig.get(), store)) : null;
    this.stats = agent != null ? agent.stats() : new AgentStats();
    IntegritySettings integrity = agentConfig.map(AgentConfig::integrity).orElse(IntegritySettings.defaults());
    this.verifier = SegmentVerifier.create(integrity, fetcher);
    if (agent == null) {
      HybridSegmentLoader loader = new HybridSegmentLoader(swarmOfUrl(playlist), null, store, cdnLoader(),
          stats, config.scheduler(), Clock.systemUTC(), random, verifier);
      this.cdnOnly = own(made, loader);
      this.proxy = own(made, HlsProxy.start(playlist, fetcher, nonClosing(loader), stats, config.proxy()));
    } else {
      this.cdnOnly = null;
      this.proxy = own(made, HlsProxy.start(playlist, fetcher, new HlsProxy.SwarmMembership() {
        @Override
        public void join(SwarmKey swarm) {
          joinSwarm(swarm);
        }

        @Override
        public void leave(SwarmKey swarm) {
          leaveSwarm(swarm);
        }
      }, this::schedulerFor, stats, config.proxy()));
    }
  }

  /**
   * Starts a viewer of {@code playlist} (a live master or media playlist, {@code http} or
   * {@code https}) with a segment store of its own: connects to the tracker in the background
   * and opens the local proxy. Nothing is fetched before a player asks (or
   * {@link #playHeadless}).
   *
   * @throws InvalidConfigException never for a built config (it was validated); see
   *     {@link ViewerConfig#load}
   * @throws WebRtcUnavailableException if P2P is on and the WebRTC native library cannot be
   *     loaded; its message says what to install
   * @throws IllegalStateException if the proxy's port cannot be bound
   */
  public static Viewer start(ViewerConfig config, URI playlist) {
    return start(config, playlist, null);
  }

  /**
   * As {@link #start(ViewerConfig, URI)}, keeping segments in the application's own store (its
   * own bounds, or on disk); the viewer does not close it. {@code store} null: the viewer makes
   * an in-memory store bounded by {@link ViewerConfig#store()}.
   */
  public static Viewer start(ViewerConfig config, URI playlist, SegmentStore store) {
    requireNonNull(config, "config");
    checkPlaylist(playlist);
    List<AutoCloseable> made = new ArrayList<>();
    try {
      return new Viewer(config, playlist, store, made);
    } catch (RuntimeException | Error e) {
      closeAll(made, e);
      throw e;
    }
  }

  /** What a player opens: {@code http://127.0.0.1:PORT/playlist.m3u8} (the local proxy). */
  public URI playlistUri() {
    return proxy.playlistUri();
  }

  /** The stats as JSON, {@code http://127.0.0.1:PORT/stats.json}. */
  public URI statsUri() {
    return proxy.statsUri();
  }

  /** The upstream playlist this viewer plays. */
  public URI upstreamPlaylist() {
    return playlist;
  }

  /** The configuration it runs with. */
  public ViewerConfig config() {
    return config;
  }

  /**
   * The figures now: bytes from the CDN and from peers, uploads, offload, stalls, startup and
   * live latency of the player (through the proxy, or the headless player), connected peers,
   * validation failures.
   */
  public AgentStatsSnapshot stats() {
    return stats.snapshot();
  }

  /**
   * Registers a listener for this viewer's events (segments loaded, peers connected and closed,
   * CDN fallbacks, validation failures, stalls, failures), called in order on the stats' own
   * event thread.
   */
  public void addEventListener(AgentEventListener listener) {
    stats.addEventListener(listener);
  }

  /** As {@link #addEventListener(AgentEventListener)}, called through {@code executor}. */
  public void addEventListener(AgentEventListener listener, Executor executor) {
    stats.addEventListener(listener, executor);
  }

  /** Removes a listener; no effect if it was not registered. */
  public void removeEventListener(AgentEventListener listener) {
    stats.removeEventListener(listener);
  }

  /**
   * Publishes this viewer's figures as meters of the application's Micrometer registry
   * (docs/operations.md), tagged with {@code tags}, until the viewer closes (which removes them).
   */
  public void bindMetrics(MeterRegistry registry, Iterable<Tag> tags) {
    AgentMetrics metrics = AgentMetrics.bind(stats, registry, tags);
    synchronized (this) {
      if (!closed) {
        players.add(metrics);
        return;
      }
    }
    metrics.close();
  }

  /**
   * Logs a one-line summary of the figures every {@code intervalMillis} (INFO, logger
   * {@code dev.hlsmesh.agent.stats}; docs/operations.md), until the viewer closes; the line
   * starts with {@code name}. Also hands each snapshot to the stats' listeners.
   *
   * @param intervalMillis 100..86400000
   */
  public void logStats(String name, long intervalMillis) {
    StatsReporter reporter = StatsReporter.start(stats, name, timerLease.executor(), intervalMillis);
    synchronized (this) {
      if (!closed) {
        players.add(reporter);
        return;
      }
    }
    reporter.close();
  }

  /**
   * This viewer's peer id in a swarm it is in now (one swarm per variant played), for matching
   * the tracker's and peers' view; empty if it is not in that swarm or P2P is off.
   */
  public Optional<String> peerId(SwarmKey swarm) {
    requireNonNull(swarm, "swarm");
    return agent == null ? Optional.empty() : agent.peerId(swarm);
  }

  /**
   * Plays the stream without a screen, as hls.js would (benchmarks, tests, and boxes that relay
   * without showing): the first variant of a master playlist, or the media playlist itself, from
   * {@code player.liveSyncTargetDurations} behind live. Its startup, stalls and live latency are
   * the viewer's figures from then on (players through the proxy are no longer counted). Blocks
   * while the playlist is loaded (at most {@code cdn.playlistTimeoutMillis}, once).
   *
   * @param listener told of every segment the player loaded; null for none
   * @throws IllegalStateException if the playlist cannot be loaded or the viewer is closed
   */
  public void playHeadless(SegmentListener listener) {
    PlaylistLoader playlists = PlaylistLoader.using(fetcher);
    FirstVariant first = firstVariant(playlists);
    HlsStream stream = first.stream();
    SwarmKey swarm = first.swarm();
    SegmentLoader loader;
    if (agent == null) {
      loader = nonClosing(cdnOnly);
    } else {
      joinSwarm(swarm);
      loader = schedulerFor(swarm);
      SwarmKey joined = swarm;
      SegmentLoader scheduler = loader;
      loader = new Forwarding(scheduler) {
        @Override
        public void close() {
          scheduler.close();
          leaveSwarm(joined);
        }
      };
    }
    SegmentLoader played = listener == null ? loader : new Forwarding(loader) {
      @Override
      public CompletableFuture<byte[]> load(SegmentRequest request) {
        long msn = request.segment().mediaSequenceNumber();
        return super.load(request).whenComplete((bytes, error) -> {
          if (bytes != null) {
            try {
              listener.onSegment(msn, ByteBuffer.wrap(bytes).asReadOnlyBuffer());
            } catch (RuntimeException e) {
              log.warn("segment listener failed on segment {}: {}", msn, e.toString());
            }
          }
        });
      }
    };
    proxy.recordPlayback(false);
    synchronized (this) {
      if (closed) {
        played.close();
        throw new IllegalStateException("viewer closed");
      }
      VirtualPlayer player = VirtualPlayer.follow(stream, played, playlists, Clock.systemUTC(), timers,
          config.player(), stats);
      players.add(() -> {
        player.close();
        played.close();
      });
    }
  }

  /**
   * Joins the swarm of the stream's first variant now, before any player asks, so that peers
   * are connected when playback starts (otherwise a swarm is joined when a player first asks
   * for its variant). It stays joined until {@link #close()}. No-op with P2P off, or when
   * called again. Blocks while the playlist is loaded (at most {@code cdn.playlistTimeoutMillis}).
   *
   * @throws IllegalStateException if the playlist cannot be loaded or the viewer is closed
   */
  public void connect() {
    if (agent == null) {
      return;
    }
    synchronized (this) {
      if (connected) {
        return;
      }
      connected = true;
    }
    joinSwarm(firstVariant(PlaylistLoader.using(fetcher)).swarm());
  }

  /** The stream a headless player plays, and its swarm. */
  private record FirstVariant(HlsStream stream, SwarmKey swarm) {
  }

  private FirstVariant firstVariant(PlaylistLoader playlists) {
    try {
      PlaylistLoader.Loaded loaded = playlists.load(playlist)
          .get(config.cdn().playlistTimeoutMillis() + 1_000, TimeUnit.MILLISECONDS);
      if (loaded.text().contains("#EXT-X-STREAM-INF")) {
        MasterPlaylist master = PlaylistParser.parseMaster(loaded.uri(), loaded.text());
        if (master.variants().isEmpty()) {
          throw new IllegalStateException(playlist + " lists no variant");
        }
        return new FirstVariant(HlsStream.ofVariant(master.uri(), master.variants().get(0)),
            SwarmKey.ofStreamSwarmId(SwarmStreams.of(master).get(0).streamSwarmId()));
      }
      return new FirstVariant(HlsStream.ofMediaPlaylist(loaded.uri()), swarmOfUrl(loaded.uri()));
    } catch (ExecutionException | TimeoutException | PlaylistParseException e) {
      throw new IllegalStateException("cannot load " + playlist + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while loading " + playlist, e);
    }
  }

  /**
   * Closes everything the viewer made: players, proxy, schedulers, agent (leaving every swarm,
   * telling the tracker), CDN client. Idempotent. An application's own store is not closed.
   */
  @Override
  public void close() {
    List<AutoCloseable> toClose = new ArrayList<>();
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      toClose.addAll(players);
      players.clear();
    }
    // Players first (they hold schedulers), then the proxy (it closes its own), then whatever
    // scheduler is left, the agent, the CDN client, and the shared timers last: schedulers and
    // players still schedule on them while they close.
    List<AutoCloseable> order = new ArrayList<>(toClose);
    order.add(proxy);
    synchronized (this) {
      for (Shared shared : schedulers.values()) {
        order.add(shared.loader);
      }
      schedulers.clear();
    }
    if (cdnOnly != null) {
      order.add(cdnOnly);
    }
    if (agent != null) {
      order.add(agent);
    }
    order.add(fetcher);
    order.add(timerLease);
    RuntimeException failure = null;
    for (AutoCloseable resource : order) {
      try {
        resource.close();
      } catch (Exception e) {
        if (failure == null) {
          failure = new IllegalStateException("closing the viewer failed");
        }
        failure.addSuppressed(e);
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  @Override
  public String toString() {
    return "Viewer[" + playlist + " at " + proxy.playlistUri() + "]";
  }

  // --- the wiring: swarms joined by use count, one scheduler per swarm ---

  private void joinSwarm(SwarmKey swarm) {
    synchronized (this) {
      if (closed) {
        throw new IllegalStateException("viewer closed");
      }
      int users = memberships.merge(swarm, 1, Integer::sum);
      if (users > 1) {
        return;
      }
    }
    try {
      agent.join(swarm);
    } catch (IllegalStateException e) {
      if (agent.peerId(swarm).isEmpty()) {
        synchronized (this) {
          memberships.merge(swarm, -1, Integer::sum);
        }
        throw e;
      }
    }
  }

  private void leaveSwarm(SwarmKey swarm) {
    synchronized (this) {
      Integer users = memberships.get(swarm);
      if (users == null) {
        return;
      }
      if (users > 1) {
        memberships.put(swarm, users - 1);
        return;
      }
      memberships.remove(swarm);
    }
    agent.leave(swarm);
  }

  /** A lease on the swarm's scheduler (made on first use); closing the lease releases it. */
  private SegmentLoader schedulerFor(SwarmKey swarm) {
    Shared shared;
    synchronized (this) {
      if (closed) {
        throw new IllegalStateException("viewer closed");
      }
      shared = schedulers.computeIfAbsent(swarm, key -> new Shared(new HybridSegmentLoader(key, agent.swarmPeers(key),
          store, cdnLoader(), stats, config.scheduler(), Clock.systemUTC(), random, verifier)));
      shared.users++;
    }
    AtomicBoolean released = new AtomicBoolean();
    return new Forwarding(shared.loader) {
      @Override
      public void close() {
        if (released.compareAndSet(false, true)) {
          release(swarm, shared);
        }
      }
    };
  }

  private void release(SwarmKey swarm, Shared shared) {
    synchronized (this) {
      if (--shared.users > 0 || schedulers.get(swarm) != shared) {
        return;
      }
      schedulers.remove(swarm);
    }
    shared.loader.close();
  }

  private CdnSegmentLoader cdnLoader() {
    long maxBytes = config.agent().map(AgentConfig::maxSegmentBytes).orElse((long) CDN_ONLY_MAX_SEGMENT_BYTES);
    return new CdnSegmentLoader(fetcher, stats, config.scheduler().cdnFetchTimeoutMillis(),
        (int) Math.min(Integer.MAX_VALUE - 8, maxBytes));
  }

  /** A lone media playlist's swarm: its URL is the swarm id (PROTOCOL.md B.2.1). */
  private static SwarmKey swarmOfUrl(URI mediaPlaylist) {
    return SwarmKey.ofStreamSwarmId(SwarmIds.streamSwarmId(SwarmIds.swarmIdFromManifestUrl(mediaPlaylist.toString()),
        StreamProps.mainWithBitrateOnly(0)));
  }

  private static SegmentLoader nonClosing(SegmentLoader loader) {
    return new Forwarding(loader) {
      @Override
      public void close() {
        // shared: its owner closes it
      }
    };
  }

  /** Forwards loads, playlists and closing; subclasses change what closing means. */
  private abstract static class Forwarding implements SegmentLoader {
    private final SegmentLoader target;

    Forwarding(SegmentLoader target) {
      this.target = target;
    }

    @Override
    public CompletableFuture<byte[]> load(SegmentRequest request) {
      return target.load(request);
    }

    @Override
    public void playlistLoaded(HlsStream stream, MediaPlaylist loaded) {
      target.playlistLoaded(stream, loaded);
    }

    @Override
    public void close() {
      target.close();
    }
  }

  private static void checkPlaylist(URI playlist) {
    requireNonNull(playlist, "playlist");
    String scheme = playlist.getScheme();
    if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
        || playlist.getHost() == null) {
      throw new IllegalArgumentException("playlist: " + playlist + " (expected: an http or https URL)");
    }
  }

  private static <T extends AutoCloseable> T own(List<AutoCloseable> made, T resource) {
    made.add(resource);
    return resource;
  }

  private static void closeAll(List<AutoCloseable> made, Throwable cause) {
    for (int i = made.size() - 1; i >= 0; i--) {
      try {
        made.get(i).close();
      } catch (Exception e) {
        cause.addSuppressed(e);
      }
    }
  }

  /**
   * The timer threads all viewers of the process share (scheduler waits, player timers: short
   * tasks), started with the first viewer and stopped with the last.
   */
  static final class SharedTimers {
    private static final AtomicInteger THREADS = new AtomicInteger();
    private static ScheduledThreadPoolExecutor executor; // guarded by SharedTimers.class
    private static int users; // guarded by SharedTimers.class

    private SharedTimers() {
    }

    /** One viewer's hold on the shared timers. */
    static final class Lease implements AutoCloseable {
      private final ScheduledThreadPoolExecutor executor;
      private final AtomicBoolean closed = new AtomicBoolean();

      private Lease(ScheduledThreadPoolExecutor executor) {
        this.executor = executor;
      }

      ScheduledThreadPoolExecutor executor() {
        return executor;
      }

      @Override
      public void close() {
        if (closed.compareAndSet(false, true)) {
          release(executor);
        }
      }
    }

    static synchronized Lease acquire() {
      if (executor == null) {
        executor = new ScheduledThreadPoolExecutor(2, task -> {
          Thread thread = new Thread(task, "hlsmesh-viewer-timers-" + THREADS.incrementAndGet());
          thread.setDaemon(true);
          return thread;
        });
        executor.setRemoveOnCancelPolicy(true);
      }
      users++;
      return new Lease(executor);
    }

    private static synchronized void release(ScheduledThreadPoolExecutor leased) {
      if (leased == executor && --users == 0) {
        executor.shutdownNow();
        executor = null;
      }
    }

    /** Viewers holding the timers now (tests). */
    static synchronized int users() {
      return users;
    }
  }
}
