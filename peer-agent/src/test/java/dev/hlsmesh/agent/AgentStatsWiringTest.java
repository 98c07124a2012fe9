package dev.hlsmesh.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hlsmesh.agent.stats.AgentEvent;
import dev.hlsmesh.agent.stats.AgentStatsListener;
import dev.hlsmesh.agent.store.InMemorySegmentStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a whole agent records in its own {@link Agent#stats()}: uploaded bytes, the connected-peer
 * gauge, and peer connected / closed events. Real WebRTC through a real tracker on port 0.
 */
class AgentStatsWiringTest {
  private static final Duration BOUND = Duration.ofSeconds(60);
  private TestTracker tracker;
  private Agent seeder;
  private Agent leecher;

  @BeforeEach
  void start() {
    tracker = TestTracker.start();
  }

  @AfterEach
  void stop() {
    for (Agent agent : new Agent[] {seeder, leecher}) {
      if (agent != null) {
        agent.close();
      }
    }
    tracker.close();
  }

  private Agent agent(long seed, InMemorySegmentStore store) {
    AgentConfig config = AgentConfig.builder(tracker.url())
        .peers(1, 4)
        .belowMinimumAnnounceMillis(1_000)
        .build();
    return Agent.start(config, store, new Random(seed));
  }

  @Test
  void uploadsPeerCountAndPeerEventsReachTheAgentsStats() throws Exception {
    SwarmKey swarm = SwarmKey.ofHex("5555555555555555555555555555555555555555");
    InMemorySegmentStore seederStore = new InMemorySegmentStore(64L << 20, Duration.ofMinutes(5), Clock.systemUTC());
    seeder = agent(31, seederStore);
    leecher = agent(32, new InMemorySegmentStore(64L << 20, Duration.ofMinutes(5), Clock.systemUTC()));
    List<AgentEvent> leecherEvents = new CopyOnWriteArrayList<>();
    leecher.addEventListener(leecherEvents::add);
    AtomicLong toldUploaded = new AtomicLong();
    seeder.stats().addListener(new AgentStatsListener() {
      @Override
      public void onUploaded(long bytes) {
        toldUploaded.addAndGet(bytes);
      }
    });

    String seederId = seeder.join(swarm);
    String leecherId = leecher.join(swarm);
    await().atMost(BOUND).until(() -> leecher.connectedPeers(swarm).contains(seederId)
        && seeder.connectedPeers(swarm).contains(leecherId));
    byte[] segment = new byte[300_000];
    new Random(5).nextBytes(segment);
    seederStore.put(swarm, 1, segment);
    await().atMost(BOUND).until(() -> leecher.announcedSegments(swarm, seederId).contains(1L));
    assertThat(leecher.fetch(swarm, seederId, 1).get(60, TimeUnit.SECONDS)).isEqualTo(segment);

    // Bytes handed to the link are counted; a resumed transfer would count its resent bytes too.
    // The seeder counts on its own thread, which may lag the leecher's receipt of the last byte.
    await().atMost(BOUND).untilAsserted(() -> {
      assertThat(seeder.stats().uploadedBytes()).isGreaterThanOrEqualTo(segment.length);
      assertThat(seeder.stats().uploadedBytes()).isEqualTo(seeder.uploadedBytes());
      assertThat(toldUploaded.get()).isEqualTo(seeder.stats().uploadedBytes());
      assertThat(new ObjectMapper().readTree(seeder.stats().toJson()).get("uploadedBytes").asLong())
          .isEqualTo(seeder.uploadedBytes());
    });
    assertThat(leecher.stats().uploadedBytes()).isZero();
    assertThat(seeder.stats().snapshot().connectedPeers()).isEqualTo(1);
    await().atMost(BOUND).until(() -> leecherEvents.stream().anyMatch(e -> e instanceof AgentEvent.PeerConnected
        connected && connected.swarm().equals(swarm) && connected.peerId().equals(seederId)));

    seeder.leave(swarm);
    await().atMost(BOUND).until(() -> leecherEvents.stream().anyMatch(e -> e instanceof AgentEvent.PeerClosed closed
        && closed.swarm().equals(swarm) && closed.peerId().equals(seederId)));
    await().atMost(BOUND).until(() -> leecher.stats().snapshot().connectedPeers() == 0);
    await().atMost(BOUND).until(() -> seeder.stats().snapshot().connectedPeers() == 0);
  }
}
