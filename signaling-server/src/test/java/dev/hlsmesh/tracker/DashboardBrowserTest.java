package dev.hlsmesh.tracker;

import static dev.hlsmesh.tracker.TrackerTesting.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hlsmesh.protocol.tracker.Announce;
import dev.hlsmesh.protocol.tracker.AnnounceResponse;
import dev.hlsmesh.protocol.tracker.BinaryId;
import dev.hlsmesh.protocol.tracker.ViewerReport;
import dev.hlsmesh.testsupport.ChromeDriver;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard page in real headless Chromium against a real tracker whose clients send viewer
 * reports over WebSocket: the page shows their swarm with its viewer count and offload, keeps
 * updating, and draws the chart. A screenshot is kept as a build artifact in
 * {@code target/dashboard-screenshot.png}.
 */
class DashboardBrowserTest {
  private static final BinaryId SWARM = BinaryId.ofAscii("dashboard-swarm-0001");
  private static final BinaryId OTHER = BinaryId.ofAscii("dashboard-swarm-0002");
  private static final Duration PAGE_TIMEOUT = Duration.ofSeconds(90);
  private static final Path SCREENSHOT = Path.of("target", "dashboard-screenshot.png");

  /** The swarm's card as the page shows it, or null while it is not there. */
  private static final String READ_CARD = """
      const card = document.querySelector('section.swarm[data-info-hash="%s"]');
      if (!card) return null;
      return {
        name: card.querySelector('.name').textContent,
        viewers: card.querySelector('.viewers .value').textContent,
        offload: card.querySelector('.offload .value').textContent,
        chartMarks: card.querySelectorAll('svg.chart polyline, svg.chart circle').length,
        updates: Number(document.body.dataset.updates || 0)
      };""";

  @Test
  void dashboardShowsTheSwarmWithItsViewersAndLiveOffload(@TempDir Path tmp) throws Exception {
    ChromeDriver.skipReason().ifPresent(reason -> assumeTrue(false, reason));
    try (Tracker tracker = Tracker.start(config().build());
        TestPeer a = TestPeer.connect(tracker, "a");
        TestPeer b = TestPeer.connect(tracker, "b");
        TestPeer c = TestPeer.connect(tracker, "c")) {
      a.announce(SWARM, List.of());
      b.announce(SWARM, List.of());
      c.announce(OTHER, List.of());
      report(a, SWARM, new ViewerReport(100_000, 300_000, 50_000, 0, 0, 1));
      report(b, SWARM, new ViewerReport(100_000, 500_000, 70_000, 0, 0, 1));
      URI page = URI.create("http://127.0.0.1:" + tracker.port() + "/dashboard");
      String readCard = READ_CARD.formatted(SWARM.toHex());

      try (ChromeDriver chrome = ChromeDriver.start(tmp.resolve("chromium-profile"), 1280, 900)) {
        chrome.open(page);

        // (100k + 500k) of (200k + 800k) received from peers: 80 %.
        JsonNode card = awaitCard(chrome, readCard, "80.0 %");
        assertThat(card.get("name").asText()).isEqualTo("dashboard-swarm-0001");
        assertThat(card.get("viewers").asText()).isEqualTo("2");
        assertThat(card.get("chartMarks").asInt()).isPositive();

        // The page polls: a new report shows up without reloading.
        report(b, SWARM, new ViewerReport(100_000, 1_500_000, 90_000, 1, 400, 1));
        // (300k + 1500k) of 2000k: 90 %.
        awaitCard(chrome, readCard, "90.0 %");
        JsonNode other = chrome.execute(READ_CARD.formatted(OTHER.toHex()));
        assertThat(other.get("viewers").asText()).isEqualTo("1");
        assertThat(other.get("offload").asText()).isEqualTo("–");

        byte[] png = chrome.screenshot();
        assertThat(png).startsWith(0x89, 'P', 'N', 'G');
        Files.createDirectories(SCREENSHOT.getParent());
        Files.write(SCREENSHOT, png);
      }
    }
  }

  private static void report(TestPeer peer, BinaryId swarm, ViewerReport report) {
    peer.send(Announce.reportOnly(swarm, peer.peerId, report));
    peer.next(AnnounceResponse.class);
  }

  private static JsonNode awaitCard(ChromeDriver chrome, String readCard, String offload) {
    JsonNode[] seen = new JsonNode[1];
    await().atMost(PAGE_TIMEOUT).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
      seen[0] = chrome.execute(readCard);
      assertThat(seen[0].isNull()).as("the swarm's card is on the page").isFalse();
      assertThat(seen[0].get("offload").asText()).isEqualTo(offload);
    });
    return seen[0];
  }
}
