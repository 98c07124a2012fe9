package dev.hlsmesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hlsmesh.agent.scheduler.SchedulerSettings;
import dev.hlsmesh.e2e.LiveSwarm.Viewer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The product end to end: a real tracker on port 0, the live test origin on real time (2 s
 * segments of the shipped clip, about 1.1 Mbit/s) and agents with virtual players, connected by
 * real WebRTC over the host interface, each served through its hybrid scheduler.
 *
 * <p>Each test plays 60 s of live stream ({@link #SEGMENTS} segments of 2 s per player); the
 * sharp offload figures over minutes are the benchmark's (docs/benchmarks.md). Bounds here are
 * the ones that hold on a loaded 2-core machine.
 */
class HybridDeliveryE2ETest {
  private static final Duration MESH_BOUND = Duration.ofSeconds(60);
  /** Segments each player plays: 60 s of the live stream. */
  private static final long SEGMENTS = 30;
  /** Enough for {@link #SEGMENTS} at one segment per 2 s, plus a generous start-up. */
  private static final Duration PLAY_BOUND = Duration.ofSeconds(180);

  private LiveSwarm swarm;

  @AfterEach
  void stop() {
    if (swarm != null) {
      swarm.close();
    }
  }

  private void awaitFullMesh(List<Viewer> viewers) {
    await().atMost(MESH_BOUND).until(() -> viewers.stream()
        .allMatch(v -> v.connectedPeers() == viewers.size() - 1));
  }

  private static void awaitSegments(List<Viewer> viewers, long segments) {
    await().atMost(PLAY_BOUND).pollInterval(Duration.ofMillis(200))
        .until(() -> viewers.stream().allMatch(v -> v.deliveredSegments.get() >= segments));
  }

  private void report(String test) {
    StringBuilder line = new StringBuilder(test).append(String.format(": offload at origin %.1f%% (origin %d B, players %d B)",
        swarm.offload() * 100, swarm.originSegmentBytes(), swarm.deliveredBytes()));
    for (Viewer v : swarm.viewers()) {
      line.append(String.format("; cdn %d B peer %d B stalls %d", v.statsSnapshot().cdnBytes(),
          v.statsSnapshot().peerBytes(), v.statsSnapshot().stalls()));
    }
    System.out.println(line); // surefire keeps it in target/surefire-reports/*-output.txt
  }

  @Test
  void fiveAgentsPlayByteExactWithoutStallsWhileTheOriginServesAtMostFortyPercent() {
    swarm = startSwarm();
    List<Viewer> viewers = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      viewers.add(swarm.addViewer(i, 4, null, SchedulerSettings.defaults()));
    }
    awaitFullMesh(viewers);
    viewers.forEach(Viewer::play);
    awaitSegments(viewers, SEGMENTS);
    report("five agents");

    assertThat(swarm.mismatches()).isEmpty();
    for (Viewer v : viewers) {
      assertThat(v.statsSnapshot().stalls()).as("stalls").isZero();
      assertThat(v.statsSnapshot().startupMillis()).isNotNegative();
    }
    assertThat(swarm.offload()).as("offload counted at the origin").isGreaterThanOrEqualTo(0.60);
  }

  @Test
  void withUploadCappedToATenthOfTheBitrateTheCdnTakesOverWithoutStalls() {
    long capBytesPerSecond = 14_000; // about 10% of the first variant's ~1.1 Mbit/s
    swarm = startSwarm();
    long startedNanos = System.nanoTime();
    List<Viewer> viewers = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      viewers.add(swarm.addViewer(i, 4, swarm.agentConfig(4).maxUploadBytesPerSecond(capBytesPerSecond),
          SchedulerSettings.defaults()));
    }
    awaitFullMesh(viewers);
    viewers.forEach(Viewer::play);
    awaitSegments(viewers, SEGMENTS);
    double elapsedSeconds = (System.nanoTime() - startedNanos) / 1e9;
    report("upload capped");

    assertThat(swarm.mismatches()).isEmpty();
    long fromPeers = 0;
    long uploaded = 0;
    for (Viewer v : viewers) {
      assertThat(v.statsSnapshot().stalls()).as("stalls").isZero();
      // The bucket holds at most a tenth of a second (>= 1 KiB) beyond the rate.
      assertThat((double) v.statsSnapshot().uploadedBytes()).as("bytes uploaded under the cap")
          .isLessThanOrEqualTo(capBytesPerSecond * elapsedSeconds + 1_400);
      fromPeers += v.statsSnapshot().peerBytes();
      uploaded += v.statsSnapshot().uploadedBytes();
    }
    assertThat(fromPeers).as("bytes received from peers, at most what the peers uploaded").isLessThanOrEqualTo(uploaded);
    assertThat(swarm.originSegmentBytes()).as("the CDN carried the rest")
        .isGreaterThanOrEqualTo(swarm.deliveredBytes() - uploaded);
  }

  @Test
  void aSingleAgentPlaysLikeACdnOnlyPlayer() {
    swarm = startSwarm();
    Viewer alone = swarm.addViewer(1, 1, null, SchedulerSettings.defaults());
    Viewer plain = swarm.addViewer(2, 1, null, SchedulerSettings.defaults().withP2pDisabled());
    alone.play();
    plain.play();
    awaitSegments(List.of(alone, plain), SEGMENTS);
    report("single agent");

    assertThat(swarm.mismatches()).isEmpty();
    for (Viewer v : List.of(alone, plain)) {
      assertThat(v.statsSnapshot().stalls()).as("stalls").isZero();
      assertThat(v.statsSnapshot().peerBytes()).as("bytes from peers").isZero();
      assertThat(v.statsSnapshot().cdnBytes()).as("bytes from the CDN").isGreaterThanOrEqualTo(v.deliveredBytes.get());
    }
    assertThat(plain.connectedPeers()).as("P2P off: no swarm joined").isZero();
    assertThat(swarm.originSegmentBytes()).isGreaterThanOrEqualTo(swarm.deliveredBytes());
  }

  @Test
  void anAgentJoiningLateCatchesUpFromPeers() {
    swarm = startSwarm();
    List<Viewer> early = new ArrayList<>();
    for (int i = 1; i <= 4; i++) {
      early.add(swarm.addViewer(i, 3, null, SchedulerSettings.defaults()));
    }
    awaitFullMesh(early);
    early.forEach(Viewer::play);
    awaitSegments(early, 5);

    // The fifth agent comes 10 s late and plays the rest of the minute.
    Viewer late = swarm.addViewer(5, 4, null, SchedulerSettings.defaults());
    awaitFullMesh(swarm.viewers());
    late.play();
    awaitSegments(List.of(late), SEGMENTS - 5);
    report("late joiner");

    assertThat(swarm.mismatches()).isEmpty();
    for (Viewer v : swarm.viewers()) {
      assertThat(v.statsSnapshot().stalls()).as("stalls").isZero();
    }
    // Its first segment is needed at once (start-up) and so comes from the CDN; the segments
    // behind the live edge come from the peers that already hold them, and it takes its share of
    // the CDN elections for new ones. Typically 70-80% comes from peers; the bound is loose (a
    // quarter) because on a loaded 2-core machine more segments reach their CDN safety point
    // (one CI run measured 49.7%). A CDN-only player would have 0.
    assertThat(late.statsSnapshot().peerBytes()).as("late joiner's bytes from peers")
        .isGreaterThanOrEqualTo(late.deliveredBytes.get() / 4);
  }

  private static LiveSwarm startSwarm() {
    try {
      return LiveSwarm.start();
    } catch (Exception e) {
      throw new IllegalStateException("starting tracker and origin failed", e);
    }
  }
}
