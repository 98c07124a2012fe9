package dev.hlsmesh.demo;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hlsmesh.agent.Agent;
import dev.hlsmesh.agent.AgentConfig;
import dev.hlsmesh.agent.IntegritySettings;
import dev.hlsmesh.agent.ProcessLimits;
import dev.hlsmesh.agent.SwarmKey;
import dev.hlsmesh.agent.WebRtcUnavailableException;
import dev.hlsmesh.agent.delivery.CdnSegmentLoader;
import dev.hlsmesh.agent.integrity.SegmentVerifier;
import dev.hlsmesh.agent.scheduler.HybridSegmentLoader;
import dev.hlsmesh.agent.scheduler.SchedulerSettings;
import dev.hlsmesh.agent.delivery.HlsStream;
import dev.hlsmesh.agent.delivery.SegmentLoader;
import dev.hlsmesh.agent.player.PlayerSettings;
import dev.hlsmesh.agent.player.PlayerStats;
import dev.hlsmesh.agent.player.VirtualPlayer;
import dev.hlsmesh.agent.proxy.HlsProxy;
import dev.hlsmesh.agent.proxy.ProxySettings;
import dev.hlsmesh.agent.stats.AgentStats;
import dev.hlsmesh.agent.stats.AgentStatsSnapshot;
import dev.hlsmesh.agent.store.InMemorySegmentStore;
import dev.hlsmesh.agent.store.SegmentStore;
import dev.hlsmesh.cdn.CdnConfig;
import dev.hlsmesh.cdn.TaskScheduler;
import dev.hlsmesh.cdn.fetch.CdnFetcher;
import dev.hlsmesh.cdn.hls.MasterPlaylist;
import dev.hlsmesh.cdn.hls.MediaPlaylist;
import dev.hlsmesh.cdn.hls.PlaylistParseException;
import dev.hlsmesh.cdn.hls.PlaylistLoader;
import dev.hlsmesh.cdn.hls.PlaylistParser;
import dev.hlsmesh.cdn.hls.SwarmStream;
import dev.hlsmesh.cdn.hls.SwarmStreams;
import dev.hlsmesh.cdn.integrity.HashWindow;
import dev.hlsmesh.cdn.integrity.IntegrityKeys;
import dev.hlsmesh.cdn.integrity.SidecarCodec;
import dev.hlsmesh.protocol.swarm.StreamProps;
import dev.hlsmesh.protocol.swarm.SwarmIds;
import dev.hlsmesh.testsupport.LiveHlsOrigin;
import dev.hlsmesh.tracker.Tracker;
import dev.hlsmesh.tracker.config.TrackerConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;

/**
 * The demo: a tracker, a live origin replaying the shipped clip, and N agents with virtual
 * players in one process; every few seconds a table of offload, stalls and peers per agent, and
 * the URL a player can open through agent 1's local proxy. {@code --help} lists the options.
 *
 * <p>Each agent plays through its {@link HybridSegmentLoader}: segments come from peers where
 * the deadline allows, from the CDN otherwise, and one elected agent per neighbourhood fetches
 * each new live segment from the CDN for the others.
 *
 * <p>Thread: {@link #main} and {@link #run} on the caller's thread; tables print on the demo's
 * timer thread.
 */
public final class Demo implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One viewer; {@code agent} is null with {@code --no-p2p}. */
  private record Viewer(int number, Agent agent, AgentStats stats, SegmentLoader loader, VirtualPlayer player) {
  }

  private final DemoOptions options;
  private final PrintStream out;
  private final List<AutoCloseable> resources = new ArrayList<>();
  private final List<Viewer> viewers = new ArrayList<>();
  private final ScheduledThreadPoolExecutor timer;
  private LiveHlsOrigin origin;
  private static final String SIDECAR_KEY_ID = "demo";
  private final KeyPair sidecarKey = IntegrityKeys.generate();
  private SwarmKey swarm;
  private long startedAtMillis;
  private boolean finished;
  private boolean closed;
  private final CountDownLatch done = new CountDownLatch(1);

  private Demo(DemoOptions options, PrintStream out) {
    this.options = options;
    this.out = out;
    this.timer = new ScheduledThreadPoolExecutor(2, runnable -> {
      Thread thread = new Thread(runnable, "hlsmesh-demo-timer");
      thread.setDaemon(true);
      return thread;
    });
    timer.setRemoveOnCancelPolicy(true);
  }

  public static void main(String[] args) {
    DemoOptions options;
    try {
      options = DemoOptions.parse(args);
    } catch (DemoOptions.UsageException e) {
      if (!e.getMessage().isEmpty()) {
        System.err.println("demo: " + e.getMessage());
      }
      System.err.println(DemoOptions.USAGE);
      System.exit(e.getMessage().isEmpty() ? 0 : 2);
      return;
    }
    Demo demo = new Demo(options, System.out);
    Thread hook = new Thread(demo::finish, "hlsmesh-demo-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    int status;
    try {
      demo.run();
      status = 0;
    } catch (WebRtcUnavailableException e) {
      System.err.println("demo: " + e.getMessage());
      status = 1;
    } catch (Exception e) {
      System.err.println("demo: " + e.getMessage());
      status = 1;
    } finally {
      demo.finish();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // shutting down already (Ctrl-C)
    }
    System.exit(status);
  }

  /**
   * Starts everything, prints tables until the duration is over (or until {@link #finish()}, or
   * forever), then the JSON summary.
   */
  void run() throws Exception {
    startedAtMillis = System.currentTimeMillis();
    URI trackerUri = !options.p2p() ? null : options.tracker().orElseGet(() -> {
      Tracker tracker = Tracker.start(TrackerConfig.builder().host("127.0.0.1").port(0).build());
      own(tracker);
      return tracker.webSocketUri();
    });
    URI playlist = options.playlist().orElseGet(() -> {
      // The demo's own origin publishes signed segment-hash sidecars, as bin/publisher would:
      // its agents verify every segment a peer sends (docs/security.md).
      LiveHlsOrigin started = own(LiveHlsOrigin.builder().sidecars(".integrity", this::signedSidecar).start());
      synchronized (this) {
        origin = started;
      }
      return started.masterPlaylistUri();
    });
    CdnFetcher fetcher = own(CdnFetcher.create(CdnConfig.defaults()));
    PlaylistLoader playlists = PlaylistLoader.using(fetcher);
    HlsStream stream = firstStream(playlists, playlist);

    TaskScheduler scheduler = TaskScheduler.of(timer);
    // Agents below minPeers re-announce every 10 s for more offers, so a small swarm fills to a
    // full mesh within seconds instead of one tracker interval (30 s) per step.
    int maxPeers = 10;
    AgentConfig agentConfig = null;
    if (options.p2p()) {
      // Said before any agent starts, with the numbers: not a failed socket or event loop later.
      String limits = ProcessLimits.check(options.agents(), maxPeers);
      if (!limits.isEmpty()) {
        throw new IllegalStateException(limits);
      }
      AgentConfig.Builder configBuilder = AgentConfig.builder(trackerUri)
          .peers(Math.min(maxPeers, options.agents() - 1), maxPeers);
      if (options.playlist().isEmpty()) { // the demo's own origin: it signs sidecars with this key
        configBuilder.integrity(IntegritySettings.builder()
            .publicKeys(Map.of(SIDECAR_KEY_ID, IntegrityKeys.publicKeyBase64(sidecarKey.getPublic())))
            .build());
      }
      agentConfig = configBuilder.build();
    }
    SchedulerSettings settings = options.p2p() ? SchedulerSettings.defaults()
        : SchedulerSettings.defaults().withP2pDisabled();
    // All agents first, then all players: on one machine, an agent starting (WebRTC, tracker
    // connection) would otherwise delay the startup of the players started before it, which a
    // viewer with its own machine never sees.
    List<Agent> agents = new ArrayList<>();
    List<SegmentStore> stores = new ArrayList<>();
    for (int i = 1; i <= options.agents(); i++) {
      SegmentStore store = new InMemorySegmentStore(64L << 20, Duration.ofMinutes(1), Clock.systemUTC());
      stores.add(store);
      if (options.p2p()) {
        Agent agent = own(Agent.start(agentConfig, store));
        agent.join(swarm);
        agents.add(agent);
      }
    }
    // Players start once the agents are in the swarm (each with a few peers, or after 10 s), as
    // viewers joining a running swarm would find it; startup then measures the player, not N
    // agents' WebRTC handshakes contending for this machine's cores.
    long connectMillis = awaitPeers(agents, Math.min(options.agents() - 1, 3), 10_000);
    for (int i = 1; i <= options.agents(); i++) {
      Agent agent = options.p2p() ? agents.get(i - 1) : null;
      // An agent records its uploads and peer count in its own stats.
      AgentStats stats = agent != null ? agent.stats() : new AgentStats();
      // With P2P off the scheduler passes every load to the CDN loader: a plain player.
      CdnSegmentLoader cdn = new CdnSegmentLoader(fetcher, stats, 10_000, 64 << 20);
      SegmentLoader loader = own(agent == null
          ? new HybridSegmentLoader(swarm, null, stores.get(i - 1), cdn, stats, settings, Clock.systemUTC(),
              new SecureRandom(), agentConfig.integrity())
          : new HybridSegmentLoader(swarm, agent.swarmPeers(swarm), stores.get(i - 1), cdn, stats, settings,
              Clock.systemUTC(), new SecureRandom(), SegmentVerifier.create(agentConfig.integrity(), fetcher)));
      VirtualPlayer player = own(VirtualPlayer.follow(stream, loader, playlists, Clock.systemUTC(), scheduler,
          PlayerSettings.defaults(), stats));
      synchronized (this) {
        viewers.add(new Viewer(i, agent, stats, loader, player));
      }
    }
    Viewer first;
    synchronized (this) {
      first = viewers.get(0);
    }
    HlsProxy proxy;
    if (first.agent() == null) {
      proxy = own(HlsProxy.start(playlist, fetcher, first.loader(), first.stats(), ProxySettings.defaults()));
    } else {
      // A player through the proxy may play any variant (ffplay reads them all): each variant's
      // segments go through a scheduler of that variant's swarm, never through another's (the
      // same segment id means other bytes in each swarm). Agent 1's own swarm keeps its scheduler.
      Agent agent = first.agent();
      SegmentLoader played = first.loader();
      AgentConfig config = agentConfig;
      proxy = own(HlsProxy.start(playlist, fetcher, agent, joined -> joined.equals(swarm)
          ? new SegmentLoader() { // shared with agent 1's player: the proxy must not close it
            @Override
            public java.util.concurrent.CompletableFuture<byte[]> load(dev.hlsmesh.agent.delivery.SegmentRequest request) {
              return played.load(request);
            }

            @Override
            public void playlistLoaded(HlsStream stream, MediaPlaylist loaded) {
              played.playlistLoaded(stream, loaded);
            }
          }
          : new HybridSegmentLoader(joined, agent.swarmPeers(joined), stores.get(0), new CdnSegmentLoader(fetcher,
              first.stats(), 10_000, 64 << 20), first.stats(), settings, Clock.systemUTC(), new SecureRandom(),
              SegmentVerifier.create(config.integrity(), fetcher)),
          first.stats(), ProxySettings.defaults()));
    }

    out.printf(Locale.ROOT, "hlsmesh demo: %d agents, stream %s, %s%n", options.agents(), playlist,
        options.p2p() ? "tracker " + trackerUri : "P2P off (CDN-only players)");
    out.printf(Locale.ROOT, "Play through agent 1: ffplay %s   (stats: %s)%n", proxy.playlistUri(), proxy.statsUri());
    if (options.p2p()) {
      out.printf(Locale.ROOT, "The players started once the agents had connected to peers (%.1f s).%n",
          connectMillis / 1000.0);
    }
    timer.scheduleAtFixedRate(this::printTable, options.reportSeconds(), options.reportSeconds(), TimeUnit.SECONDS);
    if (options.durationSeconds().isPresent()) {
      // The duration counts from the start, set-up included.
      long remainingMillis = options.durationSeconds().getAsLong() * 1000 - (System.currentTimeMillis() - startedAtMillis);
      timer.schedule(done::countDown, Math.max(0, remainingMillis), TimeUnit.MILLISECONDS);
      done.await();
      finish();
    } else {
      done.await(); // until Ctrl-C: the shutdown hook closes everything
    }
  }

  /**
   * Waits until every agent has at least {@code peers} connected peers in the demo's swarm, or
   * {@code timeoutMillis}; returns how long it waited.
   */
  private long awaitPeers(List<Agent> agents, int peers, long timeoutMillis) throws InterruptedException {
    long started = System.nanoTime();
    if (agents.isEmpty() || peers <= 0) {
      return 0;
    }
    CountDownLatch ready = new CountDownLatch(agents.size());
    List<Runnable> removals = new ArrayList<>();
    for (Agent agent : agents) {
      java.util.concurrent.atomic.AtomicBoolean counted = new java.util.concurrent.atomic.AtomicBoolean();
      Runnable check = () -> {
        if (agent.connectedPeers(swarm).size() >= peers && counted.compareAndSet(false, true)) {
          ready.countDown();
        }
      };
      dev.hlsmesh.agent.stats.AgentEventListener onConnected = event -> {
        if (event instanceof dev.hlsmesh.agent.stats.AgentEvent.PeerConnected) {
          check.run();
        }
      };
      agent.addEventListener(onConnected);
      removals.add(() -> agent.removeEventListener(onConnected));
      check.run();
    }
    try {
      ready.await(timeoutMillis, TimeUnit.MILLISECONDS);
    } finally {
      removals.forEach(Runnable::run);
    }
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
  }

  /** Prints the last table and the JSON summary (once), then closes everything. */
  synchronized void finish() {
    done.countDown();
    if (!finished && !viewers.isEmpty()) {
      finished = true;
      printTable();
      try {
        out.println(summaryJson());
      } catch (Exception e) {
        System.err.println("demo: summary failed: " + e);
      }
    }
    close();
  }

  /** What each agent's player experienced so far, agent 1 first. */
  synchronized List<PlayerStats> playerStats() {
    return viewers.stream().map(v -> v.player().stats()).toList();
  }

  private HlsStream firstStream(PlaylistLoader playlists, URI playlist) throws Exception {
    PlaylistLoader.Loaded loaded = playlists.load(playlist).get(30, TimeUnit.SECONDS);
    if (loaded.text().contains("#EXT-X-STREAM-INF")) {
      MasterPlaylist master = PlaylistParser.parseMaster(loaded.uri(), loaded.text());
      if (master.variants().isEmpty()) {
        throw new IllegalArgumentException(playlist + " lists no variant");
      }
      SwarmStream first = SwarmStreams.of(master).get(0);
      swarm = SwarmKey.ofStreamSwarmId(first.streamSwarmId());
      return HlsStream.ofVariant(master.uri(), master.variants().get(0));
    }
    // A lone media playlist: its URL is the swarm id; no variant metadata (PROTOCOL.md B.2.1).
    swarm = SwarmKey.ofStreamSwarmId(SwarmIds.streamSwarmId(
        SwarmIds.swarmIdFromManifestUrl(loaded.uri().toString()), StreamProps.mainWithBitrateOnly(0)));
    return HlsStream.ofMediaPlaylist(loaded.uri());
  }

  private synchronized void printTable() {
    if (closed) {
      return; // a timer run that waited for finish(): the summary must stay the last line
    }
    StringBuilder table = new StringBuilder();
    long elapsed = (System.currentTimeMillis() - startedAtMillis) / 1000;
    table.append(String.format(Locale.ROOT, "%n[%4d s] %-6s %5s %10s %10s %10s %8s %7s %8s %9s %9s%n", elapsed, "agent",
        "peers", "cdn MiB", "peer MiB", "up MiB", "offload", "stalls", "stall s", "startup s", "latency s"));
    long cdn = 0;
    long peer = 0;
    long uploaded = 0;
    for (Viewer v : viewers) {
      AgentStatsSnapshot s = v.stats().snapshot();
      PlayerStats p = v.player().stats();
      cdn += s.cdnBytes();
      peer += s.peerBytes();
      uploaded += s.uploadedBytes();
      table.append(String.format(Locale.ROOT, "         %-6d %5d %10.2f %10.2f %10.2f %7.1f%% %7d %8.1f %9s %9s%n",
          v.number(), s.connectedPeers(), mib(s.cdnBytes()), mib(s.peerBytes()), mib(s.uploadedBytes()),
          s.offloadRatio() * 100, p.stalls(),
          p.stallMillis() / 1000.0, seconds(p.startupMillis()), seconds(p.liveLatencyMillis())));
    }
    table.append(String.format(Locale.ROOT, "         %-6s %5s %10.2f %10.2f %10.2f %7.1f%%", "total", "", mib(cdn),
        mib(peer), mib(uploaded), offload(cdn, peer) * 100));
    if (origin != null) {
      table.append(String.format(Locale.ROOT, "   (origin served %.2f MiB of segments)",
          mib(origin.bytesServedMatching("/live/*/*.ts"))));
    }
    out.println(table);
  }

  /** One JSON line: per-agent and total figures. */
  synchronized String summaryJson() throws Exception {
    List<Map<String, Object>> agents = new ArrayList<>();
    long cdn = 0;
    long peer = 0;
    long uploaded = 0;
    long stalls = 0;
    long stallMillis = 0;
    long verified = 0;
    long unverified = 0;
    long failures = 0;
    for (Viewer v : viewers) {
      AgentStatsSnapshot s = v.stats().snapshot();
      PlayerStats p = v.player().stats();
      Map<String, Object> agent = new LinkedHashMap<>();
      agent.put("agent", v.number());
      agent.put("cdnBytes", s.cdnBytes());
      agent.put("peerBytes", s.peerBytes());
      agent.put("uploadedBytes", s.uploadedBytes());
      agent.put("offloadRatio", s.offloadRatio());
      agent.put("stalls", p.stalls());
      agent.put("stallMillis", p.stallMillis());
      agent.put("startupMillis", p.startupMillis());
      agent.put("liveLatencyMillis", p.liveLatencyMillis());
      agent.put("connectedPeers", s.connectedPeers());
      agent.put("verifiedPeerSegments", s.verifiedPeerSegments());
      agent.put("unverifiedPeerSegments", s.unverifiedPeerSegments());
      agent.put("validationFailures", s.validationFailures());
      agents.add(agent);
      verified += s.verifiedPeerSegments();
      unverified += s.unverifiedPeerSegments();
      failures += s.validationFailures();
      cdn += s.cdnBytes();
      peer += s.peerBytes();
      uploaded += s.uploadedBytes();
      stalls += p.stalls();
      stallMillis += p.stallMillis();
    }
    Map<String, Object> total = new LinkedHashMap<>();
    total.put("cdnBytes", cdn);
    total.put("peerBytes", peer);
    total.put("uploadedBytes", uploaded);
    total.put("offloadRatio", offload(cdn, peer));
    total.put("stalls", stalls);
    total.put("stallMillis", stallMillis);
    total.put("verifiedPeerSegments", verified);
    total.put("unverifiedPeerSegments", unverified);
    total.put("validationFailures", failures);
    if (origin != null) {
      total.put("originSegmentBytes", origin.bytesServedMatching("/live/*/*.ts"));
    }
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("durationSeconds", (System.currentTimeMillis() - startedAtMillis) / 1000.0);
    summary.put("p2p", options.p2p());
    summary.put("agents", agents);
    summary.put("total", total);
    return JSON.writeValueAsString(summary);
  }

  private static double mib(long bytes) {
    return bytes / (1024.0 * 1024.0);
  }

  private static String seconds(long millis) {
    return millis < 0 ? "-" : String.format(Locale.ROOT, "%.1f", millis / 1000.0);
  }

  /** Keeps a resource for {@link #close()}; closes it at once if the demo was stopped meanwhile (Ctrl-C). */
  private synchronized <T extends AutoCloseable> T own(T resource) throws DemoStoppedException {
    if (closed) {
      try {
        resource.close();
      } catch (Exception e) {
        System.err.println("demo: closing " + resource + " failed: " + e);
      }
      throw new DemoStoppedException();
    }
    resources.add(resource);
    return resource;
  }

  /** The demo was stopped while starting up. */
  static final class DemoStoppedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    DemoStoppedException() {
      super("stopped while starting");
    }
  }

  /** Closes players, agents, proxy, origin and tracker, newest first. Idempotent. */
  @Override
  public synchronized void close() {
    closed = true;
    done.countDown();
    for (int i = resources.size() - 1; i >= 0; i--) {
      try {
        resources.get(i).close();
      } catch (Exception e) {
        System.err.println("demo: closing " + resources.get(i) + " failed: " + e);
      }
    }
    resources.clear();
    // Last: schedulers still open while their agents close (neighbour changes) schedule on it.
    timer.shutdownNow();
  }

  static Demo create(DemoOptions options, PrintStream out) {
    return new Demo(requireNonNull(options, "options"), requireNonNull(out, "out"));
  }

  /** {@code peer / (cdn + peer)}, as the stats snapshot computes it. */
  /** The sidecar bin/publisher would write for the playlist the demo's origin serves now. */
  private byte[] signedSidecar(String playlistPath, String playlistText, LongFunction<byte[]> segmentBytes) {
    try {
      MediaPlaylist playlist = PlaylistParser.parseMedia(URI.create("http://127.0.0.1" + playlistPath), playlistText);
      return SidecarCodec.sign(new HashWindow(SIDECAR_KEY_ID, playlistPath, 0)
          .update(playlist, segment -> segmentBytes.apply(segment.mediaSequenceNumber()), Instant.now()),
          sidecarKey.getPrivate());
    } catch (IOException | PlaylistParseException e) {
      throw new IllegalStateException("the demo origin's own playlist: " + e.getMessage(), e);
    }
  }

  private static double offload(long cdn, long peer) {
    return cdn + peer == 0 ? 0 : (double) peer / (cdn + peer);
  }
}
