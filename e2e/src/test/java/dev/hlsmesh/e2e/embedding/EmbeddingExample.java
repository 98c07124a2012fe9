package dev.hlsmesh.e2e.embedding;

import dev.hlsmesh.agent.Viewer;
import dev.hlsmesh.agent.ViewerConfig;
import dev.hlsmesh.agent.stats.AgentEvent;
import dev.hlsmesh.agent.stats.AgentStatsSnapshot;
import dev.hlsmesh.tracker.Tracker;
import dev.hlsmesh.tracker.config.TrackerConfig;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * docs/embedding.md's example, whole: a tracker embedded, two viewers from one YAML file, ffmpeg
 * playing through each viewer's proxy, stats and events read, everything closed.
 */
public final class EmbeddingExample {

  /** What the example saw: each viewer's figures, the first one's events (still arriving), ffmpeg's exits. */
  public record Result(List<AgentStatsSnapshot> stats, List<AgentEvent> events, List<Integer> ffmpegExitCodes) {
  }

  public static Result run(URI playlist, Path viewerYaml) throws Exception {
    // 1. The tracker (a platform usually runs it on its own: bin/tracker tracker.yaml).
    try (Tracker tracker = Tracker.start(TrackerConfig.builder().host("127.0.0.1").port(0).build())) {

      // 2. Two viewers from one YAML file; the tracker's URL comes from the environment, as an
      //    operator sets it per host (ViewerConfig.load(file) reads the process environment).
      ViewerConfig config = ViewerConfig.load(viewerYaml,
          Map.of(ViewerConfig.ENV_TRACKER_URL, tracker.webSocketUri().toString()));
      try (Viewer first = Viewer.start(config, playlist);
          Viewer second = Viewer.start(config, playlist)) {

        // 3. Events: here, kept and counted; an application sends them to its analytics.
        List<AgentEvent> events = new CopyOnWriteArrayList<>();
        CountDownLatch peered = new CountDownLatch(1);
        first.addEventListener(event -> {
          events.add(event);
          if (event instanceof AgentEvent.PeerConnected) {
            peered.countDown();
          }
        });

        // 4. Optional: join the stream's swarm before playback, so peers are there at once.
        first.connect();
        second.connect();
        peered.await(30, TimeUnit.SECONDS);

        // 5. Any HLS player plays through a viewer's local proxy: here ffmpeg, 6 s of each.
        Process one = ffmpeg(first.playlistUri());
        Process two = ffmpeg(second.playlistUri());
        int exitOne = one.waitFor(120, TimeUnit.SECONDS) ? one.exitValue() : -1;
        int exitTwo = two.waitFor(120, TimeUnit.SECONDS) ? two.exitValue() : -1;

        // 6. The figures: bytes from the CDN and from peers, offload, startup, latency, peers.
        for (Viewer viewer : List.of(first, second)) {
          AgentStatsSnapshot s = viewer.stats();
          System.out.printf("%s: offload %.0f%%, startup %d ms, latency %d ms, %d peers%n",
              viewer.playlistUri(), s.offloadRatio() * 100, s.startupMillis(), s.liveLatencyMillis(),
              s.connectedPeers());
        }
        return new Result(List.of(first.stats(), second.stats()), events, List.of(exitOne, exitTwo));
      } // 7. Closing a viewer closes all it made: proxy, schedulers, agent (leaving the swarms), CDN client.
    }
  }

  private static Process ffmpeg(URI playlist) throws java.io.IOException {
    return new ProcessBuilder("ffmpeg", "-nostdin", "-v", "error", "-i", playlist.toString(), "-t", "6",
        "-f", "null", "-").inheritIO().start();
  }

  private EmbeddingExample() {
  }
}
