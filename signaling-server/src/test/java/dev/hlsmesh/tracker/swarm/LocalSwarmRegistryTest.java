package dev.hlsmesh.tracker.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hlsmesh.protocol.tracker.BinaryId;
import dev.hlsmesh.protocol.tracker.Offer;
import dev.hlsmesh.protocol.tracker.ScrapeResponse;
import dev.hlsmesh.protocol.tracker.ServerMessage;
import dev.hlsmesh.tracker.relay.PeerEndpoint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LocalSwarmRegistryTest {
  private static final BinaryId SWARM = BinaryId.ofAscii("D2L6qLdcAO0vh07WoiT4");
  private final Random random = new Random(7);
  private final LocalSwarmRegistry registry =
      new LocalSwarmRegistry(100, 1000, 180_000, 120_000, 16, new SplittableRandom(1));

  private record Endpoint(String name) implements PeerEndpoint {
    @Override
    public boolean send(ServerMessage message) {
      return true;
    }

    @Override
    public String describe() {
      return name;
    }
  }

  private List<Offer> offers(int n) {
    List<Offer> offers = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      offers.add(new Offer(BinaryId.random(random), "sdp"));
    }
    return offers;
  }

  @Test
  void targetsAreDistinctNeverTheSenderAndSpreadOverTheSwarm() {
    for (int size : new int[] {2, 5, 11, 30, 500}) {
      LocalSwarmRegistry r =
          new LocalSwarmRegistry(100, 1000, 180_000, 120_000, 16, new SplittableRandom(size));
      List<Endpoint> endpoints = new ArrayList<>();
      List<BinaryId> ids = new ArrayList<>();
      for (int i = 0; i < size; i++) {
        Endpoint e = new Endpoint("p" + i);
        endpoints.add(e);
        ids.add(BinaryId.random(random));
        r.announce(SWARM, ids.get(i), e, false, false, List.of(), 10, 0);
      }
      Map<PeerEndpoint, Integer> hits = new HashMap<>();
      for (int round = 0; round < 400; round++) {
        int s = round % size;
        AnnounceResult result = r.announce(SWARM, ids.get(s), endpoints.get(s), false, false,
            offers(5), 10, 1);
        Set<PeerEndpoint> distinct = new HashSet<>(List.of(result.targets()));
        assertThat(distinct).hasSize(result.targets().length).doesNotContain(endpoints.get(s));
        assertThat(result.targets()).hasSize(Math.min(5, size - 1));
        for (PeerEndpoint t : result.targets()) {
          hits.merge(t, 1, Integer::sum);
        }
      }
      if (size == 11 || size == 30) {
        // 400 rounds x 5 offers: every peer is picked, none is starved.
        assertThat(hits).hasSize(size);
        assertThat(hits.values()).allSatisfy(h -> assertThat(h).isGreaterThan(2000 / size / 3));
      }
    }
  }

  @Test
  void pendingOffersAreClaimedOnceOnlyByTheirAnswererBeforeTheyExpire() {
    Endpoint a = new Endpoint("a");
    Endpoint b = new Endpoint("b");
    BinaryId idA = BinaryId.random(random);
    BinaryId idB = BinaryId.random(random);
    registry.announce(SWARM, idA, a, false, false, List.of(), 10, 0);
    List<Offer> offers = offers(2);
    AnnounceResult result = registry.announce(SWARM, idB, b, false, false, offers, 10, 0);
    assertThat(result.targets()).containsExactly(a);
    BinaryId offerId = offers.get(0).offerId();

    assertThat(registry.claimOffer(SWARM, idB, offerId, idA, b, 1)).isNull();
    assertThat(registry.claimOffer(SWARM, idB, offerId, idB, a, 1)).isNull();
    assertThat(registry.claimOffer(SWARM, idB, offers.get(1).offerId(), idA, a, 1)).isNull();
    assertThat(registry.claimOffer(SWARM, idB, offerId, idA, a, 120_000)).isSameAs(b);
    assertThat(registry.claimOffer(SWARM, idB, offerId, idA, a, 1)).isNull();

    List<Offer> late = offers(1);
    registry.announce(SWARM, idB, b, false, false, late, 10, 0);
    assertThat(registry.claimOffer(SWARM, idB, late.get(0).offerId(), idA, a, 120_001)).isNull();
  }

  @Test
  void sweepRemovesExpiredPeersAndEmptySwarms() {
    registry.announce(SWARM, BinaryId.random(random), new Endpoint("a"), false, false,
        List.of(), 10, 0);
    registry.announce(SWARM, BinaryId.random(random), new Endpoint("b"), true, false,
        List.of(), 10, 100_000);
    assertThat(registry.scrape(SWARM)).isEqualTo(new ScrapeResponse.Stats(1, 1, 1));

    registry.sweep(180_001);
    assertThat(registry.scrape(SWARM)).isEqualTo(new ScrapeResponse.Stats(1, 0, 1));
    registry.sweep(280_001);
    assertThat(registry.swarmCount()).isZero();
    assertThat(registry.peerCount()).isZero();
    assertThat(registry.scrape(SWARM)).isEqualTo(new ScrapeResponse.Stats(0, 0, 0));
  }
}
