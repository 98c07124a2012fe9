package dev.hlsmesh.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hlsmesh.agent.stats.AgentEvent;
import dev.hlsmesh.agent.stats.SegmentSourceKind;
import dev.hlsmesh.agent.store.InMemorySegmentStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Viewer reports ({@code x_hlsmesh}, docs/protocol.md): their shape on the wire (scripted
 * tracker) and their arrival at our real tracker.
 */
class ViewerReportsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration BOUND = Duration.ofSeconds(60);
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  private <T extends AutoCloseable> T own(T closeable) {
    closeables.add(closeable);
    return closeable;
  }

  private Agent agent(URI tracker, long reportIntervalMillis, long seed) {
    AgentConfig config = AgentConfig.builder(tracker)
        .maxOffersPerAnnounce(1)
        .belowMinimumAnnounceMillis(600_000) // regular announces only when the test wants them
        .reportIntervalMillis(reportIntervalMillis)
        .build();
    return own(Agent.start(config, new InMemorySegmentStore(1 << 20, Duration.ofMinutes(1), Clock.systemUTC()),
        new Random(seed)));
  }

  @Test
  void everyAnnounceCarriesTheReportAndReportOnlyAnnouncesFollowEveryInterval() throws Exception {
    ScriptedTracker tracker = own(new ScriptedTracker());
    Agent agent = agent(tracker.url(), 200, 1);
    agent.stats().recordReceived(SegmentSourceKind.CDN, 77); // before the join: not this peer id's
    SwarmKey swarm = SwarmKey.ofHex("7777777777777777777777777777777777777777");
    String peerId = agent.join(swarm);

    JsonNode started = next(tracker, m -> true);
    assertThat(started.path("event").asText()).isEqualTo("started");
    assertThat(started.path("x_hlsmesh")).isEqualTo(JSON.readTree(
        "{\"v\":1,\"cdn\":0,\"p2p\":0,\"up\":0,\"stalls\":0,\"stall_ms\":0,\"peers\":0}"));

    agent.stats().recordReceived(SegmentSourceKind.CDN, 1_000);
    agent.stats().recordReceived(SegmentSourceKind.PEER, 3_000);
    agent.stats().recordUploaded(500);
    agent.stats().recordStall(250);
    // Recorded last: a report showing it shows all of the above (a report may fall between two of them).
    JsonNode report = next(tracker, m -> m.path("x_hlsmesh").path("stall_ms").asLong() == 250);
    assertThat(report.path("action").asText()).isEqualTo("announce");
    assertThat(report.path("peer_id").asText()).isEqualTo(peerId);
    assertThat(report.path("info_hash").asText())
        .isEqualTo(new String(swarm.infoHash(), StandardCharsets.ISO_8859_1));
    assertThat(report.has("event")).as("a report-only announce is a periodic update").isFalse();
    assertThat(report.path("numwant").asInt(-1)).isZero();
    assertThat(report.path("offers").size()).isZero();
    assertThat(report.path("x_hlsmesh")).isEqualTo(JSON.readTree(
        "{\"v\":1,\"cdn\":1000,\"p2p\":3000,\"up\":500,\"stalls\":1,\"stall_ms\":250,\"peers\":0}"));

    agent.leave(swarm);
    JsonNode stopped = next(tracker, m -> m.has("event"));
    assertThat(stopped.path("event").asText()).isEqualTo("stopped");
    assertThat(stopped.path("x_hlsmesh").path("p2p").asLong()).isEqualTo(3_000);
  }

  @Test
  void withReportsOffNoAnnounceCarriesOne() throws Exception {
    ScriptedTracker tracker = own(new ScriptedTracker());
    Agent agent = agent(tracker.url(), 0, 2);
    SwarmKey swarm = SwarmKey.ofHex("8888888888888888888888888888888888888888");
    agent.join(swarm);
    List<JsonNode> seen = new ArrayList<>();
    JsonNode started = next(tracker, m -> seen.add(m) && m.has("event"));
    assertThat(started.path("event").asText()).isEqualTo("started");
    agent.stats().recordReceived(SegmentSourceKind.PEER, 3_000);
    agent.leave(swarm);
    JsonNode stopped = next(tracker, m -> seen.add(m) && m.has("event"));
    assertThat(stopped.path("event").asText()).isEqualTo("stopped");
    assertThat(seen).noneMatch(m -> m.has("x_hlsmesh"));
    assertThat(agent.reportsSent()).isZero();
  }

  @Test
  void trackerRefusalsAndLostConnectionsBecomeFailureEvents() throws Exception {
    ScriptedTracker tracker = own(new ScriptedTracker());
    Agent agent = agent(tracker.url(), 0, 5);
    List<AgentEvent> events = new CopyOnWriteArrayList<>();
    agent.addEventListener(events::add);
    agent.join(SwarmKey.ofHex("6666666666666666666666666666666666666666"));
    next(tracker, m -> m.has("event"));

    tracker.send("{\"failure reason\":\"invalid info_hash\"}");
    tracker.dropConnection();
    await().atMost(BOUND).until(() -> events.stream().filter(AgentEvent.Failure.class::isInstance).count() == 2);
    assertThat(events).filteredOn(AgentEvent.Failure.class::isInstance).map(e -> (AgentEvent.Failure) e)
        .allSatisfy(f -> assertThat(f.kind()).isEqualTo(AgentEvent.FailureKind.TRACKER))
        .extracting(AgentEvent.Failure::message)
        .containsExactly("tracker " + tracker.url() + " refused a request: invalid info_hash",
            "tracker " + tracker.url() + " disconnected (connection closed), reconnecting");
  }

  @Test
  void ourTrackersSwarmAnalyticsShowTheReportsOfTwoConnectedAgents() throws Exception {
    TestTracker tracker = own(TestTracker.start());
    SwarmKey swarm = SwarmKey.ofHex("9999999999999999999999999999999999999999");
    Agent a = agent(tracker.url(), 100, 3);
    Agent b = agent(tracker.url(), 100, 4);
    String aId = a.join(swarm);
    b.join(swarm);
    await().atMost(BOUND).until(() -> b.connectedPeers(swarm).contains(aId) && a.connectedPeers(swarm).size() == 1);
    a.stats().recordReceived(SegmentSourceKind.CDN, 1_000);
    a.stats().recordReceived(SegmentSourceKind.PEER, 300);
    a.stats().recordUploaded(50);
    b.stats().recordReceived(SegmentSourceKind.CDN, 2_000);
    b.stats().recordReceived(SegmentSourceKind.PEER, 700);
    b.stats().recordStall(120);

    // The tracker's swarm analytics sum the latest report of each viewer.
    JsonNode expected = JSON.readTree("{\"cdnBytes\":3000,\"p2pBytes\":1000,\"uploadedBytes\":50,\"stalls\":1,"
        + "\"stallMillis\":120,\"peers\":2,\"offload\":0.25}");
    await().atMost(BOUND).until(() -> expected.equals(swarmNow(tracker, swarm)));
    assertThat(a.reportsSent()).isPositive();
    assertThat(b.reportsSent()).isPositive();
    JsonNode stats = trackerStats(tracker);
    assertThat(stats.path("rejections").path("invalid_report").asLong()).as("every report decoded").isZero();
    assertThat(stats.path("rejections").path("invalid_message").asLong()).isZero();
    assertThat(a.trackerConnected() && b.trackerConnected()).isTrue();
    assertThat(b.connectedPeers(swarm)).as("report-only announces disturb no connection").contains(aId);
  }

  private static JsonNode trackerStats(TestTracker tracker) throws Exception {
    return trackerGet(tracker, "/stats");
  }

  /** The swarm's {@code now} figures in the tracker's {@code /swarms}, or null when not listed. */
  private static JsonNode swarmNow(TestTracker tracker, SwarmKey swarm) throws Exception {
    for (JsonNode listed : trackerGet(tracker, "/swarms").path("swarms")) {
      if (listed.path("infoHash").asText().equalsIgnoreCase(swarm.toString())) {
        return listed.path("now");
      }
    }
    return null;
  }

  private static JsonNode trackerGet(TestTracker tracker, String path) throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + tracker.port() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(response.body());
  }

  private static JsonNode next(ScriptedTracker tracker, Predicate<JsonNode> wanted) throws Exception {
    while (true) {
      JsonNode message = JSON.readTree(tracker.next());
      if (wanted.test(message)) {
        return message;
      }
    }
  }
}
