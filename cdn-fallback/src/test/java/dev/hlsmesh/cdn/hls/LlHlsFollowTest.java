package dev.hlsmesh.cdn.hls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hlsmesh.cdn.CdnConfig;
import dev.hlsmesh.cdn.TaskScheduler;
import dev.hlsmesh.cdn.fetch.ByteCollector;
import dev.hlsmesh.cdn.fetch.CdnFetcher;
import dev.hlsmesh.cdn.fetch.Fetch;
import dev.hlsmesh.cdn.fetch.FetchResult;
import dev.hlsmesh.testsupport.LlHlsOrigin;
import dev.hlsmesh.testsupport.ManualClock;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * LL-HLS in cdn-fallback against test-support's LL-HLS origin over real HTTP: parsing parts,
 * hints and server control; following with blocking reloads (one reload per published part,
 * no polling); fetching the preload-hinted part as it is produced.
 */
class LlHlsFollowTest {

  private static final Duration AWAIT = Duration.ofSeconds(10);

  private final ManualClock originClock = new ManualClock();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final CdnFetcher fetcher = CdnFetcher.create(CdnConfig.builder()
      .httpVersion(java.net.http.HttpClient.Version.HTTP_1_1).build());
  private LlHlsOrigin origin;

  @AfterEach
  void stop() {
    fetcher.close();
    timer.shutdownNow();
    if (origin != null) {
      origin.close();
    }
  }

  @Test
  void parsesPartsPreloadHintServerControlAndRenditionReports() throws Exception {
    origin = LlHlsOrigin.builder().clock(originClock).start();
    originClock.advance(origin.untilNextPart());
    URI uri = origin.mediaPlaylistUri("360p");
    MediaPlaylist playlist = PlaylistParser.parseMedia(uri, origin.mediaPlaylist("360p"));
    LowLatency ll = playlist.lowLatency();
    assertThat(ll.serverControl().canBlockReload()).isTrue();
    assertThat(ll.serverControl().partHoldBackSeconds()).hasValue(1.5);
    assertThat(ll.partTargetSeconds()).hasValue(0.5);
    assertThat(playlist.segments()).hasSize(6);
    assertThat(playlist.lastMediaSequenceNumber()).isEqualTo(5);
    // Parts of segments 3, 4, 5 (the last three target durations) and part 0 of segment 6 in progress.
    assertThat(ll.parts()).hasSize(13);
    assertThat(ll.partsOf(5)).extracting(Part::partIndex).containsExactly(0, 1, 2, 3);
    Part inProgress = ll.lastPart().orElseThrow();
    assertThat(inProgress.mediaSequenceNumber()).isEqualTo(6);
    assertThat(inProgress.partIndex()).isZero();
    assertThat(inProgress.uri()).isEqualTo(origin.partUri("360p", 6, 0));
    assertThat(inProgress.independent()).isTrue();
    assertThat(inProgress.durationSeconds()).isEqualTo(0.5);
    PreloadHint hint = ll.preloadHint().orElseThrow();
    assertThat(hint.type()).isEqualTo(PreloadHint.Type.PART);
    assertThat(hint.uri()).isEqualTo(origin.partUri("360p", 6, 1));
    assertThat(hint.mediaSequenceNumber()).isEqualTo(6);
    assertThat(hint.partIndex()).isEqualTo(1);
    assertThat(ll.renditionReports()).singleElement().satisfies(r -> {
      assertThat(r.uri()).isEqualTo(origin.mediaPlaylistUri("240p"));
      assertThat(r.lastMediaSequenceNumber()).hasValue(6);
      assertThat(r.lastPartIndex()).hasValue(0);
    });
    // A plain playlist has none of it.
    assertThat(PlaylistParser.parseMedia(uri, "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\na.ts\n").lowLatency())
        .isEqualTo(LowLatency.NONE);
  }

  @Test
  void parsesByteRangePartsWithImplicitOffsetsAndTheHintRange() throws Exception {
    URI uri = URI.create("http://cdn.example/live/index.m3u8");
    String text = """
        #EXTM3U
        #EXT-X-TARGETDURATION:2
        #EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.0
        #EXT-X-PART-INF:PART-TARGET=0.5
        #EXT-X-MEDIA-SEQUENCE:10
        #EXTINF:2.0,
        10.ts
        #EXT-X-PART:DURATION=0.5,URI="11.ts",BYTERANGE=100@0,INDEPENDENT=YES
        #EXT-X-PART:DURATION=0.5,URI="11.ts",BYTERANGE=200
        #EXT-X-PRELOAD-HINT:TYPE=PART,URI="11.ts",BYTERANGE-START=300,BYTERANGE-LENGTH=50
        """;
    LowLatency ll = PlaylistParser.parseMedia(uri, text).lowLatency();
    assertThat(ll.parts()).extracting(p -> p.byteRange().orElseThrow().toString()).containsExactly("0-99", "100-299");
    assertThat(ll.parts().get(1).independent()).isFalse();
    assertThat(ll.parts()).allSatisfy(p -> assertThat(p.mediaSequenceNumber()).isEqualTo(11));
    PreloadHint hint = ll.preloadHint().orElseThrow();
    assertThat(hint.partIndex()).isEqualTo(2);
    assertThat(hint.fetchRequest(Duration.ofSeconds(2)).orElseThrow().byteRange().orElseThrow().toString())
        .isEqualTo("300-349");
    assertThat(hint.announces(new Part(11, 2, URI.create("http://cdn.example/live/11.ts"),
        java.util.Optional.of(new dev.hlsmesh.cdn.ByteRange(300, 50)), 0.5, false, false))).isTrue();
    assertThat(LlPlaylistFollower.withoutBlockingParameters(URI.create("http://a/b.m3u8?t=1&_HLS_msn=3&_HLS_part=1")))
        .isEqualTo(URI.create("http://a/b.m3u8?t=1"));
  }

  @Test
  void followsWithOneBlockingReloadPerPublishedPartAndReportsEachPartAndHintOnce() {
    origin = LlHlsOrigin.builder().clock(originClock).start();
    List<Part> parts = new CopyOnWriteArrayList<>();
    List<PreloadHint> hints = new CopyOnWriteArrayList<>();
    List<Segment> segments = new CopyOnWriteArrayList<>();
    // The follower's own clock never moves: with blocking reloads it has nothing to wait for.
    LlPlaylistFollower follower = LlPlaylistFollower.start(origin.mediaPlaylistUri("360p"),
        PlaylistLoader.using(fetcher), TaskScheduler.of(timer), Clock.fixed(ManualClock.DEFAULT_START,
            java.time.ZoneOffset.UTC), Duration.ofSeconds(1), new LlPlaylistFollower.Listener() {
          @Override
          public void onNewSegments(MediaPlaylist playlist, List<Segment> fresh) {
            segments.addAll(fresh);
          }

          @Override
          public void onNewParts(MediaPlaylist playlist, List<Part> fresh) {
            parts.addAll(fresh);
          }

          @Override
          public void onPreloadHint(MediaPlaylist playlist, PreloadHint hint) {
            hints.add(hint);
          }
        });
    try {
      String path = "/live/360p/index.m3u8";
      // First a plain load, then a blocking reload for part 6.0, held by the origin.
      await().atMost(AWAIT).until(() -> origin.requestCount(path) == 2);
      assertThat(segments).hasSize(6);
      assertThat(parts).hasSize(12);
      assertThat(hints).extracting(PreloadHint::partIndex).containsExactly(0);
      for (int i = 1; i <= 6; i++) {
        originClock.advance(origin.untilNextPart());
        int published = i;
        await().atMost(AWAIT).until(() -> parts.size() == 12 + published && hints.size() == 1 + published);
        // Exactly one more reload, now held for the next part: no polling.
        await().atMost(AWAIT).until(() -> origin.requestCount(path) == 2 + published);
      }
      assertThat(parts.subList(12, 18)).extracting(p -> p.mediaSequenceNumber() + "." + p.partIndex())
          .containsExactly("6.0", "6.1", "6.2", "6.3", "7.0", "7.1");
      assertThat(segments).extracting(Segment::mediaSequenceNumber).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L);
      assertThat(hints).extracting(h -> h.mediaSequenceNumber() + "." + h.partIndex())
          .containsExactly("6.0", "6.1", "6.2", "6.3", "7.0", "7.1", "7.2");
      assertThat(follower.blockingLoadCount()).isEqualTo(follower.loadCount() - 1);
      assertThat(origin.requestCount(path)).isEqualTo(8);
    } finally {
      follower.close();
    }
  }

  @Test
  void fetchesTheHintedPartAtOnceAndReceivesItsBytesAsTheyAreProduced() throws Exception {
    for (boolean byteRanges : new boolean[] {false, true}) {
      origin = LlHlsOrigin.builder().clock(originClock).byteRangeParts(byteRanges).start();
      MediaPlaylist playlist = PlaylistParser.parseMedia(origin.mediaPlaylistUri("240p"),
          origin.mediaPlaylist("240p"));
      PreloadHint hint = playlist.lowLatency().preloadHint().orElseThrow();
      long msn = hint.mediaSequenceNumber();
      byte[] expected = origin.partBytes("240p", msn, hint.partIndex());
      ByteCollector body = new ByteCollector(1 << 20);
      Fetch fetch = fetcher.fetch(hint.fetchRequest(Duration.ofSeconds(5)).orElseThrow(), body);

      originClock.advanceMillis(250); // half the part is produced
      await().atMost(AWAIT).until(() -> body.size() >= expected.length / 2 - 188);
      assertThat(body.size()).isLessThanOrEqualTo(expected.length / 2);
      assertThat(fetch.result()).isNotDone();

      originClock.advance(origin.untilNextPart());
      FetchResult result = fetch.result().get(AWAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
      assertThat(result).isInstanceOf(FetchResult.Completed.class);
      assertThat(body.toByteArray()).isEqualTo(expected);
      // Once listed, the part is the one the hint announced.
      Part listed = PlaylistParser.parseMedia(origin.mediaPlaylistUri("240p"), origin.mediaPlaylist("240p"))
          .lowLatency().lastPart().orElseThrow();
      assertThat(hint.announces(listed)).as("byte ranges: %s", byteRanges).isTrue();
      origin.close();
      origin = null;
    }
  }
}
