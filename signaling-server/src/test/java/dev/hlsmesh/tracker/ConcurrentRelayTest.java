package dev.hlsmesh.tracker;

import static dev.hlsmesh.tracker.TestPeer.offers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hlsmesh.protocol.tracker.Announce;
import dev.hlsmesh.protocol.tracker.AnnounceResponse;
import dev.hlsmesh.protocol.tracker.BinaryId;
import dev.hlsmesh.protocol.tracker.RelayedAnswer;
import dev.hlsmesh.protocol.tracker.RelayedOffer;
import dev.hlsmesh.protocol.tracker.ServerMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * Several event loops relaying between connections that live on different loops at once: every
 * offer reaches exactly one peer of its own swarm and every answer comes back to its offerer.
 */
class ConcurrentRelayTest {
  private static final int SWARMS = 4;
  private static final int PEERS_PER_SWARM = 10;
  private static final int OFFERS = 3;

  @Test
  void everyOfferIsAnsweredAcrossEventLoops() {
    try (Tracker tracker = Tracker.start(TrackerTesting.config().ioThreads(2).build())) {
      List<TestPeer> peers = new ArrayList<>();
      Map<TestPeer, BinaryId> swarmOf = new HashMap<>();
      try {
        for (int s = 0; s < SWARMS; s++) {
          BinaryId swarm = BinaryId.ofAscii(String.format("concurrent-swarm%04d", s));
          for (int p = 0; p < PEERS_PER_SWARM; p++) {
            TestPeer peer = TestPeer.connect(tracker, "s" + s + "p" + p);
            peer.announce(swarm, List.of());
            peers.add(peer);
            swarmOf.put(peer, swarm);
          }
        }
        // Everyone announces with offers at once; the tracker handles them on two loops.
        for (TestPeer peer : peers) {
          peer.send(Announce.of(swarmOf.get(peer), peer.peerId,
              null, offers(OFFERS)));
        }
        int responses = 0;
        int offersSeen = 0;
        int answersSeen = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int expected = peers.size() * OFFERS;
        while ((responses < peers.size() || answersSeen < expected)
            && System.nanoTime() < deadline) {
          for (TestPeer peer : peers) {
            while (peer.ws.pendingTexts() > 0) {
              ServerMessage m = peer.next();
              if (m instanceof AnnounceResponse r) {
                assertThat(r.infoHash()).isEqualTo(swarmOf.get(peer));
                responses++;
              } else if (m instanceof RelayedOffer offer) {
                assertThat(offer.infoHash()).isEqualTo(swarmOf.get(peer));
                assertThat(offer.peerId()).isNotEqualTo(peer.peerId);
                offersSeen++;
                peer.answer(offer, "answer from " + peer.peerId.toHex());
              } else if (m instanceof RelayedAnswer answer) {
                assertThat(answer.infoHash()).isEqualTo(swarmOf.get(peer));
                answersSeen++;
              } else {
                throw new AssertionError("unexpected " + m + " for " + peer.peerId);
              }
            }
          }
          // Poll again shortly (bounded by the deadline), as Awaitility would.
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        assertThat(responses).isEqualTo(peers.size());
        assertThat(offersSeen).isEqualTo(expected);
        assertThat(answersSeen).isEqualTo(expected);
        // Counted by the answering connection after handing the answer to the offerer's event
        // loop, which may already have delivered it.
        await().atMost(Duration.ofSeconds(10)).until(() ->
            TrackerTesting.stats(tracker).get("messages").get("answer_relayed").asInt() == expected);
      } finally {
        peers.forEach(TestPeer::close);
      }
    }
  }
}
