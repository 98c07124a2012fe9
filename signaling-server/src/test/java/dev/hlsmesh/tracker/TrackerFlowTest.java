package dev.hlsmesh.tracker;

import static dev.hlsmesh.tracker.TestPeer.id;
import static dev.hlsmesh.tracker.TestPeer.offers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hlsmesh.protocol.tracker.Announce;
import dev.hlsmesh.protocol.tracker.AnnounceEvent;
import dev.hlsmesh.protocol.tracker.AnnounceResponse;
import dev.hlsmesh.protocol.tracker.AnswerAnnounce;
import dev.hlsmesh.protocol.tracker.BinaryId;
import dev.hlsmesh.protocol.tracker.Failure;
import dev.hlsmesh.protocol.tracker.Offer;
import dev.hlsmesh.protocol.tracker.RelayedAnswer;
import dev.hlsmesh.protocol.tracker.RelayedOffer;
import dev.hlsmesh.protocol.tracker.Scrape;
import dev.hlsmesh.protocol.tracker.ScrapeResponse;
import dev.hlsmesh.protocol.tracker.ServerMessage;
import dev.hlsmesh.protocol.tracker.TrackerAction;
import dev.hlsmesh.testsupport.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TrackerFlowTest {
  private static final BinaryId SWARM = BinaryId.ofAscii("D2L6qLdcAO0vh07WoiT4");
  private static final BinaryId OTHER_SWARM = BinaryId.ofAscii("AAAAAAAAAAAAAAAAAAAA");

  private final ManualClock clock = new ManualClock();
  private final List<TestPeer> peers = new ArrayList<>();
  private Tracker tracker;

  @BeforeEach
  void start() {
    tracker = Tracker.start(TrackerTesting.config().build(), clock);
  }

  @AfterEach
  void stop() {
    peers.forEach(TestPeer::close);
    tracker.close();
  }

  private TestPeer peer(String name) {
    TestPeer peer = TestPeer.connect(tracker, name);
    peers.add(peer);
    return peer;
  }

  @Test
  void announceIsAnsweredWithIntervalAndCounters() {
    TestPeer a = peer("a");
    TestPeer b = peer("b");

    assertThat(a.announce(SWARM, List.of())).isEqualTo(AnnounceResponse.of(SWARM, 0, 1, 120));
    assertThat(b.announce(SWARM, List.of())).isEqualTo(AnnounceResponse.of(SWARM, 0, 2, 120));
    // A periodic announce (no event) of a known peer changes nothing.
    assertThat(a.announce(SWARM, null, List.of())).isEqualTo(AnnounceResponse.of(SWARM, 0, 2, 120));
  }

  @Test
  void offersGoToDistinctRandomPeersOfTheSwarmAndNeverToTheSender() {
    List<TestPeer> others = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      TestPeer p = peer("o" + i);
      p.announce(SWARM, List.of());
      others.add(p);
    }
    TestPeer outsider = peer("outsider");
    outsider.announce(OTHER_SWARM, List.of());
    TestPeer sender = peer("sender");
    List<Offer> offers = offers(5);

    sender.announce(SWARM, offers);

    Set<BinaryId> offerIds = new HashSet<>();
    int receivers = 0;
    for (TestPeer p : others) {
      // One I/O thread: any offer for p was written before the answer to this scrape.
      p.send(new Scrape(List.of(TestPeer.BARRIER_HASH)));
      ServerMessage first = p.next();
      if (first instanceof RelayedOffer relayed) {
        assertThat(relayed.peerId()).isEqualTo(sender.peerId);
        assertThat(relayed.infoHash()).isEqualTo(SWARM);
        Offer original = offers.stream().filter(o -> o.offerId().equals(relayed.offerId()))
            .findFirst().orElseThrow();
        assertThat(relayed.sdp()).isEqualTo(original.sdp());
        offerIds.add(relayed.offerId());
        receivers++;
        assertThat(p.next()).isInstanceOf(ScrapeResponse.class);
      } else {
        assertThat(first).isInstanceOf(ScrapeResponse.class);
      }
      assertThat(p.ws.pendingTexts()).isZero();
    }
    assertThat(receivers).isEqualTo(5);
    assertThat(offerIds).hasSize(5);
    sender.assertNothingElseReceived();
    outsider.assertNothingElseReceived();
  }

  @Test
  void fewerPeersThanOffersDropsTheSurplusOffers() {
    TestPeer a = peer("a");
    a.announce(SWARM, List.of());
    TestPeer b = peer("b");

    b.announce(SWARM, offers(5));

    a.next(RelayedOffer.class);
    a.assertNothingElseReceived();
    b.assertNothingElseReceived();
  }

  @Test
  void answerIsRoutedToTheOffererByToPeerIdAndOfferId() {
    TestPeer a = peer("a");
    a.announce(SWARM, List.of());
    TestPeer b = peer("b");
    b.announce(SWARM, offers(1));
    RelayedOffer offer = a.next(RelayedOffer.class);

    a.answer(offer, "v=0 answer");

    RelayedAnswer answer = b.next(RelayedAnswer.class);
    assertThat(answer).isEqualTo(new RelayedAnswer(SWARM, a.peerId, offer.offerId(), "v=0 answer"));
    a.assertNothingElseReceived();
    b.assertNothingElseReceived();
  }

  @Test
  void secondAnswerToTheSameOfferIsRefused() {
    TestPeer a = peer("a");
    a.announce(SWARM, List.of());
    TestPeer b = peer("b");
    b.announce(SWARM, offers(1));
    RelayedOffer offer = a.next(RelayedOffer.class);
    a.answer(offer, "first");
    b.next(RelayedAnswer.class);

    a.answer(offer, "second");

    Failure failure = a.next(Failure.class);
    assertThat(failure.action()).isEqualTo(TrackerAction.ANNOUNCE);
    assertThat(failure.infoHash()).isEqualTo(SWARM);
    assertThat(failure.reason()).startsWith("unknown offer");
    b.assertNothingElseReceived();
  }

  @Test
  void answerFromAPeerTheOfferWasNotSentToIsRefused() {
    TestPeer a = peer("a");
    a.announce(SWARM, List.of());
    TestPeer b = peer("b");
    b.announce(SWARM, offers(1));
    RelayedOffer offer = a.next(RelayedOffer.class);
    TestPeer intruder = peer("intruder");
    intruder.announce(SWARM, List.of());

    intruder.answer(offer, "injected");
    assertThat(intruder.next(Failure.class).reason()).startsWith("unknown offer");
    // Even with the right peer id, from another connection.
    TestPeer spoof = TestPeer.connect(tracker, "a");
    peers.add(spoof);
    spoof.answer(offer, "spoofed");
    assertThat(spoof.next(Failure.class).reason()).startsWith("unknown offer");

    b.assertNothingElseReceived();
    a.answer(offer, "genuine");
    assertThat(b.next(RelayedAnswer.class).sdp()).isEqualTo("genuine");
  }

  @Test
  void answerAfterTheOfferTimeoutIsRefused() {
    TestPeer a = peer("a");
    a.announce(SWARM, List.of());
    TestPeer b = peer("b");
    b.announce(SWARM, offers(1));
    RelayedOffer offer = a.next(RelayedOffer.class);

    clock.advance(Duration.ofSeconds(121));
    a.answer(offer, "late");

    assertThat(a.next(Failure.class).reason()).startsWith("unknown offer");
    b.assertNothingElseReceived();
  }

  @Test
  void completedAndLeftZeroCountAsSeedersAndStoppedLeaves() {
    TestPeer a = peer("a");
    TestPeer b = peer("b");
    TestPeer c = peer("c");
    a.announce(SWARM, List.of());
    b.announce(SWARM, List.of());
    c.send(new Announce(SWARM, c.peerId, AnnounceEvent.STARTED, 5, 0L, 0L, 0L, List.of(), null,
        null, null));
    assertThat(c.next(AnnounceResponse.class)).isEqualTo(AnnounceResponse.of(SWARM, 1, 2, 120));

    assertThat(a.announce(SWARM, AnnounceEvent.COMPLETED, List.of()))
        .isEqualTo(AnnounceResponse.of(SWARM, 2, 1, 120));
    assertThat(a.scrape(SWARM)).isEqualTo(new ScrapeResponse.Stats(2, 1, 1));

    assertThat(b.announce(SWARM, AnnounceEvent.STOPPED, List.of()))
        .isEqualTo(AnnounceResponse.of(SWARM, 2, 0, 120));
    assertThat(b.scrape(SWARM)).isEqualTo(new ScrapeResponse.Stats(2, 0, 1));
  }

  @Test
  void scrapeListsEveryAskedSwarmWithZerosForUnknownOnes() {
    TestPeer a = peer("a");
    a.announce(SWARM, List.of());

    a.send(new Scrape(List.of(SWARM, OTHER_SWARM)));

    ScrapeResponse response = a.next(ScrapeResponse.class);
    assertThat(response.files()).containsExactly(
        Map.entry(SWARM, new ScrapeResponse.Stats(0, 1, 0)),
        Map.entry(OTHER_SWARM, new ScrapeResponse.Stats(0, 0, 0)));
    assertThat(response.minRequestIntervalSeconds()).isEqualTo(120);
  }

  @Test
  void closingASocketRemovesEveryPeerIdItAnnouncedInEverySwarm() {
    TestPeer shared = peer("main");
    shared.announce(SWARM, List.of());
    // The same socket joins a second swarm with a different peer id (P2PML main + audio).
    shared.send(Announce.of(OTHER_SWARM, id("audio"), AnnounceEvent.STARTED, List.of()));
    shared.next(AnnounceResponse.class);
    TestPeer observer = peer("observer");
    observer.announce(SWARM, List.of());
    assertThat(observer.scrape(OTHER_SWARM).incomplete()).isEqualTo(1);

    shared.close();

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(observer.scrape(SWARM).incomplete()).isEqualTo(1);
      assertThat(observer.scrape(OTHER_SWARM).incomplete()).isZero();
    });
  }

  @Test
  void offersReachTheRightPeerIdOnASharedSocket() {
    TestPeer shared = peer("main");
    shared.announce(SWARM, List.of());
    BinaryId audioId = id("audio");
    shared.send(Announce.of(OTHER_SWARM, audioId, AnnounceEvent.STARTED, List.of()));
    shared.next(AnnounceResponse.class);
    TestPeer b = peer("b");

    b.send(Announce.of(OTHER_SWARM, b.peerId, AnnounceEvent.STARTED, offers(1)));
    b.next(AnnounceResponse.class);

    RelayedOffer offer = shared.next(RelayedOffer.class);
    assertThat(offer.infoHash()).isEqualTo(OTHER_SWARM);
    shared.send(AnswerAnnounce.of(
        OTHER_SWARM, audioId, b.peerId, offer.offerId(), "audio answer"));
    assertThat(b.next(RelayedAnswer.class).peerId()).isEqualTo(audioId);
  }

  @Test
  void aNewPeerIdOnTheSameSocketAndSwarmReplacesTheOldOne() {
    TestPeer a = peer("a");
    a.announce(SWARM, List.of());

    a.send(Announce.of(SWARM, id("a-reborn"), AnnounceEvent.STARTED, List.of()));

    assertThat(a.next(AnnounceResponse.class).incomplete()).isEqualTo(1);
  }

  @Test
  void aPeerIdHeldByAnotherConnectionIsRefused() {
    TestPeer a = peer("a");
    a.announce(SWARM, List.of());
    TestPeer impostor = TestPeer.connect(tracker, "a");
    peers.add(impostor);

    impostor.send(Announce.of(SWARM, impostor.peerId, AnnounceEvent.STARTED, List.of()));

    Failure failure = impostor.next(Failure.class);
    assertThat(failure).isEqualTo(new Failure(
        "peer id is in use in this swarm by another connection", TrackerAction.ANNOUNCE, SWARM));
  }

  @Test
  void peersExpireAfterThePeerTimeoutWithoutAnnouncing() {
    TestPeer a = peer("a");
    a.announce(SWARM, List.of());
    TestPeer b = peer("b");
    b.announce(SWARM, List.of());

    clock.advance(Duration.ofSeconds(170));
    b.announce(SWARM, null, List.of());
    clock.advance(Duration.ofSeconds(11));

    // a is 181 s silent: gone at the next selection and sweep; b (11 s) stays.
    TestPeer c = peer("c");
    assertThat(c.announce(SWARM, offers(2)).incomplete()).isEqualTo(2);
    b.next(RelayedOffer.class);
    b.assertNothingElseReceived();
    a.assertNothingElseReceived();
    tracker.sweepNow();
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(TrackerTesting.stats(tracker).get("peers").asLong()).isEqualTo(2));
  }

  @Test
  void expiredSwarmsDisappearFromStats() {
    TestPeer a = peer("a");
    a.announce(SWARM, List.of());
    assertThat(TrackerTesting.stats(tracker).get("swarms").asInt()).isEqualTo(1);

    clock.advance(Duration.ofSeconds(181));
    a.send(new Scrape(List.of(SWARM)));
    a.next(ScrapeResponse.class);
    tracker.sweepNow();

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(TrackerTesting.stats(tracker).get("swarms").asInt()).isZero();
      assertThat(TrackerTesting.stats(tracker).get("peers").asInt()).isZero();
    });
  }

  @Test
  void webSocketWorksOnAnyPath() {
    TestPeer root = TestPeer.connect(tracker, "root", "/");
    TestPeer announce = TestPeer.connect(tracker, "announce", "/announce");
    peers.add(root);
    peers.add(announce);

    assertThat(root.announce(SWARM, List.of()).incomplete()).isEqualTo(1);
    assertThat(announce.announce(SWARM, List.of()).incomplete()).isEqualTo(2);
  }
}
