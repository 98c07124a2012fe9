package dev.hlsmesh.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hlsmesh.agent.store.InMemorySegmentStore;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Random;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent's tracker client on the wire, against a scripted tracker: what it sends
 * (PROTOCOL.md A.3) and how it survives what a tracker may send back (A.4), including bad input.
 */
class TrackerClientWireTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String REMOTE_PEER = "-XX0100-remotepeer01";
  private static final String OFFER_ID = "ABCDEFGHIJKLMNOPQRST";

  private ScriptedTracker tracker;
  private Agent agent;

  @BeforeEach
  void start() throws Exception {
    tracker = new ScriptedTracker();
    AgentConfig config = AgentConfig.builder(tracker.url())
        .maxOffersPerAnnounce(2)
        .belowMinimumAnnounceMillis(600_000) // no periodic announces in the middle of the script
        .trackerReconnectMillis(100, 1_000)
        .build();
    agent = Agent.start(config, new InMemorySegmentStore(1 << 20, Duration.ofMinutes(1), Clock.systemUTC()),
        new Random(9));
  }

  @AfterEach
  void stop() {
    agent.close();
    tracker.close();
  }

  @Test
  void announcesAnswersSurvivesBadInputReconnectsAndSaysStopped() throws Exception {
    SwarmKey swarm = SwarmKey.ofStreamSwarmId("https://cdn.example/live/master.m3u8-V-wire");
    String infoHash = new String(swarm.infoHash(), StandardCharsets.ISO_8859_1);
    String peerId = agent.join(swarm);
    assertThat(peerId).hasSize(20).startsWith("-JV0100-").matches("[ -~]{20}");

    JsonNode started = next(m -> true);
    assertThat(started.path("action").asText()).isEqualTo("announce");
    assertThat(started.path("event").asText()).isEqualTo("started");
    assertThat(started.path("info_hash").asText()).isEqualTo(infoHash);
    assertThat(started.path("peer_id").asText()).isEqualTo(peerId);
    assertThat(started.path("offers")).hasSize(2);
    for (JsonNode offer : started.path("offers")) {
      assertThat(offer.path("offer_id").asText()).hasSize(20);
      assertThat(offer.path("offer").path("type").asText()).isEqualTo("offer");
      assertThat(offer.path("offer").path("sdp").asText()).contains("a=candidate").contains("webrtc-datachannel");
    }

    // Bad input from the tracker is logged and ignored; the socket stays up.
    tracker.send("this is not json");
    tracker.send("{\"action\":\"bogus\"}");
    tracker.send("{\"failure reason\":\"invalid info_hash\"}");
    tracker.send(json("action", "announce", "info_hash", infoHash, "interval", 120, "complete", 0, "incomplete", 1));
    tracker.send(json("action", "announce", "info_hash", infoHash, "peer_id", REMOTE_PEER,
        "offer_id", "unknown-offer-id-001", "answer", JSON.createObjectNode().put("type", "answer").put("sdp", "v=0")));

    // A relayed offer is answered with to_peer_id and the echoed offer_id.
    String offerSdp = started.path("offers").get(0).path("offer").path("sdp").asText();
    tracker.send(json("action", "announce", "info_hash", infoHash, "peer_id", REMOTE_PEER, "offer_id", OFFER_ID,
        "offer", JSON.createObjectNode().put("type", "offer").put("sdp", offerSdp)));
    JsonNode answer = next(m -> m.has("answer"));
    assertThat(answer.path("info_hash").asText()).isEqualTo(infoHash);
    assertThat(answer.path("peer_id").asText()).isEqualTo(peerId);
    assertThat(answer.path("to_peer_id").asText()).isEqualTo(REMOTE_PEER);
    assertThat(answer.path("offer_id").asText()).isEqualTo(OFFER_ID);
    assertThat(answer.path("answer").path("type").asText()).isEqualTo("answer");
    assertThat(answer.path("answer").path("sdp").asText()).contains("a=candidate");
    assertThat(tracker.connections.get()).as("still the first connection").isEqualTo(1);

    // A lost connection is re-established and the swarm re-announced without an event.
    tracker.dropConnection();
    await().atMost(Duration.ofSeconds(30)).until(() -> tracker.connections.get() == 2);
    JsonNode reannounce = next(m -> m.has("offers") || m.has("event"));
    assertThat(reannounce.has("event")).isFalse();
    assertThat(reannounce.path("peer_id").asText()).isEqualTo(peerId);

    agent.leave(swarm);
    JsonNode stopped = next(m -> m.has("event"));
    assertThat(stopped.path("event").asText()).isEqualTo("stopped");
    assertThat(stopped.path("info_hash").asText()).isEqualTo(infoHash);
    assertThat(stopped.has("offers")).isFalse();
  }

  private JsonNode next(Predicate<JsonNode> wanted) throws Exception {
    while (true) {
      JsonNode message = JSON.readTree(tracker.next());
      if (wanted.test(message)) {
        return message;
      }
    }
  }

  private static String json(Object... keyValues) throws Exception {
    ObjectNode node = JSON.createObjectNode();
    for (int i = 0; i < keyValues.length; i += 2) {
      node.set((String) keyValues[i], JSON.valueToTree(keyValues[i + 1]));
    }
    return JSON.writeValueAsString(node);
  }
}
