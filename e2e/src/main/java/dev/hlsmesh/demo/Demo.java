package dev.hlsmesh.demo;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hlsmesh.agent.AgentConfig;
import dev.hlsmesh.agent.IntegritySettings;
import dev.hlsmesh.agent.InvalidConfigException;
import dev.hlsmesh.agent.ProcessLimits;
import dev.hlsmesh.agent.Viewer;
import dev.hlsmesh.agent.ViewerConfig;
import dev.hlsmesh.agent.WebRtcUnavailableException;
import dev.hlsmesh.agent.stats.AgentStatsSnapshot;
import dev.hlsmesh.cdn.hls.MediaPlaylist;
import dev.hlsmesh.cdn.hls.PlaylistParseException;
import dev.hlsmesh.cdn.hls.PlaylistParser;
import dev.hlsmesh.cdn.integrity.HashWindow;
import dev.hlsmesh.cdn.integrity.IntegrityKeys;
import dev.hlsmesh.cdn.integrity.SidecarCodec;
import dev.hlsmesh.testsupport.LiveHlsOrigin;
import dev.hlsmesh.tracker.Tracker;
import dev.hlsmesh.tracker.config.TrackerConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.security.KeyPair;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
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
 * <p>Each viewer is a {@link Viewer}, the facade an application embeds, playing with its headless
 * player: segments come from peers where the deadline allows, from the CDN otherwise, and one
 * elected viewer per neighbourhood fetches each new live segment from the CDN for the others.
 *
 * <p>Thread: {@link #main} and {@link #run} on the caller's thread; tables print on the demo's
 * timer thread.
 */
public final class Demo implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One viewer and its number in the tables (1 first). */
  private record Numbered(int number, Viewer viewer) {
  }

  private final DemoOptions options;
  private final PrintStream out;
  private final List<AutoCloseable> resources = new ArrayList<>();
  private final List<Numbered> viewers = new ArrayList<>();
  private final ScheduledThreadPoolExecutor timer;
  private LiveHlsOrigin origin;
  private static final String SIDECAR_KEY_ID = "demo";
  private final KeyPair sidecarKey = IntegrityKeys.generate();
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
    } catch (InvalidConfigException e) {
      System.err.println("demo: " + e.getMessage());
      status = 2; // a bad --config file, as the tracker exits for a bad configuration
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
    ViewerConfig config = viewerConfig(trackerUri);
    if (config.scheduler().p2pEnabled()) {
      // Said before any agent starts, with the numbers: not a failed socket or event loop later.
      String limits = ProcessLimits.check(options.agents(), config.agent().orElseThrow().maxPeers());
      if (!limits.isEmpty()) {
        throw new IllegalStateException(limits);
      }
    }
    // All viewers first, then all players: on one machine, a viewer starting (WebRTC, tracker
    // connection) would otherwise delay the startup of the players started before it, which a
    // viewer with its own machine never sees.
    for (int i = 1; i <= options.agents(); i++) {
      // Viewer 1's proxy serves a real player (ffplay) too: its port comes from the config (0:
      // any free port); the others take any free port so that they do not collide with it.
      ViewerConfig own = i == 1 ? config : config.toBuilder().proxy(config.proxy().withPort(0)).build();
      Viewer viewer = own(Viewer.start(own, playlist));
      viewer.connect(); // into the swarm before the players start
      synchronized (this) {
        viewers.add(new Numbered(i, viewer));
      }
    }
    List<Viewer> started = viewers().stream().map(Numbered::viewer).toList();
    // Players start once the viewers are in the swarm (each with a few peers, or after 10 s), as
    // viewers joining a running swarm would find it; startup then measures the player, not N
    // agents' WebRTC handshakes contending for this machine's cores.
    long connectMillis = config.scheduler().p2pEnabled()
        ? awaitPeers(started, Math.min(options.agents() - 1, 3), 10_000) : 0;
    for (Viewer viewer : started) {
      viewer.playHeadless(null);
    }
    Viewer first = started.get(0);
    out.printf(Locale.ROOT, "hlsmesh demo: %d agents, stream %s, %s%n", options.agents(), playlist,
        config.scheduler().p2pEnabled() ? "tracker " + config.agent().orElseThrow().trackerUrl()
            : "P2P off (CDN-only players)");
    out.printf(Locale.ROOT, "Play through agent 1: ffplay %s   (stats: %s)%n", first.playlistUri(), first.statsUri());
    if (config.scheduler().p2pEnabled()) {
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
   * The viewers' configuration: {@code --config FILE} as it is (the demo's tracker when the file
   * names none), or the demo's defaults; with the built-in origin, its sidecar key trusted too.
   */
  private ViewerConfig viewerConfig(URI trackerUri) {
    ViewerConfig config;
    if (options.config().isPresent()) {
      Map<String, String> environment = new HashMap<>(System.getenv());
      if (options.tracker().isPresent()) {
        environment.put(ViewerConfig.ENV_TRACKER_URL, options.tracker().get().toString());
      }
      try {
        config = ViewerConfig.load(options.config().get(), environment);
      } catch (InvalidConfigException e) {
        if (trackerUri == null || e.problems().stream().noneMatch(p -> p.startsWith("agent.trackerUrl: missing"))) {
          throw e;
        }
        // The file names no tracker: the demo's own (and the file's other problems, if any).
        environment.put(ViewerConfig.ENV_TRACKER_URL, trackerUri.toString());
        config = ViewerConfig.load(options.config().get(), environment);
      }
      if (!options.p2p()) {
        config = config.toBuilder().scheduler(config.scheduler().withP2pDisabled()).build();
      }
    } else if (!options.p2p()) {
      config = ViewerConfig.cdnOnly().build();
    } else {
      // Agents below minPeers re-announce every 10 s for more offers, so a small swarm fills to
      // a full mesh within seconds instead of one tracker interval (30 s) per step.
      int maxPeers = 10;
      config = ViewerConfig.builder(AgentConfig.builder(trackerUri)
          .peers(Math.min(maxPeers, options.agents() - 1), maxPeers).build()).build();
    }
    if (options.playlist().isEmpty() && config.agent().isPresent()) {
      // The demo's own origin signs sidecars with this key.
      AgentConfig agent = config.agent().get();
      IntegritySettings integrity = agent.integrity();
      Map<String, String> keys = new LinkedHashMap<>(integrity.publicKeys());
      keys.put(SIDECAR_KEY_ID, IntegrityKeys.publicKeyBase64(sidecarKey.getPublic()));
      config = config.toBuilder().agent(agent.toBuilder().integrity(new IntegritySettings(keys,
          integrity.sidecarRequired(), integrity.sidecarSuffix(), integrity.sidecarRefreshMillis(),
          integrity.sizeCheckByHead(), integrity.peerBanMillis(), integrity.validator())).build()).build();
    }
    return config;
  }

  /**
   * Waits until every viewer has at least {@code peers} connected peers, or {@code timeoutMillis};
   * returns how long it waited. Looks every 100 ms (the figures change with each peer connected).
   */
  private static long awaitPeers(List<Viewer> viewers, int peers, long timeoutMillis) throws InterruptedException {
    long started = System.nanoTime();
    long deadline = started + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    while (peers > 0 && System.nanoTime() < deadline
        && !viewers.stream().allMatch(viewer -> viewer.stats().connectedPeers() >= peers)) {
      TimeUnit.MILLISECONDS.sleep(100);
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

  /** Each viewer's figures now, viewer 1 first. */
  synchronized List<AgentStatsSnapshot> viewerStats() {
    return viewers.stream().map(v -> v.viewer().stats()).toList();
  }

  private synchronized List<Numbered> viewers() {
    return List.copyOf(viewers);
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
    for (Numbered v : viewers) {
      AgentStatsSnapshot s = v.viewer().stats();
      cdn += s.cdnBytes();
      peer += s.peerBytes();
      uploaded += s.uploadedBytes();
      table.append(String.format(Locale.ROOT, "         %-6d %5d %10.2f %10.2f %10.2f %7.1f%% %7d %8.1f %9s %9s%n",
          v.number(), s.connectedPeers(), mib(s.cdnBytes()), mib(s.peerBytes()), mib(s.uploadedBytes()),
          s.offloadRatio() * 100, s.stalls(),
          s.stallMillis() / 1000.0, seconds(s.startupMillis()), seconds(s.liveLatencyMillis())));
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
    for (Numbered v : viewers) {
      AgentStatsSnapshot s = v.viewer().stats();
      Map<String, Object> agent = new LinkedHashMap<>();
      agent.put("agent", v.number());
      agent.put("cdnBytes", s.cdnBytes());
      agent.put("peerBytes", s.peerBytes());
      agent.put("uploadedBytes", s.uploadedBytes());
      agent.put("offloadRatio", s.offloadRatio());
      agent.put("stalls", s.stalls());
      agent.put("stallMillis", s.stallMillis());
      agent.put("startupMillis", s.startupMillis());
      agent.put("liveLatencyMillis", s.liveLatencyMillis());
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
      stalls += s.stalls();
      stallMillis += s.stallMillis();
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

  /** Closes the viewers, the origin and the tracker, newest first. Idempotent. */
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
    timer.shutdownNow();
  }

  static Demo create(DemoOptions options, PrintStream out) {
    return new Demo(requireNonNull(options, "options"), requireNonNull(out, "out"));
  }

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

  /** {@code peer / (cdn + peer)}, as the stats snapshot computes it. */
  private static double offload(long cdn, long peer) {
    return cdn + peer == 0 ? 0 : (double) peer / (cdn + peer);
  }
}
