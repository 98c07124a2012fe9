package dev.hlsmesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hlsmesh.agent.Agent;
import dev.hlsmesh.agent.AgentConfig;
import dev.hlsmesh.agent.SwarmKey;
import dev.hlsmesh.agent.delivery.CdnSegmentLoader;
import dev.hlsmesh.agent.proxy.HlsProxy;
import dev.hlsmesh.agent.proxy.ProxySettings;
import dev.hlsmesh.agent.scheduler.HybridSegmentLoader;
import dev.hlsmesh.agent.scheduler.SchedulerSettings;
import dev.hlsmesh.agent.stats.AgentStats;
import dev.hlsmesh.agent.store.InMemorySegmentStore;
import dev.hlsmesh.cdn.CdnConfig;
import dev.hlsmesh.cdn.fetch.CdnFetcher;
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
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bitrate switch moves the agent between swarms (issue 5 item 2, PROTOCOL.md B: one swarm per
 * variant): a real tracker on port 0, the live test origin on real time, and an agent behind its
 * local HLS proxy, played by HTTP requests like a player's (and by ffprobe). The agent's swarm
 * membership is read at the tracker with a scrape, and a second agent already in the new
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
  private CdnFetcher fetcher;
  private SwarmKey lowSwarm;
  private SwarmKey highSwarm;
  private BinaryId lowInfoHash;
  private BinaryId highInfoHash;
  private Agent agent;
  private HlsProxy proxy;
  private WebSocketTestClient scraper;

  @TempDir
  Path temp;

  @BeforeEach
  void start() throws Exception {
    tracker = own(Tracker.start(TrackerConfig.builder().host("127.0.0.1").port(0).build()));
    origin = own(LiveHlsOrigin.start());
    fetcher = own(CdnFetcher.create(CdnConfig.defaults()));
    MasterPlaylist master = PlaylistParser.parseMaster(origin.masterPlaylistUri(), origin.clip().masterPlaylist());
    List<SwarmStream> streams = SwarmStreams.of(master);
    lowSwarm = SwarmKey.ofStreamSwarmId(streamOf(streams, "360p").streamSwarmId());
    highSwarm = SwarmKey.ofStreamSwarmId(streamOf(streams, "240p").streamSwarmId());
    lowInfoHash = BinaryId.ofAscii(streamOf(streams, "360p").infoHash());
    highInfoHash = BinaryId.ofAscii(streamOf(streams, "240p").infoHash());
    scraper = own(WebSocketTestClient.connect(tracker.webSocketUri()));
  }

  /** The agent under test behind its proxy, each swarm served through a hybrid scheduler. */
  private void startProxy(long leaveGraceMillis) {
    agent = startAgent();
    AgentStats stats = new AgentStats();
    InMemorySegmentStore store = new InMemorySegmentStore(64L << 20, Duration.ofMinutes(1), Clock.systemUTC());
    proxy = own(HlsProxy.start(origin.masterPlaylistUri(), fetcher, agent,
        swarm -> new HybridSegmentLoader(swarm, agent.swarmPeers(swarm), store,
            new CdnSegmentLoader(fetcher, stats, 10_000, 16 << 20), stats, SchedulerSettings.defaults(),
            Clock.systemUTC(), new Random(), agent.config().integrity()),
        stats, ProxySettings.defaults().withSwarmLeaveGraceMillis(leaveGraceMillis)));
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

  private Agent startAgent() {
    Agent started = Agent.start(AgentConfig.builder(tracker.webSocketUri()).peers(1, 8)
        .belowMinimumAnnounceMillis(1_000).trackerReconnectMillis(100, 1_000).build(),
        new InMemorySegmentStore(16L << 20, Duration.ofMinutes(1), Clock.systemUTC()));
    resources.add(started);
    return started;
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
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(proxy.playlistUri().resolve(path)).build(),
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
    HttpResponse<byte[]> segment = http.send(HttpRequest.newBuilder(proxy.playlistUri().resolve(newest)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(segment.statusCode()).isEqualTo(200);
    assertThat(segment.body()).as("segment " + msn + " of " + variant).isEqualTo(origin.segmentBytes(variant, msn));
  }

  private int streamIndex(String variant) {
    List<dev.hlsmesh.agent.delivery.HlsStream> streams = proxy.streams();
    for (int i = 0; i < streams.size(); i++) {
      if (streams.get(i).mediaPlaylistUri().getPath().endsWith("/" + variant + "/index.m3u8")) {
        return i;
      }
    }
    throw new AssertionError("no stream " + variant + " in " + streams);
  }

  @Test
  void theAgentsSwarmAtTheTrackerFollowsTheVariantThePlayerRequests() throws Exception {
    startProxy(SHORT_GRACE_MILLIS);
    Agent other = startAgent();
    String otherPeer = other.join(highSwarm); // a viewer already on the 240p variant
    get("/playlist.m3u8");
    int low = streamIndex("360p");
    int high = streamIndex("240p");

    playOnce(low, "360p");
    await().atMost(BOUND).untilAsserted(() -> {
      assertThat(peersAtTracker(lowSwarm)).as("peers in the 360p swarm").isEqualTo(1);
      assertThat(peersAtTracker(highSwarm)).as("peers in the 240p swarm").isEqualTo(1);
    });
    assertThat(agent.peerId(lowSwarm)).isPresent();
    assertThat(agent.peerId(highSwarm)).isEmpty();

    // The player switches to 240p and stays there; it keeps loading like a player (once a second).
    await().atMost(BOUND).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
      playOnce(high, "240p");
      assertThat(peersAtTracker(lowSwarm)).as("peers in the 360p swarm").isZero();
      assertThat(peersAtTracker(highSwarm)).as("peers in the 240p swarm").isEqualTo(2);
    });
    assertThat(agent.peerId(lowSwarm)).as("left the 360p swarm").isEmpty();
    await().atMost(BOUND).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
      playOnce(high, "240p");
      assertThat(agent.connectedPeers(highSwarm)).as("connected to the 240p viewer").contains(otherPeer);
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
    String lowPeerId = agent.peerId(lowSwarm).orElseThrow();
    playOnce(high, "240p");
    String highPeerId = agent.peerId(highSwarm).orElseThrow();
    // Flip back and forth: every switch comes well within the grace of the previous one.
    for (int i = 0; i < 4; i++) {
      playOnce(low, "360p");
      playOnce(high, "240p");
    }
    assertThat(agent.peerId(lowSwarm)).as("same membership, never left").contains(lowPeerId);
    assertThat(agent.peerId(highSwarm)).as("same membership, never left").contains(highPeerId);
    // Each membership reaches the tracker once its first announce (with offers) is ready.
    await().atMost(BOUND).untilAsserted(() -> {
      assertThat(peersAtTracker(lowSwarm)).isEqualTo(1);
      assertThat(peersAtTracker(highSwarm)).isEqualTo(1);
    });
    assertThat(agent.peerId(lowSwarm)).contains(lowPeerId);
    assertThat(agent.peerId(highSwarm)).contains(highPeerId);
  }

  @Test
  void ffprobeReadsTheStreamThroughAProxyThatMovesItsAgentBetweenSwarms() throws Exception {
    assumeTrue(onPath("ffprobe"), "ffprobe not installed (run bin/setup): skipped");
    startProxy(ProxySettings.defaults().swarmLeaveGraceMillis());
    File out = temp.resolve("stdout").toFile();
    File err = temp.resolve("stderr").toFile();
    Process process = new ProcessBuilder("ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of",
        "csv=p=0", proxy.playlistUri().toString()).redirectOutput(out).redirectError(err).start();
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
    assertThat(agent.peerId(lowSwarm)).isPresent();
    assertThat(agent.peerId(highSwarm)).isPresent();
  }

  private static boolean onPath(String program) {
    String path = System.getenv("PATH");
    return path != null && List.of(path.split(File.pathSeparator)).stream()
        .anyMatch(dir -> Files.isExecutable(Path.of(dir, program)));
  }
}
