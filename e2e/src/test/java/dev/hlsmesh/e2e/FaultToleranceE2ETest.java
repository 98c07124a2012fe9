package dev.hlsmesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hlsmesh.agent.scheduler.SchedulerSettings;
import dev.hlsmesh.e2e.LiveSwarm.Viewer;
import dev.hlsmesh.testsupport.Fault;
import dev.hlsmesh.testsupport.FaultRule;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Fault tolerance end to end (issue 6 item 4): a real tracker, the live test origin on real time
 * and five agents over real WebRTC, each served through its hybrid scheduler; one component
 * fails while they play. In every case each player receives every segment byte-exact and
 * without a single stall. (A peer sending corrupted bytes is the segment-integrity tests'.)
 */
class FaultToleranceE2ETest {
  private static final Duration MESH_BOUND = Duration.ofSeconds(60);
  private static final Duration PLAY_BOUND = Duration.ofSeconds(180);

  private LiveSwarm swarm;
  private Process remote;

  @AfterEach
  void stop() throws Exception {
    if (remote != null) {
      remote.destroyForcibly();
      remote.waitFor(10, TimeUnit.SECONDS);
    }
    if (swarm != null) {
      swarm.close();
    }
  }

  private List<Viewer> fiveViewers() {
    List<Viewer> viewers = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      viewers.add(swarm.addViewer(i, 4, null, SchedulerSettings.defaults()));
    }
    return viewers;
  }

  private void awaitPeers(List<Viewer> viewers, int peers) {
    await().atMost(MESH_BOUND).until(() -> viewers.stream()
        .allMatch(v -> v.connectedPeers() == peers));
  }

  private static void awaitSegments(List<Viewer> viewers, long segments) {
    await().atMost(PLAY_BOUND).pollInterval(Duration.ofMillis(200))
        .until(() -> viewers.stream().allMatch(v -> v.deliveredSegments.get() >= segments));
  }

  /** Waits until the origin has published {@code segments} more segments: that much real time. */
  private void awaitLiveSegments(long segments) {
    long target = swarm.origin().liveEdgeMediaSequence() + segments;
    await().atMost(Duration.ofSeconds(segments * 2 + 30)).pollInterval(Duration.ofMillis(200))
        .until(() -> swarm.origin().liveEdgeMediaSequence() >= target);
  }

  private static long peerBytes(List<Viewer> viewers) {
    return viewers.stream().mapToLong(v -> v.statsSnapshot().peerBytes()).sum();
  }

  private void assertPlayedByteExactWithoutStalls(List<Viewer> viewers) {
    assertThat(swarm.mismatches()).isEmpty();
    for (Viewer v : viewers) {
      assertThat(v.statsSnapshot().stalls()).as("stalls").isZero();
    }
  }

  private void report(String test, List<Viewer> viewers) {
    StringBuilder line = new StringBuilder(test).append(String.format(": offload at origin %.1f%%", swarm.offload() * 100));
    for (Viewer v : viewers) {
      line.append(String.format("; cdn %d B peer %d B stalls %d", v.statsSnapshot().cdnBytes(),
          v.statsSnapshot().peerBytes(), v.statsSnapshot().stalls()));
    }
    System.out.println(line);
  }

  @Test
  void theTrackerRestartingWhileFiveAgentsPlayCostsNoStallAndTheyAnnounceAgain() throws Exception {
    swarm = LiveSwarm.start();
    List<Viewer> viewers = fiveViewers();
    awaitPeers(viewers, 4);
    viewers.forEach(Viewer::play);
    awaitSegments(viewers, 5);
    assertThat(swarm.peersAtTracker()).isEqualTo(5);

    swarm.stopTracker();
    long peerBytesBefore = peerBytes(viewers);
    awaitLiveSegments(5); // 10 s without a tracker
    // They kept the peers they had and went on taking segments from them (and from the CDN).
    assertThat(peerBytes(viewers)).as("bytes from peers while the tracker was down").isGreaterThan(peerBytesBefore);
    for (Viewer v : viewers) {
      assertThat(v.connectedPeers()).as("peers held without a tracker").isEqualTo(4);
    }

    swarm.startTrackerAgain(); // same port, but it knows nobody
    // Each agent reconnects (jittered back-off, 100 ms doubling to at most 1 s here) and
    // announces its swarm again.
    await().atMost(MESH_BOUND).pollInterval(Duration.ofMillis(500)).until(() -> swarm.peersAtTracker() == 5);
    long delivered = viewers.stream().mapToLong(v -> v.deliveredSegments.get()).min().orElseThrow();
    awaitSegments(viewers, delivered + 5);
    report("tracker restart", viewers);

    assertPlayedByteExactWithoutStalls(viewers);
  }

  @Test
  void thePrimaryCdnDownForTwentySecondsFailsOverToTheSecondWithoutAStall() throws Exception {
    swarm = LiveSwarm.startWithMirror(); // every agent's CDNs: the origin first, its mirror second
    List<Viewer> viewers = fiveViewers();
    awaitPeers(viewers, 4);
    viewers.forEach(Viewer::play);
    awaitSegments(viewers, 5);
    long mirrorBefore = swarm.mirror().bytesServedMatching("/live/*/*.ts");

    // Down: every request (playlists and segments) gets its connection reset.
    FaultRule down = swarm.origin().inject("/**", Fault.connectionReset());
    long deliveredAtOutage = viewers.stream().mapToLong(v -> v.deliveredSegments.get()).min().orElseThrow();
    awaitLiveSegments(10); // 20 s
    down.remove();
    long deliveredInOutage = viewers.stream().mapToLong(v -> v.deliveredSegments.get()).min().orElseThrow()
        - deliveredAtOutage;
    awaitSegments(viewers, deliveredAtOutage + deliveredInOutage + 3);
    report("primary CDN down", viewers);

    assertPlayedByteExactWithoutStalls(viewers);
    assertThat(down.hits()).as("requests the dead primary refused").isPositive();
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> // counted on write completion
        assertThat(swarm.mirror().bytesServedMatching("/live/*/*.ts")).as("segment bytes the mirror served")
            .isGreaterThan(mirrorBefore));
    assertThat(deliveredInOutage).as("segments every player received during the outage (10 were published)")
        .isGreaterThanOrEqualTo(7);
  }

  @Test
  void anAgentKilledMidUploadCostsItsDownloadersNoStall() throws Exception {
    swarm = LiveSwarm.start();
    List<Viewer> viewers = new ArrayList<>();
    for (int i = 1; i <= 4; i++) {
      viewers.add(swarm.addViewer(i, 4, null, SchedulerSettings.defaults()));
    }
    // The fifth agent runs in its own JVM so it can be SIGKILLed. Its upload is capped at about
    // 0.7 Mbit/s, so each upload of a ~270 kB segment lasts seconds and a kill lands mid-upload.
    long capBytesPerSecond = 90_000;
    remote = new ProcessBuilder(javaExecutable(), "-cp", System.getProperty("java.class.path"),
        RemoteViewerMain.class.getName(), swarm.trackerUri().toString(), swarm.masterPlaylistUri().toString(),
        Long.toString(capBytesPerSecond), "300")
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    AtomicLong uploaded = new AtomicLong();
    AtomicLong lastGrowthNanos = new AtomicLong();
    Thread reader = new Thread(() -> {
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(remote.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          if (line.startsWith("uploaded ")) {
            long value = Long.parseLong(line.substring("uploaded ".length()));
            if (value > uploaded.getAndSet(value)) {
              lastGrowthNanos.set(System.nanoTime());
            }
          }
        }
      } catch (java.io.IOException e) {
        // the process was killed: its output ends
      }
    }, "remote-viewer-output");
    reader.setDaemon(true);
    reader.start();
    awaitPeers(viewers, 4); // the four here and the remote one
    viewers.forEach(Viewer::play);
    awaitSegments(viewers, 3);

    // Kill it while an upload is running: its upload counter grew within the last 150 ms.
    await().atMost(PLAY_BOUND).pollInterval(Duration.ofMillis(20)).until(() -> uploaded.get() > 0
        && System.nanoTime() - lastGrowthNanos.get() < TimeUnit.MILLISECONDS.toNanos(150));
    long uploadedAtKill = uploaded.get();
    remote.destroyForcibly(); // SIGKILL: no goodbye to the peers or the tracker
    assertThat(remote.waitFor(30, TimeUnit.SECONDS)).isTrue();
    long deliveredAtKill = viewers.stream().mapToLong(v -> v.deliveredSegments.get()).min().orElseThrow();

    awaitSegments(viewers, deliveredAtKill + 8);
    report("agent killed mid-upload (it had uploaded " + uploadedAtKill + " B)", viewers);

    assertPlayedByteExactWithoutStalls(viewers);
    // The dead peer's connections end by themselves (ICE / connection timeouts).
    awaitPeers(viewers, 3);
  }

  private static String javaExecutable() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
