package dev.hlsmesh.tracker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hlsmesh.protocol.tracker.AnnounceResponse;
import dev.hlsmesh.protocol.tracker.BinaryId;
import dev.hlsmesh.protocol.tracker.Offer;
import dev.hlsmesh.protocol.tracker.RelayedAnswer;
import dev.hlsmesh.protocol.tracker.RelayedOffer;
import dev.hlsmesh.protocol.tracker.ScrapeResponse;
import dev.hlsmesh.testsupport.RedisServer;
import dev.hlsmesh.tracker.config.ClusterConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Cluster mode with a real redis-server (started here on a free port) and three tracker nodes in
 * this JVM: cross-node offers and answers, cluster-wide counts, Redis down and back. The fault
 * tests with separate processes are in {@code ClusterFaultIT}.
 */
class ClusterTest {
  private static final Duration BOUND = Duration.ofSeconds(60);
  private static final int HEARTBEAT_MILLIS = 1_000;
  private static final AtomicInteger PREFIXES = new AtomicInteger();
  private static RedisServer redis;

  private final List<AutoCloseable> closeables = new ArrayList<>();

  @BeforeAll
  static void startRedis() {
    redis = RedisServer.start();
  }

  @AfterAll
  static void stopRedis() {
    if (redis != null) {
      redis.close();
    }
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  private <T extends AutoCloseable> T closing(T closeable) {
    closeables.add(closeable);
    return closeable;
  }

  private List<Tracker> startNodes(int count) {
    String prefix = "test" + PREFIXES.incrementAndGet() + "-" + ProcessHandle.current().pid();
    List<Tracker> nodes = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ClusterConfig cluster = ClusterConfig.of(redis.uri()).withNodeId("n" + i)
          .withCommandTimeoutMillis(800).withHeartbeatMillis(HEARTBEAT_MILLIS)
          .withKeyPrefix(prefix);
      nodes.add(closing(Tracker.start(TrackerTesting.config().cluster(cluster).build())));
    }
    return nodes;
  }

  private static int clusterPeers(Tracker node) {
    return TrackerTesting.stats(node).path("peers").asInt();
  }

  @Test
  void anAnnounceOnOneNodeReachesPeersOfTheOthersAndTheirAnswersComeBack() {
    List<Tracker> nodes = startNodes(3);
    BinaryId swarm = BinaryId.ofAscii("cluster-swarm-000001");
    TestPeer onB = closing(TestPeer.connect(nodes.get(1), "b"));
    TestPeer onC = closing(TestPeer.connect(nodes.get(2), "c"));
    onB.announce(swarm, List.of());
    onC.announce(swarm, List.of());
    await().atMost(BOUND).until(() -> clusterPeers(nodes.get(0)) == 2);

    TestPeer onA = closing(TestPeer.connect(nodes.get(0), "a"));
    List<Offer> offers = TestPeer.offers(2);
    AnnounceResponse response = onA.announce(swarm, offers);
    assertThat(response.incomplete()).isEqualTo(3);
    assertThat(response.complete()).isZero();

    Set<BinaryId> offerIds = new HashSet<>();
    for (TestPeer receiver : List.of(onB, onC)) {
      RelayedOffer offer = receiver.next(RelayedOffer.class);
      assertThat(offer.peerId()).isEqualTo(onA.peerId);
      assertThat(offer.infoHash()).isEqualTo(swarm);
      Offer sent = offers.stream().filter(o -> o.offerId().equals(offer.offerId())).findFirst()
          .orElseThrow();
      assertThat(offer.sdp()).isEqualTo(sent.sdp());
      offerIds.add(offer.offerId());
      receiver.answer(offer, "v=0\r\nanswer from " + receiver.peerId.toHex() + "\r\n");
    }
    assertThat(offerIds).hasSize(2);
    Set<BinaryId> answerers = new HashSet<>();
    for (int i = 0; i < 2; i++) {
      RelayedAnswer answer = onA.next(RelayedAnswer.class);
      assertThat(answer.sdp()).isEqualTo("v=0\r\nanswer from " + answer.peerId().toHex()
          + "\r\n");
      assertThat(offerIds).contains(answer.offerId());
      answerers.add(answer.peerId());
    }
    assertThat(answerers).containsExactlyInAnyOrder(onB.peerId, onC.peerId);

    // Counts are the cluster's: a scrape on C sees the three peers, /stats everything.
    await().atMost(BOUND).until(() -> onC.scrape(swarm).incomplete() == 3);
    await().atMost(BOUND).untilAsserted(() -> {
      var stats = TrackerTesting.stats(nodes.get(1));
      assertThat(stats.path("peers").asInt()).isEqualTo(3);
      assertThat(stats.path("swarms").asInt()).isEqualTo(1);
      assertThat(stats.path("cluster").path("nodes").asInt()).isEqualTo(3);
      assertThat(stats.path("messages").path("announce").asLong()).isEqualTo(3);
      assertThat(stats.path("messages").path("offer_relayed").asLong()).isEqualTo(2);
    });

    // An answer is accepted once: the same answer again is an unknown offer.
    onA.close();
    await().atMost(BOUND).until(() -> clusterPeers(nodes.get(1)) == 2);
    ScrapeResponse.Stats after = onB.scrape(swarm);
    assertThat(after.incomplete()).isEqualTo(2);
  }

  @Test
  void aStoppedNodeIsForgottenAndItsSwarmsLeaveTheCounts() {
    List<Tracker> nodes = startNodes(2);
    BinaryId swarm = BinaryId.ofAscii("cluster-swarm-000002");
    TestPeer onA = closing(TestPeer.connect(nodes.get(0), "a"));
    TestPeer onB = closing(TestPeer.connect(nodes.get(1), "b"));
    onA.announce(swarm, List.of());
    onB.announce(swarm, List.of());
    await().atMost(BOUND).until(() -> clusterPeers(nodes.get(0)) == 2);
    nodes.get(1).close();
    await().atMost(BOUND).untilAsserted(() -> {
      var stats = TrackerTesting.stats(nodes.get(0));
      assertThat(stats.path("peers").asInt()).isEqualTo(1);
      assertThat(stats.path("cluster").path("nodes").asInt()).isEqualTo(1);
    });
    assertThat(onA.scrape(swarm).incomplete()).isEqualTo(1);
  }

  @Test
  void withRedisDownEachNodeServesItsOwnSwarmsAndMergesBackWhenItReturns() {
    List<Tracker> nodes = startNodes(2);
    Tracker a = nodes.get(0);
    Tracker b = nodes.get(1);
    BinaryId swarm = BinaryId.ofAscii("cluster-swarm-000003");
    TestPeer a1 = closing(TestPeer.connect(a, "a1"));
    TestPeer b1 = closing(TestPeer.connect(b, "b1"));
    a1.announce(swarm, List.of());
    b1.announce(swarm, List.of());
    await().atMost(BOUND).until(() -> clusterPeers(a) == 2);
    assertThat(TrackerTesting.get(a, "/readyz").body()).contains("\"redis\":\"up\"");

    TestPeer a2 = closing(TestPeer.connect(a, "a2"));
    try {
      redis.kill();
      await().atMost(BOUND).untilAsserted(() -> {
        var ready = TrackerTesting.get(a, "/readyz");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).contains("\"redis\":\"down\"", "local swarms only");
        assertThat(TrackerTesting.get(a, "/metrics").body())
            .contains("hlsmesh_tracker_cluster_redis_up 0.0");
      });
      // B's peer is no longer offered; A's own swarm works as a single tracker.
      assertThat(clusterPeers(a)).isEqualTo(1);
      AnnounceResponse alone = a2.announce(swarm, TestPeer.offers(3));
      assertThat(alone.incomplete()).isEqualTo(2);
      RelayedOffer local = a1.next(RelayedOffer.class);
      assertThat(local.peerId()).isEqualTo(a2.peerId);
      a1.answer(local, "v=0\r\nlocal\r\n");
      assertThat(a2.next(RelayedAnswer.class).peerId()).isEqualTo(a1.peerId);
    } finally {
      redis.restart();
    }

    // Back: both nodes merge their swarms again, and cross-node relays work.
    await().atMost(BOUND).untilAsserted(() -> {
      assertThat(clusterPeers(a)).isEqualTo(3);
      assertThat(clusterPeers(b)).isEqualTo(3);
      assertThat(TrackerTesting.get(b, "/readyz").body()).contains("\"redis\":\"up\"");
    });
    b1.announce(swarm, TestPeer.offers(2));
    for (TestPeer onA : List.of(a1, a2)) {
      RelayedOffer offer = onA.next(RelayedOffer.class);
      assertThat(offer.peerId()).isEqualTo(b1.peerId);
      onA.answer(offer, "v=0\r\nback\r\n");
    }
    for (int i = 0; i < 2; i++) {
      assertThat(b1.next(RelayedAnswer.class).sdp()).isEqualTo("v=0\r\nback\r\n");
    }
  }
}
