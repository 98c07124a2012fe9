package dev.hlsmesh.e2e.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hlsmesh.agent.stats.AgentEvent;
import dev.hlsmesh.agent.stats.AgentStatsSnapshot;
import dev.hlsmesh.testsupport.LiveHlsOrigin;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * docs/embedding.md cannot go stale: its code blocks are these files, and the example runs here
 * against the live test origin (standing in for the platform's CDN) with real WebRTC and ffmpeg.
 */
class EmbeddingExampleTest {
  private static final Path EXAMPLE = Path.of("src/test/java/dev/hlsmesh/e2e/embedding/EmbeddingExample.java");
  private static final Path YAML = Path.of("src/test/resources/embedding/viewer.yaml");
  private static final Path DOC = Path.of("../docs/embedding.md");

  @Test
  void theGuideShowsTheExampleAndItsYamlExactlyAsTheyAreRunHere() throws Exception {
    String doc = Files.readString(DOC, StandardCharsets.UTF_8);
    assertThat(doc).as("docs/embedding.md holds the example's YAML verbatim")
        .contains("```yaml\n" + Files.readString(YAML, StandardCharsets.UTF_8) + "```");
    assertThat(doc).as("docs/embedding.md holds EmbeddingExample.java verbatim")
        .contains("```java\n" + Files.readString(EXAMPLE, StandardCharsets.UTF_8) + "```");
  }

  @Test
  void theExamplePlaysThroughTwoViewersFromYamlAndReadsTheirStatsAndEvents() throws Exception {
    assumeTrue(onPath("ffmpeg"), "ffmpeg not installed (run bin/setup): the example's player is missing");
    EmbeddingExample.Result result;
    try (LiveHlsOrigin origin = LiveHlsOrigin.start()) {
      result = EmbeddingExample.run(origin.masterPlaylistUri(), YAML);
    }
    assertThat(result.ffmpegExitCodes()).as("ffmpeg played 6 s through each viewer").containsExactly(0, 0);
    for (AgentStatsSnapshot stats : result.stats()) {
      assertThat(stats.cdnBytes() + stats.peerBytes()).isPositive();
      assertThat(stats.startupMillis()).as("startup of ffmpeg through the proxy").isNotNegative();
      assertThat(stats.liveLatencyMillis()).as("live latency of ffmpeg through the proxy").isNotNegative();
    }
    List<AgentEvent> events = result.events();
    assertThat(events).as("the viewers met").anyMatch(e -> e instanceof AgentEvent.PeerConnected);
    // Events reach listeners on their own thread: the last ones may still be on their way.
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(events).as("segments delivered").anyMatch(e -> e instanceof AgentEvent.SegmentLoaded));
  }

  private static boolean onPath(String program) {
    String path = System.getenv("PATH");
    return path != null && List.of(path.split(File.pathSeparator)).stream()
        .anyMatch(dir -> Files.isExecutable(Path.of(dir, program)));
  }
}
