package dev.hlsmesh.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hlsmesh.agent.store.InMemorySegmentStore;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Several tracker URLs, used as p2p-media-loader uses its {@code announceTrackers}: every swarm
 * is announced on every tracker with the same peer id, and a tracker going away does not stop
 * the others.
 */
class MultiTrackerTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void everySwarmIsAnnouncedOnEveryTrackerAndALostTrackerDoesNotStopTheOthers() throws Exception {
    ScriptedTracker first = new ScriptedTracker();
    boolean firstClosed = false;
    try (ScriptedTracker second = new ScriptedTracker()) {
      AgentConfig config = AgentConfig.builder(List.of(first.url(), second.url()))
          .maxOffersPerAnnounce(1)
          .belowMinimumAnnounceMillis(600_000)
          .trackerReconnectMillis(100, 1_000)
          .build();
      assertThat(config.trackerUrls()).containsExactly(first.url(), second.url());
      Agent agent = Agent.start(config,
          new InMemorySegmentStore(1 << 20, Duration.ofMinutes(1), Clock.systemUTC()), new Random(3));
      try {
        SwarmKey swarm = SwarmKey.ofStreamSwarmId("https://cdn.example/live/master.m3u8-V-multi");
        String infoHash = new String(swarm.infoHash(), StandardCharsets.ISO_8859_1);
        String peerId = agent.join(swarm);
        for (ScriptedTracker tracker : List.of(first, second)) {
          JsonNode started = JSON.readTree(tracker.next());
          assertThat(started.path("event").asText()).isEqualTo("started");
          assertThat(started.path("info_hash").asText()).isEqualTo(infoHash);
          assertThat(started.path("peer_id").asText()).isEqualTo(peerId);
          assertThat(started.path("offers")).hasSize(1);
        }

        first.close();
        firstClosed = true;
        agent.leave(swarm);
        JsonNode stopped = JSON.readTree(second.next());
        while (!stopped.has("event")) {
          stopped = JSON.readTree(second.next());
        }
        assertThat(stopped.path("event").asText()).isEqualTo("stopped");
        assertThat(stopped.path("peer_id").asText()).isEqualTo(peerId);
      } finally {
        agent.close();
      }
    } finally {
      if (!firstClosed) {
        first.close();
      }
    }
  }

  @Test
  void trackerUrlsMustBeWebSocketUrlsAndDistinct() {
    URI a = URI.create("ws://127.0.0.1:1/");
    assertThatThrownBy(() -> AgentConfig.builder(List.of(a, URI.create("http://x/"), a)).build())
        .hasMessageContaining("agent.moreTrackerUrls: http://x/ (expected: ws://host[:port][/path] or wss://...)")
        .hasMessageContaining("agent.moreTrackerUrls: ws://127.0.0.1:1/ appears twice (expected: distinct URLs)");
    assertThatThrownBy(() -> AgentConfig.builder(List.of()))
        .hasMessageContaining("trackerUrls: empty");
    assertThat(AgentConfig.builder(a).build().trackerUrls()).containsExactly(a);
  }
}
