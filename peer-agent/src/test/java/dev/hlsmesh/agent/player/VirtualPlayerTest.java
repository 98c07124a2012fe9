package dev.hlsmesh.agent.player;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hlsmesh.agent.delivery.HlsStream;
import dev.hlsmesh.agent.delivery.SegmentLoadException;
import dev.hlsmesh.agent.delivery.SegmentLoader;
import dev.hlsmesh.agent.delivery.SegmentRequest;
import dev.hlsmesh.agent.stats.AgentStats;
import dev.hlsmesh.cdn.hls.MediaPlaylist;
import dev.hlsmesh.cdn.hls.Segment;
import dev.hlsmesh.testsupport.ManualClock;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class VirtualPlayerTest {
  private static final URI PLAYLIST = URI.create("http://cdn.test/live/360p/index.m3u8");
  private static final HlsStream STREAM = HlsStream.ofMediaPlaylist(PLAYLIST);

  private final ManualClock clock = new ManualClock();
  private final Instant t0 = clock.instant();
  private final ManualScheduler scheduler = new ManualScheduler(clock);
  private final RecordingLoader loader = new RecordingLoader();
  private final AgentStats stats = new AgentStats(clock);
  private VirtualPlayer player;

  /** A loader whose loads the test completes by hand. */
  static final class RecordingLoader implements SegmentLoader {
    final List<SegmentRequest> requests = new ArrayList<>();
    final List<CompletableFuture<byte[]>> futures = new ArrayList<>();
    final List<MediaPlaylist> playlists = new ArrayList<>();

    @Override
    public synchronized CompletableFuture<byte[]> load(SegmentRequest request) {
      requests.add(request);
      CompletableFuture<byte[]> future = new CompletableFuture<>();
      futures.add(future);
      return future;
    }

    @Override
    public synchronized void playlistLoaded(HlsStream stream, MediaPlaylist playlist) {
      playlists.add(playlist);
    }

    synchronized long lastRequestedMsn() {
      return requests.get(requests.size() - 1).segment().mediaSequenceNumber();
    }

    synchronized SegmentRequest last() {
      return requests.get(requests.size() - 1);
    }

    /** Completes the newest load successfully. */
    void completeLast() {
      CompletableFuture<byte[]> future;
      synchronized (this) {
        future = futures.get(futures.size() - 1);
      }
      future.complete(new byte[] {1});
    }

    void failLast() {
      CompletableFuture<byte[]> future;
      synchronized (this) {
        future = futures.get(futures.size() - 1);
      }
      future.completeExceptionally(new SegmentLoadException("cdn said no"));
    }

    synchronized int count() {
      return requests.size();
    }
  }

  @AfterEach
  void closePlayer() {
    if (player != null) {
      player.close();
    }
  }

  /**
   * A live window of 2 s segments {@code first..last}, as published at the clock's time now: the
   * last segment was published (completed) just now, so its date-time is now minus 2 s.
   */
  private MediaPlaylist live(long first, long last, boolean dateTimes) {
    List<Segment> segments = new ArrayList<>();
    Instant now = clock.instant();
    for (long msn = first; msn <= last; msn++) {
      Optional<Instant> pdt = dateTimes ? Optional.of(now.minusSeconds(2 * (last - msn + 1))) : Optional.empty();
      segments.add(new Segment(msn, msn, PLAYLIST.resolve(msn + ".ts"), Optional.empty(), 2.0, false, 0,
          Optional.empty(), Optional.empty(), pdt));
    }
    return new MediaPlaylist(PLAYLIST, 2, first, 0, false, Optional.empty(), segments);
  }

  private MediaPlaylist vod(int count) {
    List<Segment> segments = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      segments.add(new Segment(i, i, PLAYLIST.resolve(i + ".ts"), Optional.empty(), 2.0, false, 0,
          Optional.empty(), Optional.empty(), Optional.empty()));
    }
    return new MediaPlaylist(PLAYLIST, 2, 0, 0, true, Optional.of("VOD"), segments);
  }

  private VirtualPlayer newPlayer(PlayerSettings settings) {
    player = new VirtualPlayer(STREAM, loader, clock, scheduler, settings, stats);
    return player;
  }

  @Test
  void joinsALiveStreamThreeTargetDurationsBehindTheEndOfThePlaylist() {
    newPlayer(PlayerSettings.defaults()).start();
    player.onPlaylist(live(100, 105, false));

    assertThat(loader.count()).isEqualTo(1);
    assertThat(loader.lastRequestedMsn()).isEqualTo(103);
    assertThat(loader.last().playbackDeadline()).as("needed at once at startup").isEqualTo(t0);
    assertThat(loader.last().stream()).isEqualTo(STREAM);
    assertThat(loader.playlists).hasSize(1);
  }

  @Test
  void liveSyncCountIsConfigurable() {
    newPlayer(new PlayerSettings(1, 30_000, 1_000)).start();
    player.onPlaylist(live(100, 105, false));

    assertThat(loader.lastRequestedMsn()).isEqualTo(105);
  }

  @Test
  void doesNothingBeforeStartAndNothingWithoutAPlaylist() {
    newPlayer(PlayerSettings.defaults());
    player.onPlaylist(live(100, 105, false));
    assertThat(loader.count()).isZero();

    player.start();
    assertThat(loader.count()).isEqualTo(1);
    assertThat(player.stats().startupMillis()).isEqualTo(-1);
    assertThat(player.stats().liveLatencyMillis()).isEqualTo(-1);
  }

  @Test
  void startupTimeIsTheTimeFromStartToTheFirstSegment() {
    newPlayer(PlayerSettings.defaults()).start();
    scheduler.advanceMillis(120);
    player.onPlaylist(live(100, 105, false));
    scheduler.advanceMillis(300);
    loader.completeLast();

    assertThat(player.stats().startupMillis()).isEqualTo(420);
    assertThat(stats.snapshot().startupMillis()).isEqualTo(420);
  }

  @Test
  void loadsOneSegmentAtATimeUpToTheNewestListedThenWaitsForThePlaylist() {
    newPlayer(PlayerSettings.defaults()).start();
    player.onPlaylist(live(100, 105, false));
    loader.completeLast();
    assertThat(loader.lastRequestedMsn()).isEqualTo(104);
    assertThat(loader.count()).isEqualTo(2);
    loader.completeLast();
    loader.completeLast();
    assertThat(loader.count()).as("106 is not listed yet").isEqualTo(3);

    scheduler.advanceMillis(2_000);
    player.onPlaylist(live(101, 106, false));
    assertThat(loader.lastRequestedMsn()).isEqualTo(106);
  }

  @Test
  void theDeadlineOfAQueuedSegmentIsWhenThePlayheadReachesIt() {
    newPlayer(PlayerSettings.defaults()).start();
    player.onPlaylist(live(100, 105, false));
    loader.completeLast(); // 103 plays from t0, 104 starts at t0 + 2 s
    assertThat(loader.last().playbackDeadline()).isEqualTo(t0.plusSeconds(2));
    scheduler.advanceMillis(500);
    loader.completeLast(); // 105 starts at t0 + 4 s
    assertThat(loader.last().playbackDeadline()).isEqualTo(t0.plusSeconds(4));
  }

  @Test
  void segmentsArrivingInTimeNeverStallOverAMinuteOfLivePlayback() {
    newPlayer(PlayerSettings.defaults()).start();
    player.onPlaylist(live(100, 105, true));
    long last = 105;
    for (int step = 0; step < 30; step++) {
      while (loader.futures.get(loader.futures.size() - 1).isDone() == false) {
        scheduler.advanceMillis(100); // each segment takes 100 ms to arrive
        loader.completeLast();
      }
      scheduler.advanceMillis(1_900);
      last++;
      player.onPlaylist(live(last - 5, last, true));
    }

    PlayerStats s = player.stats();
    assertThat(s.stalls()).isZero();
    assertThat(s.stallMillis()).isZero();
    assertThat(s.stalled()).isFalse();
    assertThat(s.segmentsLoaded()).isGreaterThanOrEqualTo(30);
    assertThat(stats.snapshot().stalls()).isZero();
  }

  @Test
  void aLateSegmentStallsPlaybackForExactlyAsLongAsItIsLate() {
    newPlayer(PlayerSettings.defaults()).start();
    player.onPlaylist(live(100, 103, false)); // starts at 101: 101, 102, 103 are listed
    loader.completeLast(); // 101: playback starts at t0
    loader.completeLast(); // 102
    loader.completeLast(); // 103; buffer runs out at t0 + 6 s
    assertThat(loader.count()).isEqualTo(3);

    scheduler.advanceMillis(6_000);
    assertThat(player.stats().stalled()).as("exactly at the end of the buffer").isTrue();
    scheduler.advanceMillis(1_000);
    player.onPlaylist(live(101, 104, false));
    assertThat(player.stats().stallMillis()).as("a stall in progress counts up to now").isEqualTo(1_000);
    assertThat(stats.snapshot().stalls()).as("stats count a stall when it ends").isZero();
    scheduler.advanceMillis(750);
    loader.completeLast(); // 104 arrives 1.75 s late

    PlayerStats s = player.stats();
    assertThat(s.stalls()).isEqualTo(1);
    assertThat(s.stallMillis()).isEqualTo(1_750);
    assertThat(s.stalled()).isFalse();
    assertThat(stats.snapshot().stalls()).isEqualTo(1);
    assertThat(stats.snapshot().stallMillis()).isEqualTo(1_750);

    scheduler.advanceMillis(1_999);
    assertThat(player.stats().stalled()).isFalse();
    scheduler.advanceMillis(1);
    assertThat(player.stats().stalled()).as("104 played out 2 s after it arrived").isTrue();
    assertThat(player.stats().stalls()).isEqualTo(2);
  }

  @Test
  void aStallInProgressIsRecordedWhenThePlayerCloses() {
    newPlayer(PlayerSettings.defaults()).start();
    player.onPlaylist(live(100, 100, false));
    loader.completeLast();
    scheduler.advanceMillis(2_500);
    player.close();

    assertThat(stats.snapshot().stalls()).isEqualTo(1);
    assertThat(stats.snapshot().stallMillis()).isEqualTo(500);
  }

  @Test
  void liveLatencyFollowsProgramDateTimeAndGrowsByEachStall() {
    newPlayer(PlayerSettings.defaults()).start();
    player.onPlaylist(live(100, 105, true)); // 103 began 6 s before now
    scheduler.advanceMillis(300);
    loader.completeLast();

    assertThat(player.stats().liveLatencyMillis()).isEqualTo(6_300);
    assertThat(stats.snapshot().liveLatencyMillis()).isEqualTo(6_300);
    scheduler.advanceMillis(1_000);
    assertThat(player.stats().liveLatencyMillis()).as("constant while playing").isEqualTo(6_300);

    loader.completeLast();
    loader.completeLast();
    scheduler.advanceMillis(5_000 + 400); // buffer ran out at t0 + 6.3 s; stalled 400 ms
    assertThat(player.stats().stalled()).isTrue();
    assertThat(player.stats().liveLatencyMillis()).isEqualTo(6_700);
  }

  @Test
  void withoutDateTimesLiveLatencyIsTheDistanceToTheEndOfTheNewestPlaylist() {
    newPlayer(PlayerSettings.defaults()).start();
    player.onPlaylist(live(100, 105, false));
    loader.completeLast();
    assertThat(player.stats().liveLatencyMillis()).isEqualTo(6_000);
    scheduler.advanceMillis(500);
    assertThat(player.stats().liveLatencyMillis()).isEqualTo(5_500);
    player.onPlaylist(live(101, 106, false));
    assertThat(player.stats().liveLatencyMillis()).isEqualTo(7_500);
  }

  @Test
  void aFailedLoadIsAskedAgainAfterTheRetryDelay() {
    newPlayer(PlayerSettings.defaults()).start();
    player.onPlaylist(live(100, 105, false));
    loader.failLast();
    assertThat(loader.count()).isEqualTo(1);
    scheduler.advanceMillis(999);
    assertThat(loader.count()).isEqualTo(1);
    scheduler.advanceMillis(1);
    assertThat(loader.count()).isEqualTo(2);
    assertThat(loader.lastRequestedMsn()).isEqualTo(103);
    loader.completeLast();

    assertThat(player.stats().loadFailures()).isEqualTo(1);
    assertThat(player.stats().startupMillis()).isEqualTo(1_000);
  }

  @Test
  void aLoaderThatThrowsCountsAsAFailedLoad() {
    SegmentLoader throwing = request -> {
      throw new IllegalStateException("broken loader");
    };
    player = new VirtualPlayer(STREAM, throwing, clock, scheduler, PlayerSettings.defaults(), stats);
    player.start();
    player.onPlaylist(live(100, 105, false));
    scheduler.advanceMillis(2_500);

    assertThat(player.stats().loadFailures()).isEqualTo(3);
  }

  @Test
  void stopsLoadingWhenTheBufferIsFullAndResumesAsItDrains() {
    newPlayer(new PlayerSettings(3, 6_000, 1_000)).start();
    player.onPlaylist(vod(10));
    assertThat(loader.lastRequestedMsn()).as("a VOD playlist plays from its start").isZero();
    for (int i = 0; i < 3; i++) {
      loader.completeLast();
    }
    assertThat(loader.count()).as("0..2 loaded (6 s ahead, the maximum): no request for 3").isEqualTo(3);
    assertThat(player.stats().bufferMillis()).isEqualTo(6_000);

    scheduler.advanceMillis(1);
    assertThat(loader.count()).isEqualTo(4);
    assertThat(loader.lastRequestedMsn()).isEqualTo(3);
  }

  @Test
  void anEndedPlaylistEndsPlaybackWithoutAStall() {
    newPlayer(PlayerSettings.defaults()).start();
    player.onPlaylist(vod(2));
    loader.completeLast();
    loader.completeLast();
    scheduler.advanceMillis(10_000);

    PlayerStats s = player.stats();
    assertThat(s.ended()).isTrue();
    assertThat(s.stalled()).isFalse();
    assertThat(s.stalls()).isZero();
    assertThat(s.segmentsLoaded()).isEqualTo(2);
  }

  @Test
  void closeCancelsTheLoadInFlightAndStopsTimers() {
    newPlayer(PlayerSettings.defaults()).start();
    player.onPlaylist(live(100, 105, false));
    CompletableFuture<byte[]> inFlight = loader.futures.get(0);
    player.close();

    assertThat(inFlight).isCancelled();
    player.onPlaylist(live(101, 106, false));
    scheduler.advanceMillis(5_000);
    assertThat(loader.count()).isEqualTo(1);
    assertThat(scheduler.pending()).isZero();
  }

  @Test
  void settingsReportEveryBadValueAtOnce() {
    assertThatThrownBy(() -> new PlayerSettings(-1, 0, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("player.liveSyncTargetDurations: -1 (expected: 0..100)")
        .hasMessageContaining("player.maxBufferMillis: 0 (expected: 1..3600000)")
        .hasMessageContaining("player.retryDelayMillis: 0 (expected: 1..600000)");
  }

  @Test
  void playsALiveStreamForTwoMinutesWithRandomArrivalTimesAndCountsEveryStall() {
    // Arrival delays alternate between in time and 2.5 s (longer than the buffer allows after
    // the first few): the stall total must equal the sum the model predicts.
    newPlayer(new PlayerSettings(1, 30_000, 1_000)).start();
    player.onPlaylist(live(100, 100, false));
    loader.completeLast(); // plays 100 from t0; buffer runs out at t0 + 2 s
    long last = 100;
    for (int i = 0; i < 60; i++) {
      scheduler.advanceMillis(2_000);
      last++;
      player.onPlaylist(live(last - 5, last, false));
      scheduler.advanceMillis(500);
      loader.completeLast();
    }
    // Segment k (k >= 101) is listed at t0 + 2 s * (k - 100) and arrives 500 ms later; the
    // playhead runs out 2 s after the previous arrival: each arrival is 500 ms after it ran out.
    PlayerStats s = player.stats();
    assertThat(s.stalls()).isEqualTo(60);
    assertThat(s.stallMillis()).isEqualTo(60 * 500);
  }
}
