package dev.hlsmesh.tracker;

import static dev.hlsmesh.tracker.TestPeer.offers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hlsmesh.protocol.tracker.Announce;
import dev.hlsmesh.protocol.tracker.AnnounceEvent;
import dev.hlsmesh.protocol.tracker.BinaryId;
import dev.hlsmesh.protocol.tracker.Failure;
import dev.hlsmesh.protocol.tracker.Offer;
import dev.hlsmesh.protocol.tracker.RelayedOffer;
import dev.hlsmesh.protocol.tracker.Scrape;
import dev.hlsmesh.protocol.tracker.ScrapeResponse;
import dev.hlsmesh.protocol.tracker.ServerMessage;
import dev.hlsmesh.protocol.tracker.TrackerAction;
import dev.hlsmesh.testsupport.ManualClock;
import dev.hlsmesh.tracker.config.TrackerConfig;
import dev.hlsmesh.testsupport.WebSocketTestClient;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Slow readers, the global queue bound, and announce/offer rates, over real sockets. */
class AbuseLimitsTest {
  private static final BinaryId SWARM = BinaryId.ofAscii("D2L6qLdcAO0vh07WoiT4");
  /** Bound of every wait: generous, the CI machine is shared. */
  private static final Duration BOUND = Duration.ofSeconds(60);
  private static final String BIG_SDP = "v=0\r\n" + "a=x:" + "y".repeat(15_000) + "\r\n";

  private final ManualClock clock = new ManualClock();
  private final List<AutoCloseable> resources = new ArrayList<>();
  private Tracker tracker;

  private Tracker start(TrackerConfig config, Clock withClock) {
    tracker = Tracker.start(config, withClock);
    return tracker;
  }

  private TestPeer peer(String name) {
    TestPeer peer = TestPeer.connect(tracker, name);
    resources.add(peer);
    return peer;
  }

  private StalledClient stalled(String name) {
    StalledClient client = StalledClient.connect(tracker);
    resources.add(client);
    client.sendText(TestPeer.CODEC.encode(Announce.of(SWARM, TestPeer.id(name),
        AnnounceEvent.STARTED, List.of())));
    return client;
  }

  private long rejections(String key) {
    return TrackerTesting.stats(tracker).path("rejections").path(key).asLong();
  }

  private static List<Offer> bigOffers(int count) {
    List<Offer> list = new ArrayList<>();
    for (Offer o : offers(count)) {
      list.add(new Offer(o.offerId(), BIG_SDP));
    }
    return list;
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

  @Test
  void aClientThatStopsReadingIsDroppedWhileOtherPeersKeepWorking() {
    start(TrackerTesting.config().maxMessageBytes(32_768).maxQueuedBytesPerConnection(65_536)
        .slowReaderTimeoutMillis(200).build(), Clock.systemUTC());
    TestPeer writer = peer("writer");
    writer.announce(SWARM, List.of());
    StalledClient slow = stalled("slow");
    await().atMost(BOUND).until(() -> writer.scrape(SWARM).incomplete() == 2);

    // Every announce relays one ~15 KB offer to the stalled client, until the kernel buffers and
    // then its queue are full and it is closed. Bounded in time and count (at most 60 MB).
    long deadline = System.nanoTime() + BOUND.toNanos();
    for (int sent = 0; sent < 4000 && System.nanoTime() < deadline; sent++) {
      writer.send(Announce.of(SWARM, writer.peerId, null, bigOffers(1)));
      writer.next();
      if (sent % 16 == 0 && rejections("slow_reader_closed") > 0) {
        break;
      }
    }

    assertThat(rejections("slow_reader_closed")).isEqualTo(1);
    assertThat(rejections("slow_consumer")).isPositive();
    assertThat(slow.drainUntilClosedByServer()).isTrue();
    await().atMost(BOUND).until(() -> writer.scrape(SWARM).incomplete() == 1);
    TestPeer late = peer("late");
    late.announce(SWARM, List.of());
    writer.announce(SWARM, AnnounceEvent.COMPLETED, offers(1));
    assertThat(late.next(RelayedOffer.class).peerId()).isEqualTo(writer.peerId);
  }

  @Test
  void whenAllConnectionsQueueTheGlobalBoundMessagesAreDroppedUntilQueuesDrain()
      throws Exception {
    start(TrackerTesting.config().maxMessageBytes(65_536).maxQueuedBytesPerConnection(65_536)
        .maxQueuedBytesTotal(98_304).slowReaderTimeoutMillis(600_000).build(), Clock.systemUTC());
    TestPeer writer = peer("writer");
    writer.announce(SWARM, List.of());
    StalledClient one = stalled("one");
    StalledClient two = stalled("two");
    await().atMost(BOUND).until(() -> writer.scrape(SWARM).incomplete() == 3);

    // The writer reads everything it gets but does not wait for answers: once the global bound
    // is reached even its own responses are dropped.
    long deadline = System.nanoTime() + BOUND.toNanos();
    for (int sent = 0; sent < 3000 && System.nanoTime() < deadline; sent++) {
      writer.send(Announce.of(SWARM, writer.peerId, null, bigOffers(2)));
      if (sent % 16 == 0 && rejections("queued_bytes_total_exceeded") > 0) {
        break;
      }
    }
    assertThat(rejections("queued_bytes_total_exceeded")).isPositive();

    one.close();
    two.close();
    // Closing the stalled connections frees their queued bytes: the writer is answered again.
    // (Until the tracker has seen both closes an answer may still be dropped: try again.)
    await().atMost(BOUND).ignoreExceptions().until(() -> {
      writer.send(new Scrape(List.of(TestPeer.BARRIER_HASH)));
      ServerMessage m;
      do {
        m = writer.next();
      } while (!(m instanceof ScrapeResponse));
      return writer.scrape(SWARM).incomplete() == 1;
    });
  }

  @Test
  void pingsSpendTheMessageRate() {
    start(TrackerTesting.config().messageRatePerSecond(10).messageBurst(20).build(), clock);
    WebSocketTestClient client = WebSocketTestClient.connect(tracker.webSocketUri());
    resources.add(client);

    for (int i = 0; i < 21; i++) {
      client.sendFrame(new PingWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {(byte) i})));
    }

    assertThat(client.awaitClose().code()).isEqualTo(1008);
    assertThat(rejections("rate_limited")).isEqualTo(1);
  }

  @Test
  void anHttpClientThatPipelinesRequestsAndNeverReadsIsClosed() throws Exception {
    start(TrackerTesting.config().build(), Clock.systemUTC());
    byte[] requests = "GET /stats HTTP/1.1\r\nHost: x\r\n\r\n".repeat(1000)
        .getBytes(StandardCharsets.US_ASCII);
    try (Socket socket = new Socket()) {
      socket.setReceiveBufferSize(4096);
      socket.connect(new InetSocketAddress("127.0.0.1", tracker.port()), 10_000);
      // Each /stats answer is over 700 bytes; up to a million of them are far more than the
      // socket buffers and the connection's queue hold. Writing fails once the tracker closed
      // the connection.
      long deadline = System.nanoTime() + BOUND.toNanos();
      boolean closed = false;
      for (int i = 0; i < 1000 && !closed && System.nanoTime() < deadline; i++) {
        try {
          socket.getOutputStream().write(requests);
        } catch (IOException closedByTracker) {
          closed = true;
        }
      }
      assertThat(closed).isTrue();
      await().atMost(BOUND).until(() -> rejections("slow_reader_closed") == 1);
    }
    TestPeer other = peer("other");
    assertThat(other.announce(SWARM, List.of()).incomplete()).isEqualTo(1);
  }

  @Test
  void announcesBeyondThePerConnectionRateGetAFailureAndTheBudgetRefills() {
    start(TrackerTesting.config().maxAnnouncesPerMinutePerConnection(3).build(), clock);
    TestPeer a = peer("a");
    for (int i = 0; i < 3; i++) {
      a.announce(SWARM, List.of());
    }

    a.send(Announce.of(SWARM, a.peerId, null, List.of()));

    assertThat(a.next(Failure.class)).isEqualTo(new Failure("announce rate limit exceeded (max"
        + " 3/min per connection, 1000000/min per IP)", TrackerAction.ANNOUNCE, SWARM));
    // Leaving is never refused.
    a.announce(SWARM, AnnounceEvent.STOPPED, List.of());
    clock.advance(Duration.ofSeconds(20));
    a.announce(SWARM, List.of());
    a.send(Announce.of(SWARM, a.peerId, null, List.of()));
    assertThat(a.next(Failure.class).reason()).startsWith("announce rate limit exceeded");
    assertThat(rejections("announce_rate_limited")).isEqualTo(2);
  }

  @Test
  void connectionsFromOneIpShareTheAnnounceBudgetOfThatIp() {
    start(TrackerTesting.config().maxAnnouncesPerMinutePerIp(4).build(), clock);
    TestPeer a = peer("a");
    TestPeer b = peer("b");
    a.announce(SWARM, List.of());
    a.announce(SWARM, List.of());
    b.announce(SWARM, List.of());
    b.announce(SWARM, List.of());

    a.send(Announce.of(SWARM, a.peerId, null, List.of()));
    b.send(Announce.of(SWARM, b.peerId, null, List.of()));

    assertThat(a.next(Failure.class).reason()).startsWith("announce rate limit exceeded");
    assertThat(b.next(Failure.class).reason()).startsWith("announce rate limit exceeded");
    // Reconnecting does not refill it.
    a.close();
    TestPeer again = peer("again");
    again.send(Announce.of(SWARM, again.peerId, AnnounceEvent.STARTED, List.of()));
    assertThat(again.next(Failure.class).reason()).startsWith("announce rate limit exceeded");
  }

  @Test
  void offersBeyondThePerConnectionRateAreNotRelayedButTheAnnounceIsServed() {
    start(TrackerTesting.config().maxOffersPerMinutePerConnection(5).build(), clock);
    List<TestPeer> receivers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      TestPeer r = peer("r" + i);
      r.announce(SWARM, List.of());
      receivers.add(r);
    }
    TestPeer sender = peer("sender");

    sender.announce(SWARM, offers(3));
    sender.announce(SWARM, AnnounceEvent.COMPLETED, offers(3));
    sender.announce(SWARM, AnnounceEvent.COMPLETED, offers(3));

    assertThat(countRelayed(receivers)).isEqualTo(5);
    assertThat(rejections("offer_rate_limited")).isEqualTo(1 + 3);
    clock.advance(Duration.ofSeconds(12)); // 5/min: one offer per 12 s
    sender.announce(SWARM, AnnounceEvent.COMPLETED, offers(3));
    assertThat(countRelayed(receivers)).isEqualTo(1);
  }

  @Test
  void offersThatFindNoPeerAreNeitherChargedNorCountedAsRateLimited() {
    start(TrackerTesting.config().maxOffersPerMinutePerConnection(2).build(), clock);
    TestPeer receiver = peer("r");
    receiver.announce(SWARM, List.of());
    TestPeer sender = peer("sender");

    sender.announce(SWARM, offers(3)); // one peer to offer to: one offer relayed, one charged
    sender.announce(SWARM, AnnounceEvent.COMPLETED, offers(3));

    assertThat(countRelayed(List.of(receiver))).isEqualTo(2);
    assertThat(rejections("offer_rate_limited")).isZero();
  }

  @Test
  void offersOfAllConnectionsOfOneIpShareItsOfferBudget() {
    start(TrackerTesting.config().maxOffersPerMinutePerIp(4).build(), clock);
    List<TestPeer> receivers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      TestPeer r = peer("r" + i);
      r.announce(SWARM, List.of());
      receivers.add(r);
    }
    TestPeer s1 = peer("s1");
    TestPeer s2 = peer("s2");

    s1.announce(SWARM, offers(3));
    s2.announce(SWARM, offers(3));

    assertThat(countRelayed(receivers) + countRelayed(List.of(s1))).isEqualTo(4);
    assertThat(rejections("offer_rate_limited")).isEqualTo(2);
  }

  /** Offers relayed to these peers since the last call (each proved with a barrier). */
  private static int countRelayed(List<TestPeer> peers) {
    int relayed = 0;
    for (TestPeer p : peers) {
      p.send(new Scrape(List.of(TestPeer.BARRIER_HASH)));
      ServerMessage m;
      while ((m = p.next()) instanceof RelayedOffer) {
        relayed++;
      }
      assertThat(m).isInstanceOf(ScrapeResponse.class);
    }
    return relayed;
  }
}
