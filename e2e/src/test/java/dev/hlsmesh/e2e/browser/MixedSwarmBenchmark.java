package dev.hlsmesh.e2e.browser;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hlsmesh.agent.AgentConfig;
import dev.hlsmesh.agent.SwarmKey;
import dev.hlsmesh.agent.delivery.HlsStream;
import dev.hlsmesh.cdn.CdnConfig;
import dev.hlsmesh.cdn.TaskScheduler;
import dev.hlsmesh.cdn.fetch.CdnFetcher;
import dev.hlsmesh.cdn.hls.MasterPlaylist;
import dev.hlsmesh.cdn.hls.PlaylistLoader;
import dev.hlsmesh.cdn.hls.PlaylistParser;
import dev.hlsmesh.cdn.hls.SwarmStreams;
import dev.hlsmesh.testsupport.LiveHlsOrigin;
import dev.hlsmesh.testsupport.StaticFileServer;
import dev.hlsmesh.tracker.Tracker;
import dev.hlsmesh.tracker.config.TrackerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Mixed-swarm benchmark (not a test; bench/mixed-swarm.sh runs it): B browser viewers (the
 * example page in headless Chromium) and A Java agents watch the live origin through our tracker
 * for D seconds; prints one Markdown row: CDN offload counted at the origin (1 - origin segment
 * bytes / segment bytes all viewers received), and per side stalls, mean startup and mean live
 * latency.
 *
 * <p>Arguments: BROWSERS AGENTS MODE DURATION_SECONDS, MODE = recipe | defaults | off (hls.js
 * alone, the CDN-only baseline).
 */
public final class MixedSwarmBenchmark {
  private MixedSwarmBenchmark() {}

  public static void main(String[] args) throws Exception {
    int browserCount = Integer.parseInt(args[0]);
    int agentCount = Integer.parseInt(args[1]);
    String mode = args[2];
    int durationSeconds = Integer.parseInt(args[3]);
    Path tmp = Files.createTempDirectory("hlsmesh-mixed-bench");
    ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(2);
    List<AutoCloseable> closing = new java.util.concurrent.CopyOnWriteArrayList<>();
    // Interrupted (Ctrl-C, kill): the Chromiums and chromedrivers must not outlive the run.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> closing.forEach(c -> {
      try {
        c.close();
      } catch (Exception | Error e) {
        // best effort at exit
      }
    })));
    try (Tracker tracker = Tracker.start(TrackerConfig.builder().host("127.0.0.1").port(0).build());
        LiveHlsOrigin origin = LiveHlsOrigin.start();
        StaticFileServer pages = BrowserViewer.pageServer()) {
      MasterPlaylist master;
      try (CdnFetcher fetcher = CdnFetcher.create(CdnConfig.defaults())) {
        PlaylistLoader.Loaded loaded = PlaylistLoader.using(fetcher).load(origin.masterPlaylistUri()).get(30, TimeUnit.SECONDS);
        master = PlaylistParser.parseMaster(loaded.uri(), loaded.text());
      }
      HlsStream stream = HlsStream.ofVariant(master.uri(), master.variants().get(0));
      SwarmKey swarm = SwarmKey.ofStreamSwarmId(SwarmStreams.of(master).get(0).streamSwarmId());
      List<AgentViewer> agents = new ArrayList<>();
      for (int i = 0; i < agentCount; i++) {
        AgentViewer agent = AgentViewer.start(AgentConfig.builder(tracker.webSocketUri()).peers(2, 16)
            .belowMinimumAnnounceMillis(1_000).build(), swarm, stream, "360p", origin, TaskScheduler.of(timer), i);
        closing.add(agent);
        agents.add(agent);
      }
      List<BrowserViewer> browsers = new ArrayList<>();
      for (int i = 0; i < browserCount; i++) {
        BrowserViewer browser = BrowserViewer.open("browser-" + i, pages, tmp.resolve("profile-" + i),
            origin.masterPlaylistUri(), tracker.webSocketUri(), Map.of(), mode.equals("recipe") ? null : mode);
        closing.add(browser);
        browsers.add(browser);
      }
      long originAtStart = origin.bytesServedMatching("/live/*/*.ts");
      TimeUnit.SECONDS.sleep(durationSeconds); // a benchmark's measuring period, not a wait for a condition
      long cdn = origin.bytesServedMatching("/live/*/*.ts") - originAtStart;
      long delivered = 0;
      long browserStalls = 0;
      double browserStartup = 0;
      double browserLatency = 0;
      int browsersPlaying = 0;
      for (BrowserViewer browser : browsers) {
        JsonNode r = browser.report();
        delivered += r.path("httpBytes").asLong();
        for (Iterator<JsonNode> it = r.path("fromPeers").elements(); it.hasNext(); ) {
          delivered += it.next().asLong();
        }
        browserStalls += r.path("stalls").asLong();
        if (r.path("startupMillis").asLong() >= 0) {
          browsersPlaying++;
          browserStartup += r.path("startupMillis").asLong() / 1000.0;
          browserLatency += r.path("latencySum").asDouble() / Math.max(1, r.path("latencySamples").asInt());
        }
      }
      long agentStalls = 0;
      double agentStartup = 0;
      double agentLatency = 0;
      for (AgentViewer agent : agents) {
        delivered += agent.peerBytes() + agent.cdnBytes();
        agentStalls += agent.playerStats().stalls();
        agentStartup += agent.playerStats().startupMillis() / 1000.0;
        agentLatency += agent.playerStats().liveLatencyMillis() / 1000.0;
      }
      // The origin counted from the first viewer on; viewers counted all they received.
      double offload = delivered == 0 ? 0 : 100.0 * (1 - (double) (cdn + originAtStart) / delivered);
      System.out.printf("| %d + %d | %s | %.1f %% | %d / %d | %s | %s | %s | %s | %d of %d |%n",
          browserCount, agentCount, mode, offload, browserStalls, agentStalls,
          mean(browserStartup, browsersPlaying), agentCount == 0 ? "-" : mean(agentStartup, agentCount),
          mean(browserLatency, browsersPlaying), agentCount == 0 ? "-" : mean(agentLatency, agentCount),
          browsersPlaying, browserCount);
    } finally {
      for (int i = closing.size() - 1; i >= 0; i--) {
        try {
          closing.get(i).close();
        } catch (Exception e) {
          System.err.println("closing: " + e);
        }
      }
      closing.clear();
      timer.shutdownNow();
    }
    System.exit(0);
  }

  private static String mean(double sum, int count) {
    return count == 0 ? "-" : String.format("%.1f s", sum / count);
  }
}
