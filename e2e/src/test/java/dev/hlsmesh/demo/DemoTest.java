package dev.hlsmesh.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The demo end to end in this JVM: built-in tracker and origin, two agents, real WebRTC and HTTP. */
class DemoTest {

  @Test
  void runsTwoAgentsThatPlayTheLiveStreamAndEndsWithAJsonSummary() throws Exception {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);
    // The duration is a bound: the test ends the demo as soon as both players have played a
    // while, so a loaded machine makes it slower, not red.
    try (Demo demo = Demo.create(DemoOptions.parse("--agents", "2", "--duration", "300", "--report", "1"), out)) {
      CompletableFuture<Void> running = CompletableFuture.runAsync(() -> {
        try {
          demo.run();
        } catch (Exception e) {
          throw new CompletionException(e);
        }
      });
      await().atMost(Duration.ofSeconds(120)).until(() -> running.isDone() || (demo.viewerStats().size() == 2
          && demo.viewerStats().stream().allMatch(s -> s.cdnSegments() + s.peerSegments() >= 2)));
      demo.finish();
      running.get(60, TimeUnit.SECONDS);
    }
    String output = buffer.toString(StandardCharsets.UTF_8);
    List<String> lines = output.lines().toList();

    assertThat(lines.get(0)).startsWith("hlsmesh demo: 2 agents, stream http://127.0.0.1:");
    assertThat(lines.get(1)).matches("Play through agent 1: ffplay http://127\\.0\\.0\\.1:\\d+/playlist\\.m3u8 .*");
    assertThat(output).contains("agent  peers    cdn MiB   peer MiB     up MiB");
    JsonNode summary = new ObjectMapper().readTree(lines.get(lines.size() - 1));
    assertThat(summary.get("agents")).hasSize(2);
    for (JsonNode agent : summary.get("agents")) {
      assertThat(agent.get("startupMillis").asLong()).as("agent %s played", agent.get("agent")).isNotNegative();
      assertThat(agent.get("cdnBytes").asLong()).isPositive();
      assertThat(agent.get("peerBytes").asLong()).isNotNegative();
    }
    JsonNode total = summary.get("total");
    assertThat(total.get("cdnBytes").asLong())
        .isEqualTo(summary.get("agents").get(0).get("cdnBytes").asLong() + summary.get("agents").get(1).get("cdnBytes").asLong());
    // Every byte one agent received from a peer was uploaded by the other (uploads may count resent bytes).
    assertThat(total.get("uploadedBytes").asLong()).isGreaterThanOrEqualTo(total.get("peerBytes").asLong());
    assertThat(total.get("unverifiedPeerSegments").asLong()).as("the demo origin signs sidecars").isZero();
    assertThat(total.get("validationFailures").asLong()).isZero();
    assertThat(total.get("originSegmentBytes").asLong()).as("counted at the origin")
        .isGreaterThanOrEqualTo(total.get("cdnBytes").asLong());
  }
}
