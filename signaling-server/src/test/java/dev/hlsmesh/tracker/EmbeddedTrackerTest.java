package dev.hlsmesh.tracker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hlsmesh.protocol.tracker.BinaryId;
import dev.hlsmesh.testsupport.WebSocketTestClient;
import dev.hlsmesh.tracker.config.TrackerConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedTrackerTest {
  private static final BinaryId SWARM = BinaryId.ofAscii("D2L6qLdcAO0vh07WoiT4");

  @Test
  void portZeroPicksAFreePortAndCloseStopsServing() {
    Tracker tracker = Tracker.start(TrackerConfig.builder().host("127.0.0.1").port(0).build());
    int port = tracker.port();
    assertThat(port).isPositive();
    assertThat(tracker.webSocketUri().toString()).isEqualTo("ws://127.0.0.1:" + port + "/");
    TestPeer peer = TestPeer.connect(tracker, "p");
    assertThat(peer.announce(SWARM, List.of()).incomplete()).isEqualTo(1);

    tracker.close();

    assertThat(peer.ws.awaitClose())
        .isEqualTo(new WebSocketTestClient.Close(1001, "tracker shutting down"));
    assertThatThrownBy(() -> TrackerTesting.get(tracker, "/health"))
        .isInstanceOf(UncheckedIOException.class).hasCauseInstanceOf(ConnectException.class);
    tracker.close();
  }

  @Test
  void twoTrackersOnPortZeroGetDifferentPorts() {
    TrackerConfig config = TrackerConfig.builder().host("127.0.0.1").port(0).build();
    try (Tracker a = Tracker.start(config); Tracker b = Tracker.start(config)) {
      assertThat(a.port()).isNotEqualTo(b.port());
    }
  }

  @Test
  void aTakenPortFailsWithAClearMessage() {
    try (Tracker first = Tracker.start(TrackerConfig.builder().host("127.0.0.1").port(0).build())) {
      TrackerConfig same = TrackerConfig.builder().host("127.0.0.1").port(first.port()).build();
      assertThatThrownBy(() -> Tracker.start(same))
          .isInstanceOf(UncheckedIOException.class)
          .hasMessageStartingWith("cannot listen on 127.0.0.1:" + first.port());
    }
  }

  @Test
  void healthAndStatsAreServedOnTheSamePort() {
    try (Tracker tracker = Tracker.start(TrackerTesting.config().build());
        TestPeer peer = TestPeer.connect(tracker, "p")) {
      peer.announce(SWARM, List.of());
      peer.send(new dev.hlsmesh.protocol.tracker.Scrape(List.of()));
      peer.next();

      HttpResponse<String> health = TrackerTesting.get(tracker, "/health");
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(health.body()).isEqualTo("{\"status\":\"serving\"}");
      JsonNode stats = TrackerTesting.stats(tracker);
      assertThat(stats.get("connections").asInt()).isEqualTo(1);
      assertThat(stats.get("swarms").asInt()).isEqualTo(1);
      assertThat(stats.get("peers").asInt()).isEqualTo(1);
      assertThat(stats.get("messages").get("announce").asInt()).isEqualTo(1);
      assertThat(stats.get("messages").get("scrape").asInt()).isEqualTo(1);
      assertThat(stats.get("rejections").get("full_scrape").asInt()).isEqualTo(1);
      assertThat(TrackerTesting.get(tracker, "/nope").statusCode()).isEqualTo(404);
    }
  }

  @Test
  void mainExitsWithStatus2AndEveryProblemOnABadConfig(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("bad.yaml");
    Files.writeString(file, "tracker:\n  port: -1\n  maxNumwant: 99\n  colour: blue\n");
    ByteArrayOutputStream err = new ByteArrayOutputStream();

    int status = TrackerMain.run(new String[] {file.toString()},
        new PrintStream(err, true, StandardCharsets.UTF_8));

    assertThat(status).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("tracker.port: -1 (expected: 0..65535)")
        .contains("tracker.maxNumwant: 99 (expected: 1..50)")
        .contains("tracker.colour: unknown key");
  }

  @Test
  void mainExitsWithStatus1WhenThePortIsTaken(@TempDir Path dir) throws Exception {
    try (Tracker first = Tracker.start(TrackerConfig.builder().host("127.0.0.1").port(0).build())) {
      Path file = dir.resolve("taken.yaml");
      Files.writeString(file, "tracker:\n  host: 127.0.0.1\n  port: " + first.port() + "\n");
      ByteArrayOutputStream err = new ByteArrayOutputStream();

      int status = TrackerMain.run(new String[] {"--config", file.toString()},
          new PrintStream(err, true, StandardCharsets.UTF_8));

      assertThat(status).isEqualTo(1);
      assertThat(err.toString(StandardCharsets.UTF_8)).contains("cannot listen on 127.0.0.1:");
    }
  }
}
