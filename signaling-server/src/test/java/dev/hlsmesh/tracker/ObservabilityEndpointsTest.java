package dev.hlsmesh.tracker;

import static dev.hlsmesh.tracker.TrackerTesting.config;
import static dev.hlsmesh.tracker.TrackerTesting.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hlsmesh.protocol.tracker.Announce;
import dev.hlsmesh.protocol.tracker.AnnounceResponse;
import dev.hlsmesh.protocol.tracker.BinaryId;
import dev.hlsmesh.protocol.tracker.RelayedAnswer;
import dev.hlsmesh.protocol.tracker.RelayedOffer;
import dev.hlsmesh.protocol.tracker.ViewerReport;
import dev.hlsmesh.testsupport.ManualClock;
import dev.hlsmesh.tracker.stats.TrackerStats;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code /metrics}, {@code /healthz}, {@code /readyz} and {@code /swarms} of a real tracker. */
class ObservabilityEndpointsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final BinaryId SWARM = BinaryId.ofAscii("observed-swarm-00001");
  private static final BinaryId SMALL = BinaryId.ofAscii("observed-swarm-00002");

  private static JsonNode json(HttpResponse<String> response) {
    try {
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + response.body(), e);
    }
  }

  /** The value of one sample line, e.g. {@code name{a="b"} 3.0}; fails if absent. */
  private static double sample(String metrics, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(metrics);
    assertThat(m.find()).as("series %s in:%n%s", series, metrics).isTrue();
    return Double.parseDouble(m.group(1));
  }

  @Test
  void metricsCountConnectionsSwarmsMessagesRelaysAndRejections() {
    try (Tracker tracker = Tracker.start(config().build());
        TestPeer a = TestPeer.connect(tracker, "a");
        TestPeer b = TestPeer.connect(tracker, "b");
        TestPeer c = TestPeer.connect(tracker, "c")) {
      a.announce(SWARM, List.of());
      b.announce(SWARM, List.of());
      c.announce(SMALL, List.of());
      b.announce(SWARM, null, TestPeer.offers(1));
      RelayedOffer offer = a.next(RelayedOffer.class);
      a.answer(offer, "v=0 answer");
      b.next(RelayedAnswer.class);
      a.ws.send("{\"action\":\"nope\"}");
      a.next();
      c.send(Announce.of(SWARM, c.peerId, null, TestPeer.offers(11)));
      c.next();
      c.assertNothingElseReceived();

      // Relays are counted after the hand-off to the receiver's event loop, and their latency on
      // write completion there: the receiver may hold the message before either is counted.
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        HttpResponse<String> response = get(tracker, "/metrics");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(
            type -> assertThat(type).startsWith("text/plain; version=0.0.4"));
        String metrics = response.body();
        assertThat(sample(metrics, "hlsmesh_tracker_connections")).isEqualTo(3);
        assertThat(sample(metrics, "hlsmesh_tracker_swarms")).isEqualTo(2);
        assertThat(sample(metrics, "hlsmesh_tracker_peers")).isEqualTo(3);
        assertThat(sample(metrics, "hlsmesh_tracker_swarm_size_bucket{le=\"1.0\"}")).isEqualTo(1);
        assertThat(sample(metrics, "hlsmesh_tracker_swarm_size_bucket{le=\"2.0\"}")).isEqualTo(2);
        assertThat(sample(metrics, "hlsmesh_tracker_swarm_size_bucket{le=\"+Inf\"}")).isEqualTo(2);
        assertThat(sample(metrics, "hlsmesh_tracker_swarm_size_count")).isEqualTo(2);
        assertThat(sample(metrics, "hlsmesh_tracker_swarm_size_sum")).isEqualTo(3);
        // 5 announces (one refused for its 11 offers), 1 answer, 1 scrape (the barrier).
        assertThat(sample(metrics,
            "hlsmesh_tracker_messages_total{result=\"ok\",type=\"announce\"}")).isEqualTo(4);
        assertThat(sample(metrics,
            "hlsmesh_tracker_messages_total{result=\"rejected\",type=\"announce\"}")).isEqualTo(1);
        assertThat(sample(metrics,
            "hlsmesh_tracker_messages_total{result=\"ok\",type=\"answer\"}")).isEqualTo(1);
        assertThat(sample(metrics,
            "hlsmesh_tracker_messages_total{result=\"ok\",type=\"scrape\"}")).isEqualTo(1);
        assertThat(sample(metrics,
            "hlsmesh_tracker_messages_total{result=\"rejected\",type=\"invalid\"}")).isEqualTo(1);
        assertThat(sample(metrics, "hlsmesh_tracker_relayed_total{type=\"offer\"}")).isEqualTo(1);
        assertThat(sample(metrics, "hlsmesh_tracker_relayed_total{type=\"answer\"}")).isEqualTo(1);
        assertThat(sample(metrics, "hlsmesh_tracker_relay_latency_seconds_count")).isEqualTo(2);
        assertThat(sample(metrics,
            "hlsmesh_tracker_rejections_total{reason=\"too_many_offers\"}")).isEqualTo(1);
        assertThat(sample(metrics,
            "hlsmesh_tracker_rejections_total{reason=\"invalid_message\"}")).isEqualTo(1);
        assertThat(sample(metrics,
            "hlsmesh_tracker_rejections_total{reason=\"invalid_report\"}")).isZero();
        // Every rejection reason is exported, the token ones also as token failures.
        for (TrackerStats.Rejection reason : TrackerStats.Rejection.values()) {
          sample(metrics, "hlsmesh_tracker_rejections_total{reason=\"" + reason.key() + "\"}");
          if (reason.key().startsWith("token_")) {
            assertThat(sample(metrics, "hlsmesh_tracker_token_failures_total{reason=\""
                + reason.key() + "\"}")).isZero();
          }
        }
        assertThat(metrics).contains("jvm_memory_used_bytes{area=\"heap\"}");
        assertThat(metrics).contains("jvm_threads_current");
      });
    }
  }

  @Test
  void metricsSumTheViewerReportsForTheOffloadExpression() {
    try (Tracker tracker = Tracker.start(config().build());
        TestPeer a = TestPeer.connect(tracker, "a")) {
      a.announce(SWARM, List.of());
      a.send(Announce.reportOnly(SWARM, a.peerId, new ViewerReport(100, 300, 40, 1, 1500, 1)));
      a.next(AnnounceResponse.class);
      a.send(Announce.reportOnly(SWARM, a.peerId, new ViewerReport(200, 700, 90, 2, 2500, 2)));
      a.next(AnnounceResponse.class);

      String metrics = get(tracker, "/metrics").body();

      assertThat(sample(metrics, "hlsmesh_tracker_viewer_reports_total")).isEqualTo(2);
      assertThat(sample(metrics,
          "hlsmesh_tracker_viewer_received_bytes_total{source=\"cdn\"}")).isEqualTo(200);
      assertThat(sample(metrics,
          "hlsmesh_tracker_viewer_received_bytes_total{source=\"p2p\"}")).isEqualTo(700);
      assertThat(sample(metrics, "hlsmesh_tracker_viewer_uploaded_bytes_total")).isEqualTo(90);
      assertThat(sample(metrics, "hlsmesh_tracker_viewer_stalls_total")).isEqualTo(2);
      assertThat(sample(metrics, "hlsmesh_tracker_viewer_stall_seconds_total")).isEqualTo(2.5);
    }
  }

  @Test
  void healthzAnswersWhenEveryEventLoopRunsAndReadyzWhileServing() {
    Tracker tracker = Tracker.start(config().ioThreads(2).build());
    try {
      HttpResponse<String> healthz = get(tracker, "/healthz");
      assertThat(healthz.statusCode()).isEqualTo(200);
      // One acceptor loop and two I/O loops answered.
      assertThat(json(healthz).get("eventLoops").asInt()).isEqualTo(3);
      HttpResponse<String> readyz = get(tracker, "/readyz");
      assertThat(readyz.statusCode()).isEqualTo(200);
      assertThat(json(readyz).get("status").asText()).isEqualTo("ready");
      // The old endpoints keep working.
      assertThat(get(tracker, "/health").statusCode()).isEqualTo(200);
      assertThat(TrackerTesting.stats(tracker).get("connections").asInt()).isZero();
      assertThat(get(tracker, "/nowhere").body()).contains("/metrics", "/swarms", "/dashboard");
    } finally {
      tracker.close();
    }
  }

  @Test
  void swarmsListsViewersReportsAndTheOffloadSeriesAndForgetsPeersThatLeave() {
    ManualClock clock = new ManualClock();
    try (Tracker tracker = Tracker.start(config().build(), clock);
        TestPeer a = TestPeer.connect(tracker, "a");
        TestPeer b = TestPeer.connect(tracker, "b");
        TestPeer c = TestPeer.connect(tracker, "c")) {
      a.announce(SWARM, List.of());
      b.announce(SWARM, List.of());
      c.announce(SMALL, List.of());
      a.send(Announce.reportOnly(SWARM, a.peerId, new ViewerReport(100, 300, 10, 1, 700, 1)));
      a.next(AnnounceResponse.class);
      clock.advance(Duration.ofSeconds(10));
      b.send(Announce.reportOnly(SWARM, b.peerId, new ViewerReport(100, 500, 20, 0, 0, 1)));
      b.next(AnnounceResponse.class);

      JsonNode body = json(get(tracker, "/swarms"));

      assertThat(body.get("timeMillis").asLong()).isEqualTo(clock.millis());
      assertThat(body.get("bucketSeconds").asInt()).isEqualTo(10);
      assertThat(body.get("swarmCount").asInt()).isEqualTo(2);
      assertThat(body.get("peerCount").asInt()).isEqualTo(3);
      JsonNode swarms = body.get("swarms");
      assertThat(swarms).hasSize(2);
      JsonNode big = swarms.get(0);
      assertThat(big.get("infoHash").asText()).isEqualTo(SWARM.toHex());
      assertThat(big.get("name").asText()).isEqualTo("observed-swarm-00001");
      assertThat(big.get("viewers").asInt()).isEqualTo(2);
      assertThat(big.get("reporting").asInt()).isEqualTo(2);
      assertThat(big.get("now").get("cdnBytes").asLong()).isEqualTo(200);
      assertThat(big.get("now").get("p2pBytes").asLong()).isEqualTo(800);
      assertThat(big.get("now").get("uploadedBytes").asLong()).isEqualTo(30);
      assertThat(big.get("now").get("stalls").asLong()).isEqualTo(1);
      assertThat(big.get("now").get("stallMillis").asLong()).isEqualTo(700);
      assertThat(big.get("now").get("offload").asDouble()).isEqualTo(0.8);
      JsonNode series = big.get("series");
      assertThat(series).hasSize(2);
      assertThat(series.get(0).get("offload").asDouble()).isEqualTo(0.75);
      assertThat(series.get(1).get("offload").asDouble()).isEqualTo(0.8333);
      assertThat(series.get(1).get("startMillis").asLong() - series.get(0).get("startMillis")
          .asLong()).isEqualTo(10_000);
      JsonNode small = swarms.get(1);
      assertThat(small.get("viewers").asInt()).isEqualTo(1);
      assertThat(small.get("reporting").asInt()).isZero();
      assertThat(small.get("now").get("offload").isNull()).isTrue();
      assertThat(small.get("series")).isEmpty();
      assertThat(json(get(tracker, "/swarms?limit=1")).get("swarms")).hasSize(1);

      a.ws.close(); // a leaves: its connection closes

      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        JsonNode left = json(get(tracker, "/swarms")).get("swarms").get(0);
        assertThat(left.get("viewers").asInt()).isEqualTo(1);
        assertThat(left.get("reporting").asInt()).isEqualTo(1);
        assertThat(left.get("now").get("p2pBytes").asLong()).isEqualTo(500);
        assertThat(left.get("total").get("p2pBytes").asLong()).isEqualTo(800);
      });
    }
  }

  @Test
  void swarmsRefusesABadLimit() {
    try (Tracker tracker = Tracker.start(config().build())) {
      for (String limit : List.of("0", "1001", "x", "99999999999")) {
        HttpResponse<String> response = get(tracker, "/swarms?limit=" + limit);
        assertThat(response.statusCode()).as(limit).isEqualTo(400);
        assertThat(response.body()).startsWith("limit: expected 1..1000, got ");
      }
    }
  }
}
