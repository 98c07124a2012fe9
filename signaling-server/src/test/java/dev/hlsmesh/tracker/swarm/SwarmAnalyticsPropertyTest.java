package dev.hlsmesh.tracker.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hlsmesh.protocol.tracker.BinaryId;
import dev.hlsmesh.protocol.tracker.ServerMessage;
import dev.hlsmesh.protocol.tracker.ViewerReport;
import dev.hlsmesh.tracker.relay.PeerEndpoint;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Random joins, reports (growing, and sometimes reset counters), leaves and time steps against
 * a plain model: the swarm's "now" sums, reporter count, totals and time series always agree.
 */
class SwarmAnalyticsPropertyTest {
  private static final BinaryId SWARM = BinaryId.ofAscii("property-swarm-00001");
  private static final int PEERS = 4;
  private static final long BUCKET = SwarmSummary.bucketMillis();

  private record Endpoint(int n) implements PeerEndpoint {
    @Override
    public boolean send(ServerMessage message) {
      return true;
    }

    @Override
    public String describe() {
      return "peer " + n;
    }
  }

  @Property(tries = 300)
  void sumsTotalsAndSeriesMatchAModel(@ForAll long seed,
      @ForAll @IntRange(min = 1, max = 300) int steps) {
    Random random = new Random(seed);
    // Peers never expire here: the property is about the figures.
    LocalSwarmRegistry registry = new LocalSwarmRegistry(
        10, 100, Long.MAX_VALUE / 4, 120_000, 16, new SplittableRandom(seed));
    BinaryId[] ids = new BinaryId[PEERS];
    Endpoint[] endpoints = new Endpoint[PEERS];
    for (int i = 0; i < PEERS; i++) {
      ids[i] = BinaryId.ofAscii("-TP-property-peer-" + i + "_");
      endpoints[i] = new Endpoint(i);
    }
    boolean[] joined = new boolean[PEERS];
    ViewerReport[] latest = new ViewerReport[PEERS];
    long[] total = new long[2]; // cdn, p2p increases
    Map<Long, long[]> byBucket = new HashMap<>(); // bucket -> cdn, p2p increases
    long now = 10_000 * BUCKET;
    long firstReportBucket = -1;

    for (int step = 0; step < steps; step++) {
      int peer = random.nextInt(PEERS);
      switch (random.nextInt(6)) {
        case 0 -> {
          registry.announce(SWARM, ids[peer], endpoints[peer], false, false, List.of(), 0, now);
          joined[peer] = true;
        }
        case 1 -> {
          registry.leave(SWARM, ids[peer], endpoints[peer]);
          joined[peer] = false;
          latest[peer] = null;
        }
        case 2 -> now += random.nextInt((int) (3 * BUCKET));
        default -> {
          ViewerReport previous = latest[peer];
          boolean reset = previous != null && random.nextInt(10) == 0;
          long cdn = (previous == null || reset ? 0 : previous.cdnBytes()) + random.nextInt(1000);
          long p2p = (previous == null || reset ? 0 : previous.p2pBytes()) + random.nextInt(1000);
          ViewerReport next = new ViewerReport(cdn, p2p, 0, 0, 0, random.nextInt(5));
          ViewerReport increase = registry.report(SWARM, ids[peer], endpoints[peer], next, now);
          if (!joined[peer]) {
            assertThat(increase).isNull();
            break;
          }
          long dCdn = previous == null || cdn < previous.cdnBytes() ? cdn
              : cdn - previous.cdnBytes();
          long dP2p = previous == null || p2p < previous.p2pBytes() ? p2p
              : p2p - previous.p2pBytes();
          assertThat(increase.cdnBytes()).isEqualTo(dCdn);
          assertThat(increase.p2pBytes()).isEqualTo(dP2p);
          latest[peer] = next;
          total[0] += dCdn;
          total[1] += dP2p;
          long bucket = now / BUCKET;
          if (firstReportBucket < 0) {
            firstReportBucket = bucket;
          }
          long[] sums = byBucket.computeIfAbsent(bucket, b -> new long[2]);
          sums[0] += dCdn;
          sums[1] += dP2p;
        }
      }
      boolean anyJoined = false;
      for (boolean j : joined) {
        anyJoined |= j;
      }
      if (!anyJoined) {
        // The empty swarm is gone, and with it its history.
        assertThat(registry.largestSwarms(10, now)).isEmpty();
        total[0] = 0;
        total[1] = 0;
        byBucket.clear();
        firstReportBucket = -1;
        continue;
      }
      SwarmSummary s = registry.largestSwarms(10, now).get(0);
      long nowCdn = 0;
      long nowP2p = 0;
      long nowPeers = 0;
      int reporters = 0;
      int viewers = 0;
      for (int i = 0; i < PEERS; i++) {
        viewers += joined[i] ? 1 : 0;
        if (latest[i] != null) {
          reporters++;
          nowCdn += latest[i].cdnBytes();
          nowP2p += latest[i].p2pBytes();
          nowPeers += latest[i].peers();
        }
      }
      assertThat(s.viewers()).isEqualTo(viewers);
      assertThat(s.reporters()).isEqualTo(reporters);
      assertThat(s.now().cdnBytes()).isEqualTo(nowCdn);
      assertThat(s.now().p2pBytes()).isEqualTo(nowP2p);
      assertThat(s.now().peers()).isEqualTo(nowPeers);
      assertThat(s.total().cdnBytes()).isEqualTo(total[0]);
      assertThat(s.total().p2pBytes()).isEqualTo(total[1]);
      long nowBucket = now / BUCKET;
      if (firstReportBucket < 0) {
        assertThat(s.series()).isEmpty();
        continue;
      }
      long from = Math.max(firstReportBucket, nowBucket - 59);
      assertThat(s.series()).hasSize((int) (nowBucket - from + 1));
      for (SwarmSummary.Bucket b : s.series()) {
        long[] expected = byBucket.getOrDefault(b.startMillis() / BUCKET, new long[2]);
        assertThat(b.cdnBytes()).as("cdn in bucket %d", b.startMillis() / BUCKET)
            .isEqualTo(expected[0]);
        assertThat(b.p2pBytes()).isEqualTo(expected[1]);
      }
    }
  }
}
