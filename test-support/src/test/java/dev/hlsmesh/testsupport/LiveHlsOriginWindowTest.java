package dev.hlsmesh.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import io.lindstrom.m3u8.model.MediaPlaylist;
import io.lindstrom.m3u8.model.MediaSegment;
import io.lindstrom.m3u8.parser.MediaPlaylistParser;
import io.lindstrom.m3u8.parser.PlaylistParserException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The live sliding window, stepped on a {@link ManualClock} and read over real HTTP. */
class LiveHlsOriginWindowTest {

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final ManualClock clock = new ManualClock();
  private LiveHlsOrigin origin;

  @AfterEach
  void stop() {
    if (origin != null) {
      origin.close();
    }
  }

  @Test
  void startsWithAFullWindowAndAddsOneSegmentPerSegmentDuration() throws Exception {
    origin = LiveHlsOrigin.builder().clock(clock).start();
    assertThat(origin.segmentDuration()).isEqualTo(Duration.ofSeconds(2));

    MediaPlaylist first = playlist("360p");
    assertThat(first.mediaSequence()).isZero();
    assertThat(first.targetDuration()).isEqualTo(2);
    assertThat(first.ongoing()).as("no ENDLIST").isTrue();
    assertThat(uris(first)).containsExactly("0.ts", "1.ts", "2.ts", "3.ts", "4.ts", "5.ts");
    assertThat(origin.liveEdgeMediaSequence()).isEqualTo(5);
    assertThat(get(origin.segmentUri("360p", 6)).statusCode()).as("not published yet").isEqualTo(404);

    clock.advance(Duration.ofMillis(1999));
    assertThat(uris(playlist("360p"))).containsExactly("0.ts", "1.ts", "2.ts", "3.ts", "4.ts", "5.ts");
    assertThat(get(origin.segmentUri("360p", 6)).statusCode()).isEqualTo(404);

    clock.advance(Duration.ofMillis(1));
    MediaPlaylist second = playlist("360p");
    assertThat(second.mediaSequence()).isEqualTo(1);
    assertThat(uris(second)).containsExactly("1.ts", "2.ts", "3.ts", "4.ts", "5.ts", "6.ts");
    HttpResponse<byte[]> six = get(origin.segmentUri("360p", 6));
    assertThat(six.statusCode()).isEqualTo(200);
    assertThat(six.body()).isEqualTo(HlsClip.bundled().variant("360p").segments().get(6).bytes());
    assertThat(get(origin.segmentUri("360p", 0)).statusCode()).as("still on the CDN after leaving the window")
        .isEqualTo(200);

    clock.advance(Duration.ofSeconds(20));
    assertThat(playlist("360p").mediaSequence()).isEqualTo(11);
    assertThat(origin.liveEdgeMediaSequence()).isEqualTo(16);
  }

  @Test
  void loopsTheClipWithADiscontinuityAndIncreasingSequenceNumbers() throws Exception {
    origin = LiveHlsOrigin.builder().clock(clock).start();
    HlsClip.Variant clip360 = HlsClip.bundled().variant("360p");

    clock.advance(Duration.ofSeconds(6)); // window 3..8; 8 is the clip's first segment again
    MediaPlaylist looped = playlist("360p");
    assertThat(uris(looped)).containsExactly("3.ts", "4.ts", "5.ts", "6.ts", "7.ts", "8.ts");
    assertThat(looped.discontinuitySequence()).isZero();
    assertThat(looped.mediaSegments()).extracting(MediaSegment::discontinuity)
        .containsExactly(false, false, false, false, false, true);
    assertThat(get(origin.segmentUri("360p", 8)).body()).isEqualTo(clip360.segments().get(0).bytes());
    assertThat(origin.segmentBytes("240p", 9)).isEqualTo(HlsClip.bundled().variant("240p").segments().get(1).bytes());

    clock.advance(Duration.ofSeconds(10)); // window 8..13: the loop point is now the first segment
    MediaPlaylist afterLoop = playlist("360p");
    assertThat(afterLoop.mediaSequence()).isEqualTo(8);
    assertThat(afterLoop.discontinuitySequence()).isEqualTo(1);
    assertThat(afterLoop.mediaSegments()).noneMatch(MediaSegment::discontinuity);

    clock.advance(Duration.ofSeconds(22)); // window 19..24: second loop point at 16 left, third at 24 listed
    MediaPlaylist later = playlist("360p");
    assertThat(later.mediaSequence()).isEqualTo(19);
    assertThat(later.discontinuitySequence()).isEqualTo(2);
    assertThat(later.mediaSegments().get(5).discontinuity()).isTrue();
    assertThat(get(origin.segmentUri("360p", 24)).body()).isEqualTo(clip360.segments().get(0).bytes());
  }

  @Test
  void programDateTimeIsWallClockOfEachSegmentStart() throws Exception {
    Instant start = clock.instant();
    origin = LiveHlsOrigin.builder().clock(clock).start();
    clock.advance(Duration.ofSeconds(2));

    List<MediaSegment> segments = playlist("360p").mediaSegments();
    MediaSegment edge = segments.get(segments.size() - 1);
    // Segment 6 was published at start + 2 s, when its 2 s of media had been produced.
    assertThat(edge.programDateTime().orElseThrow().toInstant()).isEqualTo(start);
    for (int i = 1; i < segments.size(); i++) {
      Duration step = Duration.between(segments.get(i - 1).programDateTime().orElseThrow(),
          segments.get(i).programDateTime().orElseThrow());
      assertThat(step).isEqualTo(Duration.ofSeconds(2));
    }
  }

  @Test
  void variantsShareSequenceNumbers() throws Exception {
    origin = LiveHlsOrigin.builder().clock(clock).start();
    clock.advance(Duration.ofSeconds(4));
    assertThat(uris(playlist("240p"))).isEqualTo(uris(playlist("360p")));
    assertThat(get(origin.segmentUri("240p", 7)).body())
        .isEqualTo(HlsClip.bundled().variant("240p").segments().get(7).bytes());
  }

  @Test
  void firstSequenceWindowSizeQueryAndEndAreConfigurable() throws Exception {
    origin = LiveHlsOrigin.builder().clock(clock)
        .firstMediaSequence(1000).windowSegments(3).endAfterSegments(5).segmentQuery("token=abc")
        .start();
    MediaPlaylist start = playlist("360p");
    assertThat(start.mediaSequence()).isEqualTo(1000);
    assertThat(uris(start)).containsExactly("1000.ts?token=abc", "1001.ts?token=abc", "1002.ts?token=abc");
    assertThat(get(URI.create(origin.segmentUri("360p", 1002) + "?token=abc")).statusCode()).isEqualTo(200);
    assertThat(get(origin.segmentUri("360p", 999)).statusCode()).isEqualTo(404);

    clock.advance(Duration.ofSeconds(4));
    MediaPlaylist ended = playlist("360p");
    assertThat(ended.ongoing()).as("ENDLIST").isFalse();
    assertThat(uris(ended)).containsExactly("1002.ts?token=abc", "1003.ts?token=abc", "1004.ts?token=abc");
    assertThat(origin.ended()).isTrue();

    clock.advance(Duration.ofMinutes(1));
    assertThat(origin.mediaPlaylist("360p")).isEqualTo(body(origin.mediaPlaylistUri("360p")));
    assertThat(uris(playlist("360p"))).containsExactly("1002.ts?token=abc", "1003.ts?token=abc", "1004.ts?token=abc");
    assertThat(get(origin.segmentUri("360p", 1005)).statusCode()).isEqualTo(404);
  }

  private MediaPlaylist playlist(String variant) throws IOException, InterruptedException, PlaylistParserException {
    return new MediaPlaylistParser().readPlaylist(body(origin.mediaPlaylistUri(variant)));
  }

  private String body(URI uri) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(uri.toString()).isEqualTo(200);
    return response.body();
  }

  private HttpResponse<byte[]> get(URI uri) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static List<String> uris(MediaPlaylist playlist) {
    return playlist.mediaSegments().stream().map(MediaSegment::uri).toList();
  }
}
