package dev.hlsmesh.agent.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hlsmesh.agent.stats.AgentStats;
import dev.hlsmesh.cdn.hls.MediaPlaylist;
import dev.hlsmesh.cdn.hls.PlaylistParser;
import dev.hlsmesh.testsupport.ManualClock;
import java.net.URI;
import org.junit.jupiter.api.Test;

/** The startup and live latency the proxy records for a real player, on a clock stepped by hand. */
class PlaybackWatchTest {
  private final ManualClock clock = new ManualClock();
  private final AgentStats stats = new AgentStats(clock);
  private final PlaybackWatch watch = new PlaybackWatch(stats, clock);

  /** A live window of five 2 s segments starting at {@code first}, without date-times. */
  private static MediaPlaylist window(long first) throws Exception {
    StringBuilder text = new StringBuilder("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:")
        .append(first).append('\n');
    for (long msn = first; msn < first + 5; msn++) {
      text.append("#EXTINF:2.0,\n").append(msn).append(".ts\n");
    }
    return PlaylistParser.parseMedia(URI.create("http://origin/live/index.m3u8"), text.toString());
  }

  private static MediaPlaylist withDateTimes(long first, String firstDateTime) throws Exception {
    StringBuilder text = new StringBuilder("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:")
        .append(first).append("\n#EXT-X-PROGRAM-DATE-TIME:").append(firstDateTime).append('\n');
    for (long msn = first; msn < first + 5; msn++) {
      text.append("#EXTINF:2.0,\n").append(msn).append(".ts\n");
    }
    return PlaylistParser.parseMedia(URI.create("http://origin/live/index.m3u8"), text.toString());
  }

  @Test
  void startupRunsFromTheFirstRequestToTheFirstSegmentServed() throws Exception {
    watch.requested();
    clock.advanceMillis(300);
    MediaPlaylist playlist = window(100);
    watch.playlistServed(0, playlist);
    assertThat(stats.snapshot().startupMillis()).as("no segment yet").isEqualTo(-1);
    clock.advanceMillis(900);
    watch.segmentServed(0, playlist.segments().get(2));
    assertThat(stats.snapshot().startupMillis()).isEqualTo(1_200);
    clock.advanceMillis(5_000);
    watch.segmentServed(0, playlist.segments().get(3));
    assertThat(stats.snapshot().startupMillis()).as("recorded once").isEqualTo(1_200);
  }

  @Test
  void latencyIsTheEstimatedPlayheadsDistanceToTheLiveEdge() throws Exception {
    watch.requested();
    MediaPlaylist playlist = window(100); // media 0..10 s; the player starts at segment 102 (4 s)
    watch.playlistServed(0, playlist);
    watch.segmentServed(0, playlist.segments().get(2));
    assertThat(stats.snapshot().liveLatencyMillis()).isEqualTo(6_000);
    // It plays on: 1.5 s later the playhead is at 5.5 s; the next segment is served.
    clock.advanceMillis(1_500);
    watch.segmentServed(0, playlist.segments().get(3));
    assertThat(stats.snapshot().liveLatencyMillis()).isEqualTo(4_500);
    // The window moves on by one segment 2 s later: the edge is at 12 s, the playhead at 7.5 s.
    clock.advanceMillis(2_000);
    watch.playlistServed(0, window(101));
    assertThat(stats.snapshot().liveLatencyMillis()).isEqualTo(4_500);
  }

  @Test
  void aPlayerThatRunsOutOfMediaFallsBehindLive() throws Exception {
    watch.requested();
    MediaPlaylist playlist = window(100);
    watch.playlistServed(0, playlist);
    watch.segmentServed(0, playlist.segments().get(4)); // 8..10 s, the newest
    // 10 s pass, no segment comes: the playhead stops at 10 s while the live edge moves to 20 s.
    clock.advanceMillis(10_000);
    watch.playlistServed(0, window(105));
    assertThat(stats.snapshot().liveLatencyMillis()).isEqualTo(10_000);
  }

  @Test
  void withDateTimesLatencyIsNowMinusThePlayheadsDateTime() throws Exception {
    ManualClock wall = new ManualClock(java.time.Instant.parse("2026-01-01T00:00:30Z"));
    AgentStats wallStats = new AgentStats(wall);
    PlaybackWatch dated = new PlaybackWatch(wallStats, wall);
    dated.requested();
    MediaPlaylist playlist = withDateTimes(100, "2026-01-01T00:00:20Z"); // 20..30 s
    dated.playlistServed(0, playlist);
    dated.segmentServed(0, playlist.segments().get(2)); // starts at 24 s
    assertThat(wallStats.snapshot().liveLatencyMillis()).isEqualTo(6_000);
  }

  @Test
  void switchedOffItRecordsNothing() throws Exception {
    watch.enabled(false);
    watch.requested();
    MediaPlaylist playlist = window(100);
    watch.playlistServed(0, playlist);
    watch.segmentServed(0, playlist.segments().get(2));
    assertThat(stats.snapshot().startupMillis()).isEqualTo(-1);
    assertThat(stats.snapshot().liveLatencyMillis()).isEqualTo(-1);
  }
}
