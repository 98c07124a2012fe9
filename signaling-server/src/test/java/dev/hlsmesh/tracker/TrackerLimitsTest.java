package dev.hlsmesh.tracker;

import static dev.hlsmesh.tracker.TestPeer.offers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hlsmesh.protocol.tracker.Announce;
import dev.hlsmesh.protocol.tracker.AnnounceEvent;
import dev.hlsmesh.protocol.tracker.AnnounceResponse;
import dev.hlsmesh.protocol.tracker.BinaryId;
import dev.hlsmesh.protocol.tracker.Failure;
import dev.hlsmesh.protocol.tracker.RelayedOffer;
import dev.hlsmesh.protocol.tracker.Scrape;
import dev.hlsmesh.protocol.tracker.ScrapeResponse;
import dev.hlsmesh.protocol.tracker.ServerMessage;
import dev.hlsmesh.protocol.tracker.TrackerAction;
import dev.hlsmesh.testsupport.ManualClock;
import dev.hlsmesh.testsupport.WebSocketTestClient;
import dev.hlsmesh.tracker.config.TrackerConfig;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TrackerLimitsTest {
  private static final BinaryId SWARM = BinaryId.ofAscii("D2L6qLdcAO0vh07WoiT4");

  private final ManualClock clock = new ManualClock();
  private final List<AutoCloseable> resources = new ArrayList<>();
  private Tracker tracker;

  private Tracker start(TrackerConfig config) {
    tracker = Tracker.start(config, clock);
    return tracker;
  }

  private TestPeer peer(String name) {
    TestPeer peer = TestPeer.connect(tracker, name);
    resources.add(peer);
    return peer;
  }

  private WebSocketTestClient raw() {
    WebSocketTestClient client = WebSocketTestClient.connect(tracker.webSocketUri());
    resources.add(client);
    return client;
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable r : resources) {
      r.close();
    }
    if (tracker != null) {
      tracker.close();
    }
  }

  private static BinaryId swarm(int n) {
    return BinaryId.ofAscii(String.format("swarm-%014d", n));
  }

  @Test
  void moreOffersThanTheLimitIsRefusedWithActionAndInfoHash() {
    start(TrackerTesting.config().maxOffersPerAnnounce(3).build());
    TestPeer a = peer("a");
    a.announce(SWARM, List.of());
    TestPeer b = peer("b");

    b.send(Announce.of(SWARM, b.peerId, AnnounceEvent.STARTED, offers(4)));

    assertThat(b.next(Failure.class)).isEqualTo(
        new Failure("too many offers: 4 (max 3)", TrackerAction.ANNOUNCE, SWARM));
    a.assertNothingElseReceived();
    assertThat(b.announce(SWARM, offers(3)).incomplete()).isEqualTo(2);
  }

  @Test
  void numwantCapLimitsHowManyPeersGetTheOffers() {
    start(TrackerTesting.config().maxNumwant(2).build());
    List<TestPeer> others = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      TestPeer p = peer("o" + i);
      p.announce(SWARM, List.of());
      others.add(p);
    }
    TestPeer sender = peer("sender");
    sender.announce(SWARM, offers(4));
    TestPeer small = peer("small");
    // The client's own numwant lowers it further.
    small.send(new Announce(SWARM, small.peerId, AnnounceEvent.STARTED, 1, 0L, 0L, null,
        offers(4), null, null, null));
    small.next(AnnounceResponse.class);

    int relayed = 0;
    for (TestPeer p : others) {
      p.send(new Scrape(List.of(TestPeer.BARRIER_HASH)));
      ServerMessage m;
      while ((m = p.next()) instanceof RelayedOffer) {
        relayed++;
      }
      assertThat(m).isInstanceOf(ScrapeResponse.class);
    }
    sender.send(new Scrape(List.of(TestPeer.BARRIER_HASH)));
    ServerMessage m;
    while ((m = sender.next()) instanceof RelayedOffer) {
      relayed++;
    }
    assertThat(m).isInstanceOf(ScrapeResponse.class);
    assertThat(relayed).isEqualTo(2 + 1);
  }

  @Test
  void swarmsBeyondMaxSwarmsAreRefused() {
    start(TrackerTesting.config().maxSwarms(2).build());
    TestPeer a = peer("a");
    a.announce(swarm(1), List.of());
    a.announce(swarm(2), List.of());

    a.send(Announce.of(swarm(3), a.peerId, AnnounceEvent.STARTED, List.of()));

    assertThat(a.next(Failure.class)).isEqualTo(new Failure(
        "the tracker holds its maximum of 2 swarms", TrackerAction.ANNOUNCE, swarm(3)));
    // Leaving frees a swarm slot.
    a.announce(swarm(1), AnnounceEvent.STOPPED, List.of());
    a.announce(swarm(3), List.of());
  }

  @Test
  void peersBeyondMaxPeersPerSwarmAreRefused() {
    start(TrackerTesting.config().maxPeersPerSwarm(2).build());
    peer("a").announce(SWARM, List.of());
    peer("b").announce(SWARM, List.of());
    TestPeer c = peer("c");

    c.send(Announce.of(SWARM, c.peerId, AnnounceEvent.STARTED, List.of()));

    assertThat(c.next(Failure.class)).isEqualTo(
        new Failure("swarm is full (max 2 peers)", TrackerAction.ANNOUNCE, SWARM));
    // An expired peer makes room.
    clock.advance(Duration.ofSeconds(181));
    assertThat(c.announce(SWARM, List.of()).incomplete()).isEqualTo(1);
  }

  @Test
  void oneConnectionCannotJoinMoreThanMaxSwarmsPerConnection() {
    start(TrackerTesting.config().maxSwarmsPerConnection(2).build());
    TestPeer a = peer("a");
    a.announce(swarm(1), List.of());
    a.announce(swarm(2), List.of());

    a.send(Announce.of(swarm(3), a.peerId, AnnounceEvent.STARTED, List.of()));

    assertThat(a.next(Failure.class)).isEqualTo(new Failure(
        "too many swarms on one connection (max 2)", TrackerAction.ANNOUNCE, swarm(3)));
    // Swarms the connection stopped announcing to are forgotten after the peer timeout.
    clock.advance(Duration.ofSeconds(181));
    a.announce(swarm(3), List.of());
  }

  @Test
  void scrapesAreBoundedAndFullScrapesRefused() {
    start(TrackerTesting.config().maxScrapeInfoHashes(2).build());
    TestPeer a = peer("a");

    a.send(new Scrape(List.of(swarm(1), swarm(2), swarm(3))));
    assertThat(a.next(Failure.class)).isEqualTo(
        new Failure("too many info hashes: 3 (max 2)", TrackerAction.SCRAPE, null));

    a.send(new Scrape(List.of()));
    assertThat(a.next(Failure.class)).isEqualTo(new Failure(
        "full scrapes are not allowed: name the info hashes", TrackerAction.SCRAPE, null));

    a.send(new Scrape(List.of(swarm(1), swarm(2))));
    assertThat(a.next(ScrapeResponse.class).files()).hasSize(2);
  }

  @Test
  void aFrameLargerThanMaxMessageBytesClosesWith1009() {
    start(TrackerTesting.config().maxMessageBytes(4096).build());
    TestPeer good = peer("good");
    WebSocketTestClient bad = raw();

    bad.send("{\"action\":\"scrape\",\"x\":\"" + "x".repeat(5000) + "\"}");

    assertThat(bad.awaitClose().code()).isEqualTo(1009);
    assertThat(good.announce(SWARM, List.of()).incomplete()).isEqualTo(1);
  }

  @Test
  void aFragmentedMessageLargerThanMaxMessageBytesClosesWith1009() {
    start(TrackerTesting.config().maxMessageBytes(4096).build());
    WebSocketTestClient bad = raw();
    byte[] part = "x".repeat(3000).getBytes(StandardCharsets.US_ASCII);

    bad.sendFrame(new TextWebSocketFrame(false, 0, Unpooled.wrappedBuffer(part)));
    bad.sendFrame(new ContinuationWebSocketFrame(true, 0, Unpooled.wrappedBuffer(part)));

    assertThat(bad.awaitClose().code()).isEqualTo(1009);
  }

  @Test
  void aFragmentedMessageWithinTheLimitIsReassembled() {
    start(TrackerTesting.config().build());
    WebSocketTestClient client = raw();
    byte[] json = "{\"action\":\"scrape\",\"info_hash\":\"D2L6qLdcAO0vh07WoiT4\"}"
        .getBytes(StandardCharsets.US_ASCII);

    client.sendFrame(new TextWebSocketFrame(false, 0, Unpooled.wrappedBuffer(json, 0, 10)));
    client.sendFrame(new ContinuationWebSocketFrame(true, 0,
        Unpooled.wrappedBuffer(json, 10, json.length - 10)));

    assertThat(client.nextText()).startsWith("{\"action\":\"scrape\",\"files\":");
  }

  @Test
  void messagesAboveTheRateAndBurstCloseTheConnectionWith1008() {
    start(TrackerTesting.config().messageRatePerSecond(2).messageBurst(3).build());
    TestPeer flooder = peer("flooder");
    TestPeer good = peer("good");
    for (int i = 0; i < 3; i++) {
      flooder.scrape(SWARM);
    }

    flooder.send(new Scrape(List.of(SWARM)));

    WebSocketTestClient.Close close = flooder.ws.awaitClose();
    assertThat(close.code()).isEqualTo(1008);
    assertThat(close.reason()).isEqualTo("message rate limit exceeded (2/s, burst 3)");
    assertThat(good.scrape(SWARM)).isNotNull();
    assertThat(TrackerTesting.stats(tracker).get("rejections").get("rate_limited").asInt())
        .isEqualTo(1);
  }

  @Test
  void theMessageRateRefillsWithTime() {
    start(TrackerTesting.config().messageRatePerSecond(2).messageBurst(3).build());
    TestPeer a = peer("a");
    for (int i = 0; i < 3; i++) {
      a.scrape(SWARM);
    }

    clock.advance(Duration.ofMillis(1000));

    a.scrape(SWARM);
    a.scrape(SWARM);
    assertThat(a.ws.isOpen()).isTrue();
  }

  @Test
  void connectionsBeyondMaxConnectionsPerIpAreClosedWith1008() {
    start(TrackerTesting.config().maxConnectionsPerIp(2).build());
    TestPeer a = peer("a");
    peer("b");

    WebSocketTestClient third = raw();

    WebSocketTestClient.Close close = third.awaitClose();
    assertThat(close.code()).isEqualTo(1008);
    assertThat(close.reason()).isEqualTo("too many connections from 127.0.0.1 (max 2)");
    a.close();
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      try (WebSocketTestClient again = WebSocketTestClient.connect(tracker.webSocketUri())) {
        again.send("{\"action\":\"scrape\",\"info_hash\":\"D2L6qLdcAO0vh07WoiT4\"}");
        assertThat(again.nextText()).contains("\"files\"");
      }
    });
  }

  @Test
  void idleConnectionsAreClosedWith1001AfterTheIdleTimeout() {
    start(TrackerTesting.config().build());
    TestPeer idle = peer("idle");
    TestPeer active = peer("active");
    idle.announce(SWARM, List.of());

    clock.advance(Duration.ofSeconds(100));
    active.scrape(SWARM);
    clock.advance(Duration.ofSeconds(81));
    tracker.sweepNow();

    WebSocketTestClient.Close close = idle.ws.awaitClose();
    assertThat(close).isEqualTo(new WebSocketTestClient.Close(1001, "idle timeout"));
    assertThat(active.scrape(SWARM).incomplete()).isZero();
  }

  @Test
  void binaryFramesCloseWith1003() {
    start(TrackerTesting.config().build());
    WebSocketTestClient client = raw();

    client.sendBinary("{\"action\":\"scrape\"}".getBytes(StandardCharsets.US_ASCII));

    assertThat(client.awaitClose().code()).isEqualTo(1003);
  }

  @Test
  void invalidUtf8InATextFrameClosesWith1007() {
    start(TrackerTesting.config().build());
    WebSocketTestClient client = raw();

    client.sendTextBytes(new byte[] {'{', '"', (byte) 0xC3, (byte) 0x28, '"', '}'});

    assertThat(client.awaitClose().code()).isEqualTo(1007);
  }
}
