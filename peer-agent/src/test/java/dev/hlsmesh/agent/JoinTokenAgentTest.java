package dev.hlsmesh.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hlsmesh.agent.store.InMemorySegmentStore;
import dev.hlsmesh.protocol.tracker.BinaryId;
import dev.hlsmesh.tracker.Tracker;
import dev.hlsmesh.tracker.access.JoinGrant;
import dev.hlsmesh.tracker.access.JoinTokens;
import dev.hlsmesh.tracker.config.JoinTokenKey;
import dev.hlsmesh.tracker.config.TrackerConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * An agent joins a tracker that requires join tokens with the token in its tracker URL, also when
 * the tracker allows only its web players' origins.
 */
class JoinTokenAgentTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void anAgentWithATokenInItsTrackerUrlJoinsAndOneWithoutIsRefused() throws Exception {
    byte[] secret = new byte[32];
    Arrays.fill(secret, (byte) 7);
    JoinTokenKey key = new JoinTokenKey("k1", secret);
    SwarmKey swarm = SwarmKey.ofStreamSwarmId("https://cdn.example/live/master.m3u8-V-token");
    try (Tracker tracker = Tracker.start(TrackerConfig.builder().host("127.0.0.1").port(0)
        .requireJoinToken(true).joinTokenKeys(List.of(key)).build())) {
      String token = JoinTokens.mint(key, JoinGrant.forSwarms(Set.of(BinaryId.of(swarm.infoHash())),
          Instant.now().plus(Duration.ofHours(1))), Instant.now());
      URI withToken = JoinTokens.withToken(tracker.webSocketUri(), token);
      Agent member = Agent.start(AgentConfig.builder(withToken).build(), store(), new Random(1));
      Agent stranger = Agent.start(AgentConfig.builder(tracker.webSocketUri())
          .trackerReconnectMillis(100, 200).build(), store(), new Random(2));
      try {
        member.join(swarm);
        stranger.join(swarm);

        await().atMost(Duration.ofSeconds(60)).until(() -> stats(tracker).path("peers").asInt() == 1
            && stats(tracker).path("rejections").path("token_missing").asInt() >= 1);
        assertThat(stats(tracker).path("rejections").path("token_swarm_denied").asInt()).isZero();
      } finally {
        member.close();
        stranger.close();
      }
    }
  }

  @Test
  void anAgentIsNotRefusedByATrackerThatAllowsOnlyItsWebPlayersOrigins() throws Exception {
    SwarmKey swarm = SwarmKey.ofStreamSwarmId("https://cdn.example/live/master.m3u8-V-origins");
    try (Tracker tracker = Tracker.start(TrackerConfig.builder().host("127.0.0.1").port(0)
        .allowedOrigins(List.of("https://player.example.com")).build())) {
      Agent agent = Agent.start(AgentConfig.builder(tracker.webSocketUri()).build(), store(), new Random(3));
      try {
        agent.join(swarm);
        await().atMost(Duration.ofSeconds(60)).until(() -> stats(tracker).path("peers").asInt() == 1);
        assertThat(stats(tracker).path("rejections").path("origin_denied").asInt()).isZero();
      } finally {
        agent.close();
      }
    }
  }

  private static InMemorySegmentStore store() {
    return new InMemorySegmentStore(1 << 20, Duration.ofMinutes(1), Clock.systemUTC());
  }

  private static JsonNode stats(Tracker tracker) throws IOException, InterruptedException {
    HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + tracker.port() + "/stats")).build(),
        HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(response.body());
  }
}
