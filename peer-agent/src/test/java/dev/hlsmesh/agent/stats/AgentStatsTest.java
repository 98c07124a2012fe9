package dev.hlsmesh.agent.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hlsmesh.testsupport.ManualClock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AgentStatsTest {
  private final ManualClock clock = new ManualClock();
  private final AgentStats stats = new AgentStats(clock);

  @Test
  void offloadIsPeerBytesOverAllReceivedBytes() {
    assertThat(stats.snapshot().offloadRatio()).as("nothing received yet").isZero();
    stats.recordReceived(SegmentSourceKind.CDN, 250);
    stats.recordReceived(SegmentSourceKind.PEER, 750);
    stats.recordSegmentCompleted(SegmentSourceKind.PEER);
    stats.recordUploaded(4_000);

    AgentStatsSnapshot s = stats.snapshot();
    assertThat(s.cdnBytes()).isEqualTo(250);
    assertThat(s.peerBytes()).isEqualTo(750);
    assertThat(s.offloadRatio()).isEqualTo(0.75);
    assertThat(s.uploadedBytes()).as("uploads do not change offload").isEqualTo(4_000);
    assertThat(s.peerSegments()).isEqualTo(1);
    assertThat(s.cdnSegments()).isZero();
  }

  @Test
  void snapshotCarriesStallsStartupLatencyPeersAndTime() {
    stats.recordStall(300);
    stats.recordStall(200);
    stats.recordStartup(850);
    stats.recordLiveLatency(6_100);
    stats.connectedPeers(() -> 4);
    clock.advanceMillis(1_234);

    AgentStatsSnapshot s = stats.snapshot();
    assertThat(s.stalls()).isEqualTo(2);
    assertThat(s.stallMillis()).isEqualTo(500);
    assertThat(s.startupMillis()).isEqualTo(850);
    assertThat(s.liveLatencyMillis()).isEqualTo(6_100);
    assertThat(s.connectedPeers()).isEqualTo(4);
    assertThat(s.takenAtMillis()).isEqualTo(clock.millis());
  }

  @Test
  void beforePlaybackStartupAndLatencyAreMinusOne() {
    AgentStatsSnapshot s = stats.snapshot();
    assertThat(s.startupMillis()).isEqualTo(-1);
    assertThat(s.liveLatencyMillis()).isEqualTo(-1);
  }

  @Test
  void jsonHasEveryFieldByName() throws Exception {
    stats.recordReceived(SegmentSourceKind.CDN, 1);
    stats.recordReceived(SegmentSourceKind.PEER, 3);
    stats.connectedPeers(() -> 2);
    JsonNode json = new ObjectMapper().readTree(stats.toJson());

    assertThat(json.get("cdnBytes").asLong()).isEqualTo(1);
    assertThat(json.get("peerBytes").asLong()).isEqualTo(3);
    assertThat(json.get("offloadRatio").asDouble()).isEqualTo(0.75);
    assertThat(json.get("connectedPeers").asInt()).isEqualTo(2);
    assertThat(json.fieldNames()).toIterable().containsExactlyInAnyOrder("takenAtMillis", "cdnBytes", "peerBytes",
        "uploadedBytes", "cdnSegments", "peerSegments", "offloadRatio", "stalls", "stallMillis", "startupMillis",
        "liveLatencyMillis", "connectedPeers", "validationFailures", "verifiedPeerSegments", "unverifiedPeerSegments");
    assertThat(stats.toJson()).doesNotContain("\n");
  }

  @Test
  void listenersSeeEventsAndAThrowingListenerDoesNotStopOthers() {
    List<String> seen = new ArrayList<>();
    stats.addListener(new AgentStatsListener() {
      @Override
      public void onReceived(SegmentSourceKind source, long bytes) {
        throw new IllegalStateException("listener bug");
      }
    });
    AgentStatsListener recorder = new AgentStatsListener() {
      @Override
      public void onReceived(SegmentSourceKind source, long bytes) {
        seen.add(source + ":" + bytes);
      }

      @Override
      public void onUploaded(long bytes) {
        seen.add("up:" + bytes);
      }

      @Override
      public void onStall(long stallMillis) {
        seen.add("stall:" + stallMillis);
      }

      @Override
      public void onStartup(long startupMillis) {
        seen.add("startup:" + startupMillis);
      }
    };
    stats.addListener(recorder);
    stats.recordReceived(SegmentSourceKind.PEER, 10);
    stats.recordUploaded(5);
    stats.recordStartup(700);
    stats.recordStall(40);
    stats.removeListener(recorder);
    stats.recordReceived(SegmentSourceKind.CDN, 99);

    assertThat(seen).containsExactly("PEER:10", "up:5", "startup:700", "stall:40");
    assertThat(stats.snapshot().cdnBytes()).isEqualTo(99);
  }

  @Test
  void aFailingPeerCountSourceReadsAsZero() {
    stats.connectedPeers(() -> {
      throw new IllegalStateException("agent closed");
    });
    assertThat(stats.snapshot().connectedPeers()).isZero();
  }

  @Test
  void negativeAmountsAreRejected() {
    assertThatThrownBy(() -> stats.recordReceived(SegmentSourceKind.CDN, -1))
        .hasMessage("bytes: -1 (expected: >= 0)");
    assertThatThrownBy(() -> stats.recordStall(-5)).hasMessage("millis: -5 (expected: >= 0)");
  }

  @Test
  void countsExactlyUnderConcurrentRecording() throws Exception {
    int threads = 4;
    int perThread = 50_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<java.util.concurrent.Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        done.add(pool.submit(() -> {
          go.await();
          for (int i = 0; i < perThread; i++) {
            stats.recordReceived(i % 2 == 0 ? SegmentSourceKind.CDN : SegmentSourceKind.PEER, 2);
            stats.recordUploaded(1);
          }
          return null;
        }));
      }
      go.countDown();
      for (java.util.concurrent.Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    AgentStatsSnapshot s = stats.snapshot();
    assertThat(s.cdnBytes() + s.peerBytes()).isEqualTo(2L * threads * perThread);
    assertThat(s.uploadedBytes()).isEqualTo((long) threads * perThread);
    assertThat(s.offloadRatio()).isEqualTo(0.5);
  }

  @Test
  void reporterPublishesSnapshotsToListenersPeriodically() throws Exception {
    ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
    CountDownLatch three = new CountDownLatch(3);
    AtomicInteger peersSeen = new AtomicInteger();
    stats.connectedPeers(() -> 3);
    stats.addListener(new AgentStatsListener() {
      @Override
      public void onSnapshot(AgentStatsSnapshot snapshot) {
        peersSeen.set(snapshot.connectedPeers());
        three.countDown();
      }
    });
    try (StatsReporter reporter = StatsReporter.start(stats, "agent-1", executor, 100)) {
      assertThat(three.await(30, TimeUnit.SECONDS)).isTrue();
      assertThat(reporter.report().connectedPeers()).isEqualTo(3);
    } finally {
      executor.shutdownNow();
    }
    assertThat(peersSeen.get()).isEqualTo(3);
  }

  @Test
  void logLineReadsAsFigures() {
    stats.recordReceived(SegmentSourceKind.CDN, 1024 * 1024);
    stats.recordReceived(SegmentSourceKind.PEER, 3 * 1024 * 1024);
    stats.recordStall(250);
    stats.recordStartup(1_500);
    String line = StatsReporter.logLine("agent-7", stats.snapshot());

    assertThat(line).isEqualTo("agent-7: offload 75.0% (cdn 1.0 MiB, peers 3.0 MiB), uploaded 0 B, "
        + "stalls 1 (250 ms), startup 1.5 s, latency -, peers 0");
  }

  @Test
  void reporterRejectsAnAbsurdInterval() {
    ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
    try {
      assertThatThrownBy(() -> StatsReporter.start(stats, "a", executor, 5))
          .hasMessage("intervalMillis: 5 (expected: 100..86400000)");
    } finally {
      executor.shutdownNow();
    }
  }
}
