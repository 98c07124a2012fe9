package dev.hlsmesh.agent.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hlsmesh.agent.Neighbour;
import dev.hlsmesh.agent.scheduler.Planner.CdnReason;
import dev.hlsmesh.agent.scheduler.Planner.Decision;
import dev.hlsmesh.agent.scheduler.Planner.FromCdn;
import dev.hlsmesh.agent.scheduler.Planner.FromPeer;
import dev.hlsmesh.agent.scheduler.Planner.Wait;
import dev.hlsmesh.agent.scheduler.Planner.WaitReason;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The scheduler's decision rules with fake neighbours and fixed throughputs. */
class PlannerTest {
  private static final String SELF = "-HM0100-selfselfself";
  private static final long BYTES = 250_000;

  // 1 MB/s CDN: 250 ms expected for 250 kB, margin 2 x 250 + 1000 = 1500 ms.
  private final SchedulerSettings settings = SchedulerSettings.defaults();
  private final Planner planner = new Planner(settings);
  private final Throughput cdn = new Throughput(1_000_000);
  private final Map<String, Throughput> peers = new HashMap<>();

  private Decision decide(long segmentId, long now, long deadline, List<Neighbour> neighbours, Set<String> excluded) {
    return planner.decide(new Planner.Situation(segmentId, now, deadline, 0, 0, BYTES, SELF, neighbours, excluded), cdn,
        id -> peers.computeIfAbsent(id, x -> new Throughput(2_000_000)));
  }

  private static Neighbour holding(String id, long... segments) {
    Set<Long> ids = new java.util.HashSet<>();
    for (long s : segments) {
      ids.add(s);
    }
    return new Neighbour(id, ids, Set.of());
  }

  private static Neighbour fetching(String id, long segment) {
    return new Neighbour(id, Set.of(), Set.of(segment));
  }

  private static String peer(int n) {
    return String.format("-HM0100-peer%08d", n);
  }

  @Test
  void safetyMarginGrowsWithMeasuredCdnSlowness() {
    assertThat(planner.safetyMarginMillis(BYTES, cdn)).isEqualTo(1_500);
    Throughput slow = new Throughput(1_000_000);
    slow.record(250_000, 2_500); // 100 kB/s measured
    assertThat(planner.safetyMarginMillis(BYTES, slow)).isEqualTo(2 * 2_500 + 1_000);
  }

  @Test
  void segmentWithinTheSafetyMarginGoesToTheCdnEvenWhenAPeerHoldsIt() {
    List<Neighbour> neighbours = List.of(holding(peer(1), 7));
    assertThat(decide(7, 10_000, 11_499, neighbours, Set.of())).isEqualTo(new FromCdn(CdnReason.DEADLINE));
    assertThat(decide(7, 10_000, 11_501, neighbours, Set.of())).isEqualTo(new FromPeer(peer(1)));
  }

  @Test
  void startupSegmentNeededNowGoesToTheCdn() {
    assertThat(decide(7, 10_000, 10_000, List.of(holding(peer(1), 7)), Set.of()))
        .isEqualTo(new FromCdn(CdnReason.DEADLINE));
  }

  @Test
  void aHolderIsChosenOverWaitingAndFailedHoldersAreSkipped() {
    List<Neighbour> neighbours = List.of(fetching(peer(1), 7), holding(peer(2), 6, 7), holding(peer(3), 7));
    Decision first = decide(7, 0, 6_000, neighbours, Set.of());
    assertThat(first).isInstanceOf(FromPeer.class);
    String chosen = ((FromPeer) first).peerId();
    String other = chosen.equals(peer(2)) ? peer(3) : peer(2);
    assertThat(decide(7, 0, 6_000, neighbours, Set.of(chosen))).isEqualTo(new FromPeer(other));
    // Both holders failed: take it from the one still receiving it, while it arrives ...
    assertThat(decide(7, 0, 6_000, neighbours, Set.of(peer(2), peer(3)))).isEqualTo(new FromPeer(peer(1)));
    // ... or, if that one serves only complete segments (a browser), wait for it until the safety point.
    Planner.Situation browserLoading = new Planner.Situation(7, 0, 6_000, 0, 0, BYTES, SELF, neighbours,
        Set.of(peer(2), peer(3)), Long.MIN_VALUE, Set.of(peer(1)));
    assertThat(planner.decide(browserLoading, cdn, id -> new Throughput(2_000_000)))
        .isEqualTo(new Wait(6_000 - 1_500, WaitReason.NEIGHBOUR_FETCHING));
  }

  @Test
  void theFastestMeasuredHolderWins() {
    peers.put(peer(1), new Throughput(2_000_000));
    Throughput fast = new Throughput(2_000_000);
    fast.record(250_000, 10); // 25 MB/s
    peers.put(peer(2), fast);
    assertThat(decide(7, 0, 6_000, List.of(holding(peer(1), 7), holding(peer(2), 7)), Set.of()))
        .isEqualTo(new FromPeer(peer(2)));
  }

  @Test
  void aHolderTooSlowToMakeTheDeadlineIsNotAsked() {
    Throughput capped = new Throughput(2_000_000);
    capped.record(250_000, 20_000); // 12.5 kB/s: an upload cap
    peers.put(peer(1), capped);
    Decision decision = decide(7, 0, 6_000, List.of(holding(peer(1), 7)), Set.of());
    assertThat(decision).isNotInstanceOf(FromPeer.class);
  }

  @Test
  void holdersSpreadOverEqualPeersByRendezvousHash() {
    List<Neighbour> neighbours = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      neighbours.add(holding(peer(i), java.util.stream.LongStream.range(0, 200).toArray()));
    }
    Map<String, Integer> chosen = new HashMap<>();
    for (long segment = 0; segment < 200; segment++) {
      chosen.merge(((FromPeer) decide(segment, 0, 6_000, neighbours, Set.of())).peerId(), 1, Integer::sum);
    }
    assertThat(chosen).hasSize(4);
    assertThat(chosen.values()).allSatisfy(count -> assertThat(count).isBetween(20, 80));
  }

  @Test
  void exactlyOneAgentOfAFullyConnectedNeighbourhoodIsElectedPerSegmentAndGoesFirst() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      ids.add(peer(i));
    }
    Map<String, Integer> wins = new HashMap<>();
    for (long segment = 100; segment < 400; segment++) {
      int elected = 0;
      long electedDelay = Long.MAX_VALUE;
      long othersFirstDelay = Long.MAX_VALUE;
      for (String self : ids) {
        List<Neighbour> others = ids.stream().filter(id -> !id.equals(self))
            .map(id -> new Neighbour(id, Set.of(), Set.of())).toList();
        int rank = Planner.rank(segment, self, ids.stream().filter(id -> !id.equals(self)).toList());
        long delay = planner.electionDelayMillis(segment, self, rank);
        Decision before = planner.decide(new Planner.Situation(segment, delay - 1, 60_000, 0, 0, BYTES, self, others,
            Set.of()), cdn, id -> new Throughput(2_000_000));
        assertThat(before).isInstanceOf(Wait.class);
        Decision at = planner.decide(new Planner.Situation(segment, delay, 60_000, 0, 0, BYTES, self, others,
            Set.of()), cdn, id -> new Throughput(2_000_000));
        if (at.equals(new FromCdn(CdnReason.ELECTED))) {
          elected++;
          electedDelay = delay;
          wins.merge(self, 1, Integer::sum);
        } else {
          assertThat(at).isEqualTo(new FromCdn(CdnReason.ELECTION_TIMEOUT));
          othersFirstDelay = Math.min(othersFirstDelay, delay);
        }
      }
      assertThat(elected).as("agents elected for segment %d", segment).isEqualTo(1);
      assertThat(electedDelay).isLessThanOrEqualTo(settings.electionSpreadMillis());
      assertThat(othersFirstDelay - electedDelay)
          .as("the others wait at least a rank's wait longer than the elected agent")
          .isGreaterThanOrEqualTo(settings.electionWaitMillis() - settings.electionSpreadMillis());
    }
    assertThat(wins).as("the election rotates over the agents").hasSize(10);
  }

  @Test
  void agentsFirstInTheirOwnPartialViewsGoOneAfterTheOtherBestScoreFirst() {
    // 20 agents, each seeing a different half of the swarm: several are first in their own view.
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      ids.add(peer(i));
    }
    java.util.Random random = new java.util.Random(7);
    int segmentsWithSeveralLocalWinners = 0;
    for (long segment = 100; segment < 300; segment++) {
      List<long[]> winners = new ArrayList<>(); // {score, delay}
      for (String self : ids) {
        List<String> view = new ArrayList<>(ids);
        view.remove(self);
        java.util.Collections.shuffle(view, random);
        view = view.subList(0, 10);
        if (Planner.rank(segment, self, view) == 0) {
          winners.add(new long[] {Planner.score(segment, self), planner.electionDelayMillis(segment, self, 0)});
        }
      }
      if (winners.size() > 1) {
        segmentsWithSeveralLocalWinners++;
        winners.sort((a, b) -> Long.compareUnsigned(b[0], a[0]));
        for (int i = 1; i < winners.size(); i++) {
          assertThat(winners.get(i)[1]).as("a lower score waits longer").isGreaterThanOrEqualTo(winners.get(i - 1)[1]);
        }
      }
    }
    assertThat(segmentsWithSeveralLocalWinners).as("partial views do elect several agents").isGreaterThan(20);
  }

  @Test
  void theSpreadShrinksToHalfTheTimeLeftBeforeTheSafetyPoint() {
    long segment = java.util.stream.LongStream.range(0, 1000)
        .filter(s -> Planner.rank(s, SELF, List.of(peer(1))) == 0).findFirst().orElseThrow();
    long full = planner.electionDelayMillis(segment, SELF, 0);
    long shrunk = planner.electionDelayMillis(segment, SELF, 0, 600);
    assertThat(shrunk).isLessThanOrEqualTo(300).isCloseTo(full * 300 / 1000, org.assertj.core.data.Offset.offset(1L));
    // A startup segment needed 2 s after the request (safety point 500 ms away): elected within 250 ms.
    long atStartup = planner.electionDelayMillis(segment, SELF, 0, 500);
    assertThat(atStartup).isLessThanOrEqualTo(250);
    List<Neighbour> others = List.of(new Neighbour(peer(1), Set.of(), Set.of()));
    assertThat(decide(segment, atStartup, 2_000, others, Set.of())).isEqualTo(new FromCdn(CdnReason.ELECTED));
  }

  @Test
  void notElectedWaitsByRankThenFetchesItself() {
    List<Neighbour> others = List.of(new Neighbour(peer(1), Set.of(), Set.of()));
    long segment = java.util.stream.LongStream.range(0, 1000)
        .filter(s -> Planner.rank(s, SELF, List.of(peer(1))) == 1).findFirst().orElseThrow();
    long spread = planner.electionDelayMillis(segment, SELF, 0);
    assertThat(spread).isBetween(0L, settings.electionSpreadMillis());
    // Rank 1 with one elected fetcher: back-off 2500 ms plus the spread by score, from when first wanted.
    assertThat(decide(segment, 0, 20_000, others, Set.of()))
        .isEqualTo(new Wait(2_500 + spread, WaitReason.ELECTION_BACKOFF));
    assertThat(decide(segment, 2_500 + spread, 20_000, others, Set.of()))
        .isEqualTo(new FromCdn(CdnReason.ELECTION_TIMEOUT));
    // The safety point comes first when the deadline is near.
    assertThat(decide(segment, 0, 3_000, others, Set.of())).isEqualTo(new Wait(1_500, WaitReason.ELECTION_BACKOFF));
    // A neighbour announcing the segment as loading: take it from that neighbour while it arrives.
    assertThat(decide(segment, 2_500, 20_000, List.of(fetching(peer(1), segment)), Set.of()))
        .isEqualTo(new FromPeer(peer(1)));
  }

  @Test
  void aLoneAgentIsAlwaysElected() {
    for (long segment = 0; segment < 50; segment++) {
      assertThat(decide(segment, 0, 6_000, List.of(), Set.of())).isEqualTo(new FromCdn(CdnReason.ELECTED));
    }
  }

  @Test
  void aJustJoinedAgentWithoutNeighboursWaitsForThemUntilTheSafetyPoint() {
    Planner.Situation joining = new Planner.Situation(7, 1_000, 6_000, 1_000, 0, BYTES, SELF, List.of(), Set.of(),
        5_000);
    assertThat(planner.decide(joining, cdn, id -> new Throughput(2_000_000)))
        .isEqualTo(new Wait(4_500, WaitReason.NO_NEIGHBOURS_YET));
    Planner.Situation later = new Planner.Situation(7, 5_000, 60_000, 1_000, 0, BYTES, SELF, List.of(), Set.of(),
        5_000);
    assertThat(planner.decide(later, cdn, id -> new Throughput(2_000_000))).isEqualTo(new FromCdn(CdnReason.ELECTED));
  }

  @Test
  void settingsReportEveryProblemAtOnce() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new SchedulerSettings(true, true, 0, -1, -2, 0, 0.5, 0, 0, 1, -3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("scheduler.electedFetchers: 0 (expected: 1..64)")
        .hasMessageContaining("scheduler.electionWaitMillis: -1")
        .hasMessageContaining("scheduler.electionSpreadMillis: -2")
        .hasMessageContaining("scheduler.safetyFactor: 0.5")
        .hasMessageContaining("scheduler.initialCdnBytesPerSecond: 0")
        .hasMessageContaining("scheduler.joinGraceMillis: -3");
  }
}
