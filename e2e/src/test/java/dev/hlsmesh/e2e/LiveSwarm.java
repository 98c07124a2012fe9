package dev.hlsmesh.e2e;

import dev.hlsmesh.agent.AgentConfig;
import dev.hlsmesh.agent.SwarmKey;
import dev.hlsmesh.agent.ViewerConfig;
import dev.hlsmesh.agent.scheduler.SchedulerSettings;
import dev.hlsmesh.agent.stats.AgentStatsSnapshot;
import dev.hlsmesh.cdn.CdnConfig;
import dev.hlsmesh.cdn.fetch.CdnFetcher;
import dev.hlsmesh.cdn.hls.MasterPlaylist;
import dev.hlsmesh.cdn.hls.PlaylistLoader;
import dev.hlsmesh.cdn.hls.PlaylistParser;
import dev.hlsmesh.cdn.hls.SwarmStreams;
import dev.hlsmesh.protocol.tracker.BinaryId;
import dev.hlsmesh.protocol.tracker.Scrape;
import dev.hlsmesh.protocol.tracker.ScrapeResponse;
import dev.hlsmesh.protocol.tracker.ServerMessage;
import dev.hlsmesh.protocol.tracker.TrackerCodec;
import dev.hlsmesh.testsupport.LiveHlsOrigin;
import dev.hlsmesh.testsupport.WebSocketTestClient;
import dev.hlsmesh.tracker.Tracker;
import dev.hlsmesh.tracker.config.TrackerConfig;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A whole live deployment in one process, for the end-to-end tests and the offload benchmark: a
 * tracker on port 0, a {@link LiveHlsOrigin} on real time (optionally with a mirror origin as a
 * second CDN), and viewers ({@link dev.hlsmesh.agent.Viewer}, the facade an application embeds),
 * each playing the first variant with its headless player. Every segment a player receives is compared with
 * the origin's bytes.
 *
 * <p>Thread-safe for what the tests call.
 */
final class LiveSwarm implements AutoCloseable {
  static final String VARIANT = "360p";

  private volatile Tracker tracker;
  private final int trackerPort;
  private final LiveHlsOrigin origin;
  private final LiveHlsOrigin mirror;
  private final CdnConfig cdnConfig;
  private final SwarmKey swarm;
  private final BinaryId infoHash;
  private final List<Viewer> viewers = new CopyOnWriteArrayList<>();
  private final List<String> mismatches = new CopyOnWriteArrayList<>();

  /**
   * One viewer (the embedding facade, with its own CDN client, store and agent, as every real
   * viewer has) and what its headless player received.
   */
  final class Viewer implements AutoCloseable {
    final dev.hlsmesh.agent.Viewer viewer;
    final AtomicLong deliveredBytes = new AtomicLong();
    final AtomicLong deliveredSegments = new AtomicLong();

    Viewer(dev.hlsmesh.agent.Viewer viewer) {
      this.viewer = viewer;
    }

    /** Starts the player (it follows the live playlist from now); every segment is checked. */
    void play() {
      viewer.playHeadless((msn, bytes) -> {
        deliveredBytes.addAndGet(bytes.remaining());
        deliveredSegments.incrementAndGet();
        if (!ByteBuffer.wrap(origin.segmentBytes(VARIANT, msn)).equals(bytes)) {
          mismatches.add("segment " + msn + " (" + bytes.remaining() + " bytes) differs from the origin's");
        }
      });
    }

    AgentStatsSnapshot statsSnapshot() {
      return viewer.stats();
    }

    /** Peers connected now (one swarm: the first variant's). */
    int connectedPeers() {
      return viewer.stats().connectedPeers();
    }

    @Override
    public void close() {
      viewer.close();
    }
  }

  private LiveSwarm(Tracker tracker, LiveHlsOrigin origin, LiveHlsOrigin mirror) throws Exception {
    this.tracker = tracker;
    this.trackerPort = tracker.port();
    this.origin = origin;
    this.mirror = mirror;
    this.cdnConfig = mirror == null ? CdnConfig.defaults()
        : CdnConfig.builder().cdnBaseUrls(List.of(origin.baseUri(), mirror.baseUri())).build();
    PlaylistLoader.Loaded loaded;
    try (CdnFetcher fetcher = CdnFetcher.create(cdnConfig)) {
      loaded = PlaylistLoader.using(fetcher).load(origin.masterPlaylistUri()).get(30, TimeUnit.SECONDS);
    }
    MasterPlaylist master = PlaylistParser.parseMaster(loaded.uri(), loaded.text());
    this.swarm = SwarmKey.ofStreamSwarmId(SwarmStreams.of(master).get(0).streamSwarmId());
    this.infoHash = BinaryId.ofAscii(SwarmStreams.of(master).get(0).infoHash());
  }

  /** Starts the tracker and the origin. */
  static LiveSwarm start() throws Exception {
    return start(false);
  }

  /**
   * Starts the tracker, the origin and a mirror of it (the same live stream on another port, the
   * second CDN of every agent's {@link CdnConfig#cdnBaseUrls()}; the origin is the first).
   */
  static LiveSwarm startWithMirror() throws Exception {
    return start(true);
  }

  private static LiveSwarm start(boolean withMirror) throws Exception {
    Tracker tracker = Tracker.start(trackerConfig(0));
    LiveHlsOrigin origin = null;
    LiveHlsOrigin mirror = null;
    try {
      origin = LiveHlsOrigin.start();
      if (withMirror) {
        mirror = LiveHlsOrigin.builder().mirrorOf(origin).start();
      }
      return new LiveSwarm(tracker, origin, mirror);
    } catch (Exception | Error e) {
      if (mirror != null) {
        mirror.close();
      }
      if (origin != null) {
        origin.close();
      }
      tracker.close();
      throw e;
    }
  }

  private static TrackerConfig trackerConfig(int port) {
    return TrackerConfig.builder().host("127.0.0.1").port(port).build();
  }

  /** Stops the tracker (every agent's WebSocket closes); {@link #startTrackerAgain()} brings it back. */
  void stopTracker() {
    tracker.close();
  }

  /**
   * Starts a new tracker on the same port (it knows no peers: agents must reconnect and
   * announce again).
   */
  void startTrackerAgain() {
    tracker = Tracker.start(trackerConfig(trackerPort));
  }

  /** Peers the tracker lists in the swarm now, asked with a scrape over a fresh WebSocket. */
  int peersAtTracker() throws Exception {
    TrackerCodec codec = new TrackerCodec();
    try (WebSocketTestClient client = WebSocketTestClient.connect(trackerUri())) {
      client.send(codec.encode(new Scrape(List.of(infoHash))));
      ServerMessage answer = codec.decodeServer(client.nextText());
      if (!(answer instanceof ScrapeResponse response)) {
        throw new IllegalStateException("scrape answered " + answer);
      }
      ScrapeResponse.Stats stats = response.files().get(infoHash);
      return stats == null ? 0 : stats.complete() + stats.incomplete();
    }
  }

  /** The master playlist every player starts from. */
  java.net.URI masterPlaylistUri() {
    return origin.masterPlaylistUri();
  }

  /** The tracker's WebSocket URL (the same across a restart). */
  java.net.URI trackerUri() {
    return java.net.URI.create("ws://127.0.0.1:" + trackerPort);
  }

  /**
   * Starts a viewer of the stream (its player not started yet): with P2P on, it joins the first
   * variant's swarm at once, so that the mesh forms before the player starts.
   *
   * @param minPeers below this the agent re-announces every second (a full mesh comes fast)
   * @param tuning the agent settings, or null for {@link #agentConfig(int) the tests' own}
   */
  Viewer addViewer(int number, int minPeers, AgentConfig.Builder tuning, SchedulerSettings settings) {
    AgentConfig agent = tuning == null ? agentConfig(minPeers).build() : tuning.build();
    ViewerConfig config = (settings.p2pEnabled() ? ViewerConfig.builder(agent) : ViewerConfig.cdnOnly())
        .cdn(cdnConfig).scheduler(settings).build();
    Viewer viewer = new Viewer(dev.hlsmesh.agent.Viewer.start(config, origin.masterPlaylistUri()));
    viewers.add(viewer);
    if (settings.p2pEnabled()) {
      viewer.viewer.connect();
    }
    return viewer;
  }

  /** The agent settings the tests use, with a tracker fallback that re-announces quickly. */
  AgentConfig.Builder agentConfig(int minPeers) {
    return AgentConfig.builder(trackerUri())
        .peers(minPeers, 16)
        .belowMinimumAnnounceMillis(1_000)
        .trackerReconnectMillis(100, 1_000);
  }

  SwarmKey swarm() {
    return swarm;
  }

  LiveHlsOrigin origin() {
    return origin;
  }

  /** The mirror origin (the second CDN); only when started {@link #startWithMirror() with one}. */
  LiveHlsOrigin mirror() {
    if (mirror == null) {
      throw new IllegalStateException("started without a mirror");
    }
    return mirror;
  }

  List<Viewer> viewers() {
    return List.copyOf(viewers);
  }

  /** Segments a player received that differ from the origin's. */
  List<String> mismatches() {
    return List.copyOf(mismatches);
  }

  /** Segment body bytes the origin and its mirror served (all variants), as counted by them. */
  long originSegmentBytes() {
    return origin.bytesServedMatching("/live/*/*.ts") + (mirror == null ? 0 : mirror.bytesServedMatching("/live/*/*.ts"));
  }

  /** Segment bytes all players received. */
  long deliveredBytes() {
    return viewers.stream().mapToLong(v -> v.deliveredBytes.get()).sum();
  }

  /**
   * CDN offload: the share of what the players received that did not come from the origin.
   * Counted at the origin, and never less than the agents' own count of CDN bytes (the origin's
   * counters may lag a moment behind the sockets).
   */
  double offload() {
    long cdnBytes = Math.max(originSegmentBytes(), viewers.stream().mapToLong(v -> v.statsSnapshot().cdnBytes()).sum());
    long delivered = deliveredBytes();
    return delivered == 0 ? 0 : 1.0 - (double) cdnBytes / delivered;
  }

  @Override
  public void close() {
    List<Throwable> problems = new ArrayList<>();
    for (Viewer viewer : viewers) {
      try {
        viewer.close();
      } catch (RuntimeException e) {
        problems.add(e);
      }
    }
    if (mirror != null) {
      mirror.close();
    }
    origin.close();
    tracker.close();
    if (!problems.isEmpty()) {
      IllegalStateException failure = new IllegalStateException("closing the swarm failed");
      problems.forEach(failure::addSuppressed);
      throw failure;
    }
  }
}
