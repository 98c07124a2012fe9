package dev.hlsmesh.tracker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hlsmesh.protocol.tracker.Announce;
import dev.hlsmesh.protocol.tracker.AnnounceEvent;
import dev.hlsmesh.protocol.tracker.AnnounceResponse;
import dev.hlsmesh.protocol.tracker.BinaryId;
import dev.hlsmesh.protocol.tracker.RelayedAnswer;
import dev.hlsmesh.protocol.tracker.RelayedOffer;
import dev.hlsmesh.protocol.tracker.ServerMessage;
import dev.hlsmesh.protocol.tracker.TrackerProtocolException;
import dev.hlsmesh.testsupport.RedisServer;
import dev.hlsmesh.testsupport.TcpProxy;
import dev.hlsmesh.testsupport.WebSocketTestClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cluster faults with every node in its own JVM (the standalone jar) and a real redis-server:
 * a node SIGKILLed, a node partitioned from Redis (its Redis traffic goes through a proxy the
 * test cuts). Every process is killed after each test.
 */
class ClusterFaultIT {
  private static final Duration BOUND = Duration.ofSeconds(60);
  private static final int HEARTBEAT_MILLIS = 1_000;
  private static final BinaryId SWARM = BinaryId.ofAscii("cluster-fault-swarm1");

  @TempDir
  Path dir;

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private RedisServer redis;

  @BeforeEach
  void startRedis() {
    redis = closing(RedisServer.start());
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

  private TrackerProcess node(String name, int redisPort) {
    String yaml = String.join("\n",
        "tracker:",
        "  messageRatePerSecond: 1000",
        "  messageBurst: 1000",
        "  cluster:",
        "    redis: redis://127.0.0.1:" + redisPort,
        "    nodeId: " + name,
        "    heartbeatMillis: " + HEARTBEAT_MILLIS,
        "    commandTimeoutMillis: 800",
        "");
    return closing(TrackerProcess.start(dir, name, yaml));
  }

  /** A viewer: one WebSocket to one node. */
  private final class Viewer implements AutoCloseable {
    final WebSocketTestClient ws;
    final BinaryId peerId;

    Viewer(TrackerProcess node, String name) {
      this.ws = closing(WebSocketTestClient.connect(node.webSocketUri()));
      this.peerId = TestPeer.id(name);
    }

    AnnounceResponse announce(int offers) {
      ws.send(TestPeer.CODEC.encode(Announce.of(SWARM, peerId, AnnounceEvent.STARTED,
          TestPeer.offers(offers))));
      return next(AnnounceResponse.class);
    }

    <T extends ServerMessage> T next(Class<T> type) {
      String text = ws.nextText(BOUND);
      try {
        return type.cast(TestPeer.CODEC.decodeServer(text));
      } catch (TrackerProtocolException | ClassCastException e) {
        throw new AssertionError("expected " + type.getSimpleName() + ", got " + text, e);
      }
    }

    void answer(RelayedOffer offer) {
      ws.send(TestPeer.CODEC.encode(dev.hlsmesh.protocol.tracker.AnswerAnnounce.of(
          offer.infoHash(), peerId, offer.peerId(), offer.offerId(), "v=0\r\nfrom "
              + peerId.toHex() + "\r\n")));
    }

    @Override
    public void close() {
      ws.close();
    }
  }

  private static int peers(TrackerProcess node) {
    return node.stats().path("peers").asInt();
  }

  @Test
  void aSigkilledNodeIsForgottenWithinTwoHeartbeatsAndItsViewersMatchThroughAnotherNode() {
    TrackerProcess a = node("a", redis.port());
    TrackerProcess b = node("b", redis.port());
    TrackerProcess c = node("c", redis.port());
    Viewer va = new Viewer(a, "va");
    Viewer vb = new Viewer(b, "vb");
    Viewer vc = new Viewer(c, "vc");
    va.announce(0);
    vb.announce(0);
    vc.announce(0);
    await().atMost(BOUND).until(() -> peers(a) == 3 && peers(c) == 3);

    b.kill();
    // Forgotten 1.5 to 2 heartbeats after its last beat (docs/architecture.md); the bound only
    // keeps a loaded machine from failing the test.
    await().atMost(BOUND).until(() -> peers(a) == 2 && peers(c) == 2);
    assertThat(a.output()).contains("node b left");

    // B's viewer reconnects to C and is matched with the viewers of A and C at once.
    vb.close();
    Viewer vb2 = new Viewer(c, "vb");
    AnnounceResponse response = vb2.announce(2);
    assertThat(response.incomplete()).isEqualTo(3);
    for (Viewer v : List.of(va, vc)) {
      RelayedOffer offer = v.next(RelayedOffer.class);
      assertThat(offer.peerId()).isEqualTo(vb2.peerId);
      v.answer(offer);
    }
    List<BinaryId> answerers = new ArrayList<>();
    answerers.add(vb2.next(RelayedAnswer.class).peerId());
    answerers.add(vb2.next(RelayedAnswer.class).peerId());
    assertThat(answerers).containsExactlyInAnyOrder(va.peerId, vc.peerId);
  }

  @Test
  void aNodePartitionedFromRedisServesItsOwnSwarmsAndMergesBackWhenTheLinkReturns() {
    TcpProxy link = closing(TcpProxy.start(redis.port()));
    TrackerProcess a = node("a", redis.port());
    TrackerProcess c = node("c", link.port());
    Viewer va = new Viewer(a, "va");
    Viewer vc = new Viewer(c, "vc");
    va.announce(0);
    vc.announce(0);
    await().atMost(BOUND).until(() -> peers(a) == 2 && peers(c) == 2);

    link.cut();
    await().atMost(BOUND).until(() -> c.get("/readyz").contains("\"redis\":\"down\""));
    c.awaitLine("Redis unreachable", BOUND);
    assertThat(c.get("/metrics")).contains("hlsmesh_tracker_cluster_redis_up 0.0");
    await().atMost(BOUND).until(() -> peers(a) == 1);
    assertThat(peers(c)).isEqualTo(1);
    // C still serves its own swarm: a second viewer there is matched with the first.
    Viewer vc2 = new Viewer(c, "vc2");
    assertThat(vc2.announce(1).incomplete()).isEqualTo(2);
    RelayedOffer local = vc.next(RelayedOffer.class);
    assertThat(local.peerId()).isEqualTo(vc2.peerId);

    link.restore();
    c.awaitLine("Redis reachable again", BOUND);
    await().atMost(BOUND).until(() -> peers(a) == 3 && peers(c) == 3);
    assertThat(c.get("/readyz")).contains("\"redis\":\"up\"");
    // Cross-node relays work again: A's viewer reaches both of C's.
    va.announce(2);
    for (Viewer v : List.of(vc, vc2)) {
      RelayedOffer offer = v.next(RelayedOffer.class);
      assertThat(offer.peerId()).isEqualTo(va.peerId);
    }
  }
}
