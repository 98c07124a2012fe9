package dev.hlsmesh.agent.player;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hlsmesh.agent.delivery.CdnSegmentLoader;
import dev.hlsmesh.agent.delivery.HlsStream;
import dev.hlsmesh.agent.stats.AgentStats;
import dev.hlsmesh.cdn.CdnConfig;
import dev.hlsmesh.cdn.fetch.CdnFetcher;
import dev.hlsmesh.cdn.hls.PlaylistLoader;
import dev.hlsmesh.testsupport.Fault;
import dev.hlsmesh.testsupport.LiveHlsOrigin;
import dev.hlsmesh.testsupport.ManualClock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The virtual player following the real live test origin over HTTP with the CDN-only loader:
 * time is simulated (origin, playlist reloads and playback share one manual clock); the network
 * is real, and the test waits for it with bounded awaits while simulated time stands still.
 */
class VirtualPlayerLiveOriginTest {
  private final ManualClock clock = new ManualClock();
  private final ManualScheduler scheduler = new ManualScheduler(clock);
  private final AgentStats stats = new AgentStats(clock);
  private LiveHlsOrigin origin;
  private CdnFetcher fetcher;
  private CdnSegmentLoader loader;
  private VirtualPlayer player;

  @BeforeEach
  void start() {
    origin = LiveHlsOrigin.builder().clock(clock).windowSegments(6).start();
    fetcher = CdnFetcher.create(CdnConfig.builder().maxAttempts(2).initialBackoffMillis(10).build());
    loader = new CdnSegmentLoader(fetcher, stats, 10_000, 8 << 20);
  }

  @AfterEach
  void stop() {
    if (player != null) {
      player.close();
    }
    loader.close();
    fetcher.close();
    origin.close();
  }

  private void startPlayer() {
    startPlayer((segment, bytes) -> { });
  }

  private void startPlayer(VirtualPlayer.SegmentListener listener) {
    player = VirtualPlayer.follow(HlsStream.ofMediaPlaylist(origin.mediaPlaylistUri("360p")), loader,
        PlaylistLoader.using(fetcher), clock, scheduler, PlayerSettings.defaults(), stats);
    player.addSegmentListener(listener); // before the first playlist load runs: sees every segment
    scheduler.advance(Duration.ZERO); // the first playlist load
  }

  private void awaitLoaded(long segments) {
    await().atMost(Duration.ofSeconds(30)).until(() -> player.stats().segmentsLoaded() >= segments);
  }

  @Test
  void playsAMinuteOfTheLiveOriginWithoutStallsThreeSegmentsBehindLive() {
    List<Long> played = new CopyOnWriteArrayList<>();
    List<Long> wrong = new CopyOnWriteArrayList<>();
    startPlayer((segment, bytes) -> {
      played.add(segment.mediaSequenceNumber());
      if (!Arrays.equals(bytes, origin.segmentBytes("360p", segment.mediaSequenceNumber()))) {
        wrong.add(segment.mediaSequenceNumber());
      }
    });
    awaitLoaded(3); // joined 3 target durations behind: the last 3 of the window
    PlayerStats atStart = player.stats();
    assertThat(atStart.startupMillis()).as("no simulated time passed").isZero();
    // The newest segment began 2 s before now; the player starts 3 segments back: 6 s behind.
    assertThat(atStart.liveLatencyMillis()).isEqualTo(6_000);

    for (int i = 1; i <= 30; i++) {
      scheduler.advance(origin.segmentDuration()); // one more segment is live; the follower reloads
      awaitLoaded(3 + i);
    }

    PlayerStats s = player.stats();
    assertThat(s.stalls()).isZero();
    assertThat(s.loadFailures()).isZero();
    assertThat(s.liveLatencyMillis()).isEqualTo(6_000);
    assertThat(stats.snapshot().cdnSegments()).isEqualTo(33);
    // The origin counts bytes on write completion, possibly after the player got the body.
    await().atMost(Duration.ofSeconds(10))
        .until(() -> origin.bytesServedMatching("/live/360p/*.ts") == stats.snapshot().cdnBytes());
    assertThat(wrong).as("segments whose bytes differ from the origin's").isEmpty();
    assertThat(played).as("in order, none skipped").isSortedAccordingTo(Long::compare)
        .doesNotHaveDuplicates().hasSize(33);
    assertThat(played.get(played.size() - 1) - played.get(0)).isEqualTo(played.size() - 1);
  }

  @Test
  void aSegmentTheCdnRefusesForAWhileStallsPlaybackUntilItArrives() {
    startPlayer();
    awaitLoaded(3);
    long next = origin.liveEdgeMediaSequence() + 1;
    // The next segment answers 500 to every attempt until the fault is removed.
    var fault = origin.inject(origin.segmentPath("360p", next), Fault.status(500));
    scheduler.advance(origin.segmentDuration());
    await().atMost(Duration.ofSeconds(30)).until(() -> player.stats().loadFailures() >= 1);

    scheduler.advance(Duration.ofSeconds(5)); // buffer (6 s from start) runs out after 4 s more
    assertThat(player.stats().stalled()).isTrue();
    fault.remove();
    // Let simulated time run (100 ms per poll) until a retry brings the segment.
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
      if (player.stats().segmentsLoaded() >= 4) {
        return true;
      }
      scheduler.advance(Duration.ofMillis(100));
      return false;
    });

    PlayerStats s = player.stats();
    assertThat(s.stalled()).isFalse();
    assertThat(s.stalls()).isEqualTo(1);
    assertThat(s.stallMillis()).isGreaterThanOrEqualTo(1_000);
  }
}
