package dev.hlsmesh.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hlsmesh.agent.store.InMemorySegmentStore;
import dev.hlsmesh.testsupport.ReferenceTracker;
import java.time.Clock;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Agents find each other through the reference bittorrent-tracker, not only through ours. */
class ReferenceTrackerInteropTest {
  private static ReferenceTracker tracker;

  @BeforeAll
  static void startTracker() throws Exception {
    var reason = ReferenceTracker.unavailableReason();
    assumeTrue(reason.isEmpty(), () -> "reference bittorrent-tracker skipped: " + reason.orElse(""));
    tracker = ReferenceTracker.start();
  }

  @AfterAll
  static void stopTracker() throws Exception {
    if (tracker != null) {
      tracker.close();
    }
  }

  @Test
  void twoAgentsConnectThroughBittorrentTrackerAndTransferASegment() throws Exception {
    // Frequent viewer reports (x_hlsmesh, report-only announces): bittorrent-tracker must ignore them harmlessly.
    AgentConfig config = AgentConfig.builder(tracker.url()).belowMinimumAnnounceMillis(1_000)
        .reportIntervalMillis(100).build();
    SwarmKey swarm = SwarmKey.ofHex("0123456789abcdef0123456789abcdef01234567");
    InMemorySegmentStore seederStore = new InMemorySegmentStore(1L << 20, Duration.ofMinutes(1), Clock.systemUTC());
    byte[] segment = new byte[100_000];
    new Random(3).nextBytes(segment);
    seederStore.put(swarm, 7L, segment);
    InMemorySegmentStore leecherStore = new InMemorySegmentStore(1L << 20, Duration.ofMinutes(1), Clock.systemUTC());
    try (Agent seeder = Agent.start(config, seederStore, new Random(1));
        Agent leecher = Agent.start(config, leecherStore, new Random(2))) {
      String seederId = seeder.join(swarm);
      String leecherId = leecher.join(swarm);
      await().atMost(Duration.ofSeconds(60)).until(() -> leecher.connectedPeers(swarm).contains(seederId)
          && seeder.connectedPeers(swarm).contains(leecherId));
      assertThat(leecher.fetch(swarm, seederId, 7L).get(30, TimeUnit.SECONDS)).isEqualTo(segment);
      long seederReports = seeder.reportsSent();
      await().atMost(Duration.ofSeconds(60)).until(() -> seeder.reportsSent() >= seederReports + 5
          && leecher.reportsSent() >= 5);
      assertThat(seeder.trackerConnected() && leecher.trackerConnected()).as("the tracker kept both sockets").isTrue();
      assertThat(leecher.connectedPeers(swarm)).containsExactly(seederId);
    }
  }
}
