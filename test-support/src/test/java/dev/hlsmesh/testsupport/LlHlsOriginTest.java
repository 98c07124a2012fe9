package dev.hlsmesh.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lindstrom.m3u8.model.MediaPlaylist;
import io.lindstrom.m3u8.model.MediaSegment;
import io.lindstrom.m3u8.model.PartialSegment;
import io.lindstrom.m3u8.model.PreloadHintType;
import io.lindstrom.m3u8.model.RenditionReport;
import io.lindstrom.m3u8.parser.MediaPlaylistParser;
import io.lindstrom.m3u8.parser.ParsingMode;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The LL-HLS origin over real HTTP: playlist shape (read back with m3u8-parser), blocking
 * reload driven by the manual clock, parts published and produced at their time, segments as
 * the concatenation of their parts, byte-range parts, faults on parts.
 */
class LlHlsOriginTest {

  private static final Duration AWAIT = Duration.ofSeconds(10);

  private final ManualClock clock = new ManualClock();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private LlHlsOrigin origin;

  @AfterEach
  void stop() {
    if (origin != null) {
      origin.close();
    }
  }

  private LlHlsOrigin start(boolean byteRangeParts) {
    origin = LlHlsOrigin.builder().clock(clock).byteRangeParts(byteRangeParts).start();
    return origin;
  }

  @Test
  void playlistCarriesServerControlPartsPreloadHintAndRenditionReports() throws Exception {
    start(false);
    MediaPlaylist atStart = parse(getText(origin.mediaPlaylistUri("360p")));
    assertThat(atStart.serverControl().orElseThrow().canBlockReload()).isTrue();
    assertThat(atStart.serverControl().orElseThrow().partHoldBack()).hasValue(1.5);
    assertThat(atStart.partialSegmentInformation().orElseThrow().partTargetDuration()).isEqualTo(0.5);
    assertThat(atStart.mediaSequence()).isZero();
    assertThat(atStart.mediaSegments()).hasSize(6);
    assertThat(atStart.partialSegments()).isEmpty();
    assertThat(atStart.preloadHint().orElseThrow().type()).isEqualTo(PreloadHintType.PART);
    assertThat(atStart.preloadHint().orElseThrow().uri()).isEqualTo("6.0.ts");
    // Parts are listed for the segments of the last three target durations (6 s) only.
    assertThat(atStart.mediaSegments().subList(0, 3)).allSatisfy(s -> assertThat(s.partialSegments()).isEmpty());
    MediaSegment last = atStart.mediaSegments().get(5);
    assertThat(last.partialSegments()).extracting(PartialSegment::uri)
        .containsExactly("5.0.ts", "5.1.ts", "5.2.ts", "5.3.ts");
    assertThat(last.partialSegments()).allSatisfy(p -> {
      assertThat(p.independent()).isTrue();
      assertThat(p.duration()).isEqualTo(0.5);
    });
    RenditionReport report = atStart.renditionReports().get(0);
    assertThat(report.uri()).isEqualTo("../240p/index.m3u8");
    assertThat(report.lastMediaSequenceNumber()).hasValue(5L);
    assertThat(report.lastPartialSegmentIndex()).hasValue(3L);

    clock.advance(origin.untilNextPart());
    clock.advance(origin.untilNextPart());
    assertThat(origin.segmentInProgress()).isEqualTo(6);
    assertThat(origin.partsPublished()).isEqualTo(2);
    MediaPlaylist later = parse(getText(origin.mediaPlaylistUri("240p")));
    assertThat(later.mediaSegments()).hasSize(6);
    assertThat(later.partialSegments()).extracting(PartialSegment::uri).containsExactly("6.0.ts", "6.1.ts");
    assertThat(later.preloadHint().orElseThrow().uri()).isEqualTo("6.2.ts");
    assertThat(later.renditionReports().get(0).uri()).isEqualTo("../360p/index.m3u8");
    assertThat(later.renditionReports().get(0).lastMediaSequenceNumber()).hasValue(6L);
    assertThat(later.renditionReports().get(0).lastPartialSegmentIndex()).hasValue(1L);

    // Two more parts complete segment 6: the window slides by one segment.
    clock.advance(origin.untilNextPart());
    clock.advance(origin.untilNextPart());
    MediaPlaylist slid = parse(getText(origin.mediaPlaylistUri("360p")));
    assertThat(slid.mediaSequence()).isEqualTo(1);
    assertThat(slid.mediaSegments()).hasSize(6);
    assertThat(slid.mediaSegments().get(5).uri()).isEqualTo("6.ts");
    assertThat(slid.mediaSegments().get(5).duration()).isEqualTo(2.0);
    assertThat(slid.partialSegments()).isEmpty();
    assertThat(slid.preloadHint().orElseThrow().uri()).isEqualTo("7.0.ts");
  }

  @Test
  void partsArePublishedAtTheirRealTimeOnTheClock() {
    start(false);
    assertThat(origin.untilNextPart()).isEqualTo(Duration.ofMillis(500));
    assertThat(origin.publicationTime(6, 0)).isEqualTo(ManualClock.DEFAULT_START.plusMillis(500));
    assertThat(origin.publicationTime(7, 3)).isEqualTo(ManualClock.DEFAULT_START.plusMillis(4000));
    clock.advanceMillis(499);
    assertThat(origin.partsPublished()).isZero();
    clock.advanceMillis(1);
    assertThat(origin.partsPublished()).isEqualTo(1);
    assertThat(origin.untilNextPart()).isEqualTo(Duration.ofMillis(500));
    // Across the clip's loop (16 s): segment 8 is clip segment 0 again, after a discontinuity.
    clock.advance(Duration.ofSeconds(4));
    assertThat(origin.segmentInProgress()).isEqualTo(8);
    assertThat(origin.mediaPlaylist("360p")).contains("#EXT-X-DISCONTINUITY\n#EXT-X-PART:DURATION=0.500,URI=\"8.0.ts\"");
  }

  @Test
  void blockingReloadIsHeldUntilThePartIsPublished() throws Exception {
    start(false);
    String path = "/live/360p/index.m3u8";
    CompletableFuture<HttpResponse<String>> held = http.sendAsync(
        HttpRequest.newBuilder(origin.mediaPlaylistUri("360p").resolve("index.m3u8?_HLS_msn=6&_HLS_part=1")).build(),
        HttpResponse.BodyHandlers.ofString());
    await().atMost(AWAIT).until(() -> origin.requestCount(path) == 1);

    clock.advance(origin.untilNextPart()); // part 6.0: not yet enough
    // A request that is already satisfied is answered at once, on the same event loop.
    assertThat(getText(origin.mediaPlaylistUri("360p").resolve("index.m3u8?_HLS_msn=6&_HLS_part=0")))
        .contains("6.0.ts");
    assertThat(held).isNotDone();

    clock.advance(origin.untilNextPart()); // part 6.1
    HttpResponse<String> answer = held.get(AWAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
    assertThat(answer.statusCode()).isEqualTo(200);
    MediaPlaylist playlist = parse(answer.body());
    assertThat(playlist.partialSegments()).extracting(PartialSegment::uri).containsExactly("6.0.ts", "6.1.ts");

    // A whole segment: _HLS_msn alone waits for the segment to be complete.
    CompletableFuture<HttpResponse<String>> segmentHeld = http.sendAsync(
        HttpRequest.newBuilder(origin.mediaPlaylistUri("360p").resolve("index.m3u8?_HLS_msn=6")).build(),
        HttpResponse.BodyHandlers.ofString());
    await().atMost(AWAIT).until(() -> origin.requestCount(path) == 3);
    clock.advance(origin.untilNextPart());
    clock.advance(origin.untilNextPart());
    assertThat(parse(segmentHeld.get(AWAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS).body())
        .mediaSegments()).extracting(MediaSegment::uri).endsWith("6.ts");
    // Already in the playlist: answered at once.
    assertThat(getText(origin.mediaPlaylistUri("360p").resolve("index.m3u8?_HLS_msn=3"))).contains("6.ts");
  }

  @Test
  void blockingReloadRequestsTooFarAheadOrMalformedAnswer400() throws Exception {
    start(false);
    URI playlist = origin.mediaPlaylistUri("240p");
    // Last complete segment is 5: 5 + 2 = 7 is the furthest msn that may be waited for.
    assertThat(status(playlist.resolve("index.m3u8?_HLS_msn=8"))).isEqualTo(400);
    // 6.0 .. 7.2 are seven parts ahead; the advance part limit is 3 / 0.5 s = 6 parts.
    assertThat(status(playlist.resolve("index.m3u8?_HLS_msn=7&_HLS_part=2"))).isEqualTo(400);
    assertThat(status(playlist.resolve("index.m3u8?_HLS_part=1"))).isEqualTo(400);
    assertThat(status(playlist.resolve("index.m3u8?_HLS_msn=x"))).isEqualTo(400);
    assertThat(status(playlist.resolve("index.m3u8?_HLS_msn=6&_HLS_part=-1"))).isEqualTo(400);
    assertThat(status(playlist.resolve("index.m3u8?_HLS_msn=2&_HLS_part=1"))).isEqualTo(200);
  }

  @Test
  void segmentsAreTheConcatenationOfTheirPartsOverHttp() throws Exception {
    start(false);
    for (String variant : List.of("360p", "240p")) {
      for (long msn = 0; msn < 6; msn++) {
        ByteArrayOutputStream parts = new ByteArrayOutputStream();
        for (int part = 0; part < origin.partCount(msn); part++) {
          HttpResponse<byte[]> response = get(origin.partUri(variant, msn, part), null);
          assertThat(response.statusCode()).isEqualTo(200);
          assertThat(response.body()).isEqualTo(origin.partBytes(variant, msn, part));
          parts.writeBytes(response.body());
        }
        HttpResponse<byte[]> segment = get(origin.segmentUri(variant, msn), null);
        assertThat(segment.body()).isEqualTo(parts.toByteArray()).isEqualTo(origin.segmentBytes(variant, msn));
      }
    }
    // The segment in progress and parts past the preload hint are not there yet.
    assertThat(get(origin.segmentUri("360p", 6), null).statusCode()).isEqualTo(404);
    assertThat(get(origin.partUri("360p", 6, 1), null).statusCode()).isEqualTo(404);
    assertThat(get(origin.partUri("360p", 6, 4), null).statusCode()).isEqualTo(404);
  }

  @Test
  void thePreloadHintedPartIsAnsweredAtOnceAndStreamedAsItIsProduced() throws Exception {
    start(false);
    byte[] expected = origin.partBytes("360p", 6, 0);
    Collector body = new Collector();
    CompletableFuture<HttpResponse<Void>> response = http.sendAsync(
        HttpRequest.newBuilder(origin.partUri("360p", 6, 0)).build(), info -> body);
    // Headers come before the clock moves: the part is answered as soon as it is hinted.
    await().atMost(AWAIT).until(body::subscribed);
    assertThat(body.size()).isZero();

    clock.advanceMillis(250); // half the part is encoded
    await().atMost(AWAIT).until(() -> body.size() >= expected.length / 2 - 188);
    assertThat(body.size()).isLessThanOrEqualTo(expected.length / 2).isPositive();
    assertThat(response).isNotDone();

    clock.advance(origin.untilNextPart());
    assertThat(response.get(AWAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    assertThat(body.bytes()).isEqualTo(expected);
  }

  @Test
  void byteRangePartsAreRangesOfTheirSegmentWhichIsServedWhileProduced() throws Exception {
    start(true);
    MediaPlaylist playlist = parse(getText(origin.mediaPlaylistUri("360p")));
    PartialSegment part = playlist.mediaSegments().get(5).partialSegments().get(2);
    assertThat(part.uri()).isEqualTo("5.ts");
    LlHlsClip.Part expected = origin.clip().parts("360p", 5).get(2);
    assertThat(part.byterange().orElseThrow().length()).isEqualTo(expected.length());
    assertThat(part.byterange().orElseThrow().offset()).hasValue((long) expected.offset());
    HttpResponse<byte[]> ranged = get(origin.segmentUri("360p", 5),
        "bytes=" + expected.offset() + "-" + (expected.offset() + expected.length() - 1));
    assertThat(ranged.statusCode()).isEqualTo(206);
    assertThat(ranged.body()).isEqualTo(origin.partBytes("360p", 5, 2));

    var hint = playlist.preloadHint().orElseThrow();
    assertThat(hint.uri()).isEqualTo("6.ts");
    assertThat(hint.byteRangeStart()).hasValue(0L);
    assertThat(hint.byteRangeLength()).hasValue((long) origin.partBytes("360p", 6, 0).length);

    // The segment in progress, asked from part 1 on: its bytes come as parts 1.. are produced.
    clock.advance(origin.untilNextPart());
    int from = origin.clip().parts("360p", 6).get(1).offset();
    Collector body = new Collector();
    CompletableFuture<HttpResponse<Void>> response = http.sendAsync(
        HttpRequest.newBuilder(origin.segmentUri("360p", 6)).header("Range", "bytes=" + from + "-").build(),
        info -> body);
    await().atMost(AWAIT).until(body::subscribed);
    for (int i = 0; i < 3; i++) {
      clock.advance(origin.untilNextPart());
    }
    assertThat(response.get(AWAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS).statusCode()).isEqualTo(206);
    byte[] segment = origin.segmentBytes("360p", 6);
    assertThat(body.bytes()).isEqualTo(java.util.Arrays.copyOfRange(segment, from, segment.length));
  }

  @Test
  void faultRulesApplyToPartsAndToHeldPlaylists() throws Exception {
    start(false);
    FaultRule unavailable = origin.inject("/live/360p/*.*.ts", Fault.status(503), 1);
    assertThat(get(origin.partUri("360p", 5, 1), null).statusCode()).isEqualTo(503);
    assertThat(get(origin.partUri("360p", 5, 1), null).statusCode()).isEqualTo(200);
    assertThat(unavailable.hits()).isEqualTo(1);

    byte[] part = origin.partBytes("360p", 5, 2);
    origin.inject("/live/360p/5.2.ts", Fault.truncatedBody(1000), 1);
    CompletableFuture<HttpResponse<byte[]>> truncated = http.sendAsync(
        HttpRequest.newBuilder(origin.partUri("360p", 5, 2)).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(truncated).failsWithin(AWAIT);
    await().atMost(AWAIT).until(() -> origin.bytesServed("/live/360p/5.2.ts") == 1000);
    assertThat(get(origin.partUri("360p", 5, 2), null).body()).isEqualTo(part);

    // A held blocking reload takes its fault when it is answered: here a slow first byte.
    origin.inject("/live/360p/index.m3u8", Fault.slowFirstByte(Duration.ofMillis(50)), 1);
    CompletableFuture<HttpResponse<String>> held = http.sendAsync(
        HttpRequest.newBuilder(origin.mediaPlaylistUri("360p").resolve("index.m3u8?_HLS_msn=6&_HLS_part=0")).build(),
        HttpResponse.BodyHandlers.ofString());
    await().atMost(AWAIT).until(() -> origin.requestCount("/live/360p/index.m3u8") == 1);
    clock.advance(origin.untilNextPart());
    assertThat(held.get(AWAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS).body()).contains("6.0.ts");
  }

  private static MediaPlaylist parse(String text) throws Exception {
    return new MediaPlaylistParser(ParsingMode.STRICT).readPlaylist(text);
  }

  private String getText(URI uri) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(uri.toString()).isEqualTo(200);
    return response.body();
  }

  private int status(URI uri) throws Exception {
    return http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private HttpResponse<byte[]> get(URI uri, String range) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri);
    if (range != null) {
      request.header("Range", range);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  /** Collects a body as it arrives, so a test sees how much came so far. */
  private static final class Collector implements HttpResponse.BodySubscriber<Void> {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private final AtomicInteger size = new AtomicInteger();
    private volatile boolean subscribed;

    @Override
    public CompletionStage<Void> getBody() {
      return done;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      subscribed = true;
      subscription.request(Long.MAX_VALUE);
    }

    @Override
    public synchronized void onNext(List<ByteBuffer> item) {
      for (ByteBuffer b : item) {
        byte[] copy = new byte[b.remaining()];
        b.get(copy);
        out.writeBytes(copy);
        size.addAndGet(copy.length);
      }
    }

    @Override
    public void onError(Throwable throwable) {
      done.completeExceptionally(throwable);
    }

    @Override
    public void onComplete() {
      done.complete(null);
    }

    boolean subscribed() {
      return subscribed;
    }

    int size() {
      return size.get();
    }

    synchronized byte[] bytes() {
      return out.toByteArray();
    }
  }
}
