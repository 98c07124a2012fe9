package dev.hlsmesh.tracker.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hlsmesh.protocol.tracker.BinaryId;
import dev.hlsmesh.protocol.tracker.ServerMessage;
import dev.hlsmesh.protocol.tracker.ViewerReport;
import dev.hlsmesh.tracker.relay.PeerEndpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Viewer reports kept by the registry: increases, sums, the time series and their bounds. */
class SwarmAnalyticsTest {
  private static final BinaryId SWARM = BinaryId.ofAscii("analytics-swarm-0001");
  private static final BinaryId OTHER = BinaryId.ofAscii("analytics-swarm-0002");
  private static final BinaryId A = BinaryId.ofAscii("-TP-a_______________");
  private static final BinaryId B = BinaryId.ofAscii("-TP-b_______________");
  private static final long BUCKET = SwarmSummary.bucketMillis();
  private static final long T0 = 1_000 * BUCKET; // on a bucket boundary
  private static final long PEER_TIMEOUT_MILLIS = 180_000;

  private final LocalSwarmRegistry registry = new LocalSwarmRegistry(
      100, 1000, PEER_TIMEOUT_MILLIS, 120_000, 16, new SplittableRandom(1));
  private final Endpoint endpointA = new Endpoint("a");
  private final Endpoint endpointB = new Endpoint("b");

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

  private void join(BinaryId swarm, BinaryId peer, Endpoint endpoint, long nowMillis) {
    assertThat(registry.announce(swarm, peer, endpoint, false, false, List.of(), 0, nowMillis)
        .status()).isEqualTo(AnnounceResult.Status.OK);
  }

  private static ViewerReport report(long cdn, long p2p, long up, long stalls, long stallMillis,
      long peers) {
    return new ViewerReport(cdn, p2p, up, stalls, stallMillis, peers);
  }

  private SwarmSummary summary(BinaryId swarm, long nowMillis) {
    return registry.largestSwarms(100, nowMillis).stream()
        .filter(s -> s.infoHash().equals(swarm)).findFirst().orElseThrow();
  }

  @Test
  void increasesAreSummedPerSwarmAndBucketed() {
    join(SWARM, A, endpointA, T0);
    join(SWARM, B, endpointB, T0);

    assertThat(registry.report(SWARM, A, endpointA, report(100, 300, 50, 1, 200, 1), T0))
        .isEqualTo(report(100, 300, 50, 1, 200, 1));
    assertThat(registry.report(SWARM, B, endpointB, report(100, 500, 0, 0, 0, 1), T0 + 1))
        .isEqualTo(report(100, 500, 0, 0, 0, 1));
    // A's next report: only the increase counts, in the next bucket.
    assertThat(registry.report(SWARM, A, endpointA, report(150, 700, 80, 1, 200, 2),
        T0 + BUCKET)).isEqualTo(report(50, 400, 30, 0, 0, 2));

    SwarmSummary s = summary(SWARM, T0 + BUCKET + 5);
    assertThat(s.viewers()).isEqualTo(2);
    assertThat(s.reporters()).isEqualTo(2);
    assertThat(s.now()).isEqualTo(new SwarmSummary.Figures(250, 1200, 80, 1, 200, 3));
    assertThat(s.now().offload()).isEqualTo(1200.0 / 1450);
    assertThat(s.total()).isEqualTo(new SwarmSummary.Figures(250, 1200, 80, 1, 200, 3));
    assertThat(s.series()).containsExactly(
        new SwarmSummary.Bucket(T0, 200, 800, 1),
        new SwarmSummary.Bucket(T0 + BUCKET, 50, 400, 0));
    assertThat(s.series().get(0).offload()).isEqualTo(0.8);
  }

  @Test
  void peerStateGoesWhenThePeerLeavesButTheTotalsStay() {
    join(SWARM, A, endpointA, T0);
    join(SWARM, B, endpointB, T0);
    registry.report(SWARM, A, endpointA, report(100, 300, 0, 2, 500, 1), T0);
    registry.report(SWARM, B, endpointB, report(100, 100, 0, 0, 0, 1), T0);

    registry.leave(SWARM, A, endpointA);

    SwarmSummary s = summary(SWARM, T0);
    assertThat(s.viewers()).isEqualTo(1);
    assertThat(s.reporters()).isEqualTo(1);
    assertThat(s.now()).isEqualTo(new SwarmSummary.Figures(100, 100, 0, 0, 0, 1));
    assertThat(s.total()).isEqualTo(new SwarmSummary.Figures(200, 400, 0, 2, 500, 1));
    // A joins again with a new peer id's worth of counters: its first report counts whole.
    join(SWARM, A, endpointA, T0 + 1);
    assertThat(registry.report(SWARM, A, endpointA, report(10, 0, 0, 0, 0, 0), T0 + 1))
        .isEqualTo(report(10, 0, 0, 0, 0, 0));
  }

  @Test
  void expiredPeersAreDroppedBySweepAndEmptySwarmsVanish() {
    join(SWARM, A, endpointA, T0);
    registry.report(SWARM, A, endpointA, report(1, 2, 3, 4, 5, 6), T0);

    registry.sweep(T0 + PEER_TIMEOUT_MILLIS + 1);

    assertThat(registry.largestSwarms(10, T0 + PEER_TIMEOUT_MILLIS + 1)).isEmpty();
    join(SWARM, A, endpointA, T0 + PEER_TIMEOUT_MILLIS + 2);
    SwarmSummary fresh = summary(SWARM, T0 + PEER_TIMEOUT_MILLIS + 2);
    assertThat(fresh.reporters()).isZero();
    assertThat(fresh.total()).isEqualTo(new SwarmSummary.Figures(0, 0, 0, 0, 0, 0));
    assertThat(fresh.series()).isEmpty();
  }

  @Test
  void countersThatWentDownCountFromZero() {
    join(SWARM, A, endpointA, T0);
    registry.report(SWARM, A, endpointA, report(1000, 1000, 0, 5, 100, 3), T0);

    assertThat(registry.report(SWARM, A, endpointA, report(10, 2000, 0, 1, 50, 1), T0 + 1))
        .isEqualTo(report(10, 1000, 0, 1, 50, 1));
    assertThat(summary(SWARM, T0 + 1).now())
        .isEqualTo(new SwarmSummary.Figures(10, 2000, 0, 1, 50, 1));
  }

  @Test
  void reportsOfStrangersAreIgnored() {
    join(SWARM, A, endpointA, T0);

    assertThat(registry.report(SWARM, B, endpointB, report(1, 1, 1, 1, 1, 1), T0)).isNull();
    assertThat(registry.report(SWARM, A, endpointB, report(1, 1, 1, 1, 1, 1), T0)).isNull();
    assertThat(registry.report(OTHER, A, endpointA, report(1, 1, 1, 1, 1, 1), T0)).isNull();
    assertThat(summary(SWARM, T0).reporters()).isZero();
  }

  @Test
  void seriesKeepsTheLastTenMinutesWithEmptyBucketsBetween() {
    join(SWARM, A, endpointA, T0);
    long buckets = 60;
    long cdn = 0;
    for (int i = 0; i < 100; i++) {
      cdn += i;
      // Report every other bucket; refresh membership so the peer never expires.
      long now = T0 + 2 * i * BUCKET;
      join(SWARM, A, endpointA, now);
      registry.report(SWARM, A, endpointA, report(cdn, 0, 0, 0, 0, 0), now);
    }
    long last = T0 + 2 * 99 * BUCKET;

    List<SwarmSummary.Bucket> series = summary(SWARM, last + 3 * BUCKET).series();

    assertThat(series).hasSize((int) buckets);
    assertThat(series.get(series.size() - 1).startMillis()).isEqualTo(last + 3 * BUCKET);
    List<Long> cdnByBucket = new ArrayList<>();
    for (SwarmSummary.Bucket b : series) {
      cdnByBucket.add(b.cdnBytes());
    }
    // Newest first: three empty buckets after the last report, which added 99.
    assertThat(cdnByBucket.subList(56, 60)).containsExactly(99L, 0L, 0L, 0L);
    assertThat(cdnByBucket.subList(52, 56)).containsExactly(97L, 0L, 98L, 0L);
    assertThat(series.get(59).offload()).isNaN();
  }

  @Test
  void largestSwarmsAreListedFirstAndTheListIsBounded() {
    BinaryId[] swarms = new BinaryId[5];
    for (int i = 0; i < swarms.length; i++) {
      swarms[i] = BinaryId.ofAscii("analytics-size-000" + i + "_");
      for (int p = 0; p <= i; p++) {
        join(swarms[i], BinaryId.ofAscii("-TP-" + i + "-" + p + "_____________"),
            new Endpoint(i + "/" + p), T0);
      }
    }

    List<SwarmSummary> top = registry.largestSwarms(3, T0);

    assertThat(top).extracting(SwarmSummary::infoHash)
        .containsExactly(swarms[4], swarms[3], swarms[2]);
    assertThat(top).extracting(SwarmSummary::viewers).containsExactly(5, 4, 3);
    List<Integer> sizes = new ArrayList<>();
    registry.forEachSwarmSize(sizes::add);
    assertThat(sizes).containsExactlyInAnyOrder(1, 2, 3, 4, 5);
  }
}
