package dev.hlsmesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hlsmesh.agent.AgentConfig;
import dev.hlsmesh.agent.SwarmKey;
import dev.hlsmesh.agent.Viewer;
import dev.hlsmesh.agent.ViewerConfig;
import dev.hlsmesh.agent.proxy.ProxySettings;
import dev.hlsmesh.agent.stats.AgentEvent;
import dev.hlsmesh.agent.store.StoreSettings;
import dev.hlsmesh.cdn.hls.MasterPlaylist;
import dev.hlsmesh.cdn.hls.PlaylistParser;
import dev.hlsmesh.cdn.hls.SwarmStream;
import dev.hlsmesh.cdn.hls.SwarmStreams;
import dev.hlsmesh.protocol.tracker.BinaryId;
import dev.hlsmesh.protocol.tracker.ScrapeResponse;
import dev.hlsmesh.protocol.tracker.Scrape;
import dev.hlsmesh.protocol.tracker.ServerMessage;
import dev.hlsmesh.protocol.tracker.TrackerCodec;
import dev.hlsmesh.testsupport.LiveHlsOrigin;
import dev.hlsmesh.testsupport.WebSocketTestClient;
import dev.hlsmesh.tracker.Tracker;
import dev.hlsmesh.tracker.config.TrackerConfig;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bitrate switch moves the agent between swarms (issue 5 item 2, PROTOCOL.md B: one swarm per
 * variant): a real tracker on port 0, the live test origin on real time, and a viewer (the
 * embedding facade) behind its local HLS proxy, played by HTTP requests like a player's (and by
 * ffprobe). The agent's swarm membership is read at the tracker with a scrape, and a second agent already in the new
 * variant's swarm is connected to once the player switches.
 */
class VariantSwitchE2ETest {
  /** Short, so the test sees the old swarm left within seconds. */
  private static final long SHORT_GRACE_MILLIS = 3_000;
  private static final Duration BOUND = Duration.ofSeconds(60);

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final TrackerCodec codec = new TrackerCodec();
  private final List<AutoCloseable> resources = new ArrayList<>();
  private Tracker tracker;
  private LiveHlsOrigin origin;
  private MasterPlaylist master;
  private SwarmKey lowSwarm;
  private SwarmKey highSwarm;
  private BinaryId lowInfoHash;
  private BinaryId highInfoHash;
  private Viewer viewer;
  private WebSocketTestClient scraper;

  @TempDir
  Path temp;

  @BeforeEach
  void start() throws Exception {
    tracker = own(Tracker.start(TrackerConfig.builder().host("127.0.0.1").port(0).build()));
    origin = own(LiveHlsOrigin.start());
    master = PlaylistParser.parseMaster(origin.masterPlaylistUri(), origin.clip().masterPlaylist());
    List<SwarmStream> streams = SwarmStreams.of(master);
    lowSwarm = SwarmKey.ofStreamSwarmId(streamOf(streams, "360p").streamSwarmId());
    highSwarm = SwarmKey.ofStreamSwarmId(streamOf(streams, "240p").streamSwarmId());
    lowInfoHash = BinaryId.ofAscii(streamOf(streams, "360p").infoHash());
    highInfoHash = BinaryId.ofAscii(streamOf(streams, "240p").infoHash());
    scraper = own(WebSocketTestClient.connect(tracker.webSocketUri()));
  }

  /** The viewer under test: its proxy serves each swarm through a hybrid scheduler of its own. */
  private void startProxy(long leaveGraceMillis) {
    viewer = startViewer(leaveGraceMillis);
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = resources.size() - 1; i >= 0; i--) {
      resources.get(i).close();
    }
  }

  private <T extends AutoCloseable> T own(T resource) {
    resources.add(resource);
    return resource;
  }

  private static SwarmStream streamOf(List<SwarmStream> streams, String variant) {
    return streams.stream().filter(s -> s.playlistUri().getPath().endsWith("/" + variant + "/index.m3u8"))
        .findFirst().orElseThrow();
  }

  private Viewer startViewer(long leaveGraceMillis) {
    ViewerConfig config = ViewerConfig.builder(AgentConfig.builder(tracker.webSocketUri()).peers(1, 8)
        .belowMinimumAnnounceMillis(1_000).trackerReconnectMillis(100, 1_000).build())
        .proxy(ProxySettings.defaults().withSwarmLeaveGraceMillis(leaveGraceMillis))
        .store(new StoreSettings(16L << 20, 60_000))
        .build();
    return own(Viewer.start(config, origin.masterPlaylistUri()));
  }

  /** Peers the tracker lists in a swarm, by a scrape. */
  private int peersAtTracker(SwarmKey swarm) throws Exception {
    BinaryId infoHash = swarm.equals(lowSwarm) ? lowInfoHash : highInfoHash;
    scraper.send(codec.encode(new Scrape(List.of(infoHash))));
    ServerMessage answer = codec.decodeServer(scraper.nextText());
    assertThat(answer).isInstanceOf(ScrapeResponse.class);
    ScrapeResponse.Stats stats = ((ScrapeResponse) answer).files().get(infoHash);
    return stats.complete() + stats.incomplete();
  }

  private String get(String path) throws Exception {
    return get(viewer, path);
  }

  private String get(Viewer through, String path) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(through.playlistUri().resolve(path)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("GET " + path + ": " + response.body()).isEqualTo(200);
    return response.body();
  }

  /**
   * What a player on stream {@code index} (variant {@code variant}) does once per poll: reload
   * its playlist and load the newest segment, which must be the origin's bytes.
   */
  private void playOnce(int index, String variant) throws Exception {
    String playlist = get("/stream/" + index + "/index.m3u8");
    String newest = playlist.lines().filter(line -> line.startsWith("/stream/")).reduce((a, b) -> b).orElseThrow();
    long msn = Long.parseLong(newest.substring(newest.lastIndexOf('/') + 1, newest.lastIndexOf('.')));
    HttpResponse<byte[]> segment = http.send(HttpRequest.newBuilder(viewer.playlistUri().resolve(newest)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(segment.statusCode()).isEqualTo(200);
    assertThat(segment.body()).as("segment " + msn + " of " + variant).isEqualTo(origin.segmentBytes(variant, msn));
  }

  /** The proxy offers the master's variants as streams 0, 1, ... in the master's order. */
  private int streamIndex(String variant) {
    for (int i = 0; i < master.variants().size(); i++) {
      if (master.variants().get(i).uri().getPath().endsWith("/" + variant + "/index.m3u8")) {
        return i;
      }
    }
    throw new AssertionError("no variant " + variant + " in " + master.variants());
  }

  @Test
  void theAgentsSwarmAtTheTrackerFollowsTheVariantThePlayerRequests() throws Exception {
    startProxy(SHORT_GRACE_MILLIS);
    List<AgentEvent> events = new CopyOnWriteArrayList<>();
    viewer.addEventListener(events::add);
    // A viewer already on the 240p variant: its player asked for that variant's playlist.
    Viewer other = startViewer(SHORT_GRACE_MILLIS);
    get(other, "/playlist.m3u8");
    get(other, "/stream/" + streamIndex("240p") + "/index.m3u8");
    String otherPeer = other.peerId(highSwarm).orElseThrow();
    get("/playlist.m3u8");
    int low = streamIndex("360p");
    int high = streamIndex("240p");

    playOnce(low, "360p");
    await().atMost(BOUND).untilAsserted(() -> {
      assertThat(peersAtTracker(lowSwarm)).as("peers in the 360p swarm").isEqualTo(1);
      assertThat(peersAtTracker(highSwarm)).as("peers in the 240p swarm").isEqualTo(1);
    });
    assertThat(viewer.peerId(lowSwarm)).isPresent();
    assertThat(viewer.peerId(highSwarm)).isEmpty();

    // The player switches to 240p and stays there; it keeps loading like a player (once a second).
    await().atMost(BOUND).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
      playOnce(high, "240p");
      assertThat(peersAtTracker(lowSwarm)).as("peers in the 360p swarm").isZero();
      assertThat(peersAtTracker(highSwarm)).as("peers in the 240p swarm").isEqualTo(2);
    });
    assertThat(viewer.peerId(lowSwarm)).as("left the 360p swarm").isEmpty();
    await().atMost(BOUND).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
      playOnce(high, "240p");
      assertThat(events).as("connected to the 240p viewer").anyMatch(e -> e instanceof AgentEvent.PeerConnected c
          && c.swarm().equals(highSwarm) && c.peerId().equals(otherPeer));
    });

    // Back to 360p: it re-joins that swarm and leaves 240p after the grace.
    await().atMost(BOUND).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
      playOnce(low, "360p");
      assertThat(peersAtTracker(lowSwarm)).as("peers in the 360p swarm").isEqualTo(1);
      assertThat(peersAtTracker(highSwarm)).as("peers in the 240p swarm").isEqualTo(1);
    });
  }

  @Test
  void aPlayerFlippingBetweenVariantsWithinTheGraceStaysInBothSwarms() throws Exception {
    startProxy(60_000); // far more than any flip below takes, even on a loaded machine
    get("/playlist.m3u8");
    int low = streamIndex("360p");
    int high = streamIndex("240p");
    playOnce(low, "360p");
    String lowPeerId = viewer.peerId(lowSwarm).orElseThrow();
    playOnce(high, "240p");
    String highPeerId = viewer.peerId(highSwarm).orElseThrow();
    // Flip back and forth: every switch comes well within the grace of the previous one.
    for (int i = 0; i < 4; i++) {
      playOnce(low, "360p");
      playOnce(high, "240p");
    }
    assertThat(viewer.peerId(lowSwarm)).as("same membership, never left").contains(lowPeerId);
    assertThat(viewer.peerId(highSwarm)).as("same membership, never left").contains(highPeerId);
    // Each membership reaches the tracker once its first announce (with offers) is ready.
    await().atMost(BOUND).untilAsserted(() -> {
      assertThat(peersAtTracker(lowSwarm)).isEqualTo(1);
      assertThat(peersAtTracker(highSwarm)).isEqualTo(1);
    });
    assertThat(viewer.peerId(lowSwarm)).contains(lowPeerId);
    assertThat(viewer.peerId(highSwarm)).contains(highPeerId);
  }

  @Test
  void ffprobeReadsTheStreamThroughAProxyThatMovesItsAgentBetweenSwarms() throws Exception {
    assumeTrue(onPath("ffprobe"), "ffprobe not installed (run bin/setup): skipped");
    startProxy(ProxySettings.defaults().swarmLeaveGraceMillis());
    File out = temp.resolve("stdout").toFile();
    File err = temp.resolve("stderr").toFile();
    Process process = new ProcessBuilder("ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of",
        "csv=p=0", viewer.playlistUri().toString()).redirectOutput(out).redirectError(err).start();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("ffprobe did not finish within 120 s");
    }
    String stderr = Files.readString(err.toPath(), StandardCharsets.UTF_8);
    assertThat(stderr).as("ffprobe errors").isEmpty();
    assertThat(process.exitValue()).isZero();
    assertThat(Files.readString(out.toPath(), StandardCharsets.UTF_8).lines().map(String::strip).toList())
        .contains("h264", "aac");
    // ffprobe opens every variant: the agent joined both swarms.
    assertThat(viewer.peerId(lowSwarm)).isPresent();
    assertThat(viewer.peerId(highSwarm)).isPresent();
  }

  private static boolean onPath(String program) {
    String path = System.getenv("PATH");
    return path != null && List.of(path.split(File.pathSeparator)).stream()
        .anyMatch(dir -> Files.isExecutable(Path.of(dir, program)));
  }
}
