package dev.hlsmesh.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Plain HTTP behaviour of the origin: resources, Range, HEAD, counters. */
class LiveHlsOriginHttpTest {

  private static final Duration AWAIT = Duration.ofSeconds(10);

  private static LiveHlsOrigin origin;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start() {
    origin = LiveHlsOrigin.builder().clock(new ManualClock()).start();
  }

  @AfterAll
  static void stop() {
    origin.close();
  }

  @Test
  void listensOnLoopbackOnAnEphemeralPort() {
    assertThat(origin.port()).isPositive();
    assertThat(origin.masterPlaylistUri()).isEqualTo(URI.create("http://127.0.0.1:" + origin.port() + "/live/master.m3u8"));
    assertThat(origin.segmentUri("240p", 3).getPath()).isEqualTo("/live/240p/3.ts");
  }

  @Test
  void servesTheMasterPlaylistAndContentTypes() throws Exception {
    HttpResponse<String> master = http.send(HttpRequest.newBuilder(origin.masterPlaylistUri()).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(master.statusCode()).isEqualTo(200);
    assertThat(master.body()).isEqualTo(HlsClip.bundled().masterPlaylist());
    assertThat(master.body()).contains("360p/index.m3u8", "240p/index.m3u8");
    assertThat(master.headers().firstValue("content-type")).hasValue("application/vnd.apple.mpegurl");

    HttpResponse<byte[]> segment = get(origin.segmentUri("360p", 2), null);
    assertThat(segment.headers().firstValue("content-type")).hasValue("video/mp2t");
    assertThat(segment.headers().firstValueAsLong("content-length")).hasValue(segment.body().length);
    assertThat(segment.headers().firstValue("accept-ranges")).hasValue("bytes");
  }

  @Test
  void webPlayersOnAnyOriginMayReadItAndItsPreflightIsAnsweredWithoutCounting() throws Exception {
    URI segment = origin.segmentUri("360p", 1);
    HttpResponse<byte[]> answer = get(segment, "bytes=0-9");
    assertThat(answer.headers().firstValue("access-control-allow-origin")).hasValue("*");
    assertThat(answer.headers().firstValue("access-control-expose-headers")).hasValue("Content-Length, Content-Range");

    long requestsBefore = origin.requestCount(segment.getPath());
    HttpResponse<Void> preflight = http.send(HttpRequest.newBuilder(segment)
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
        .header("Origin", "http://127.0.0.1:1")
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "range")
        .build(), HttpResponse.BodyHandlers.discarding());
    assertThat(preflight.statusCode()).isEqualTo(204);
    assertThat(preflight.headers().firstValue("access-control-allow-origin")).hasValue("*");
    assertThat(preflight.headers().firstValue("access-control-allow-methods")).hasValue("GET, HEAD");
    assertThat(preflight.headers().firstValue("access-control-allow-headers")).hasValue("Range");
    assertThat(origin.requestCount(segment.getPath())).isEqualTo(requestsBefore);
  }

  @Test
  void servesTheClipFilesVerbatim() throws Exception {
    HttpResponse<byte[]> vod = get(origin.clipFileUri("240p/index.m3u8"), null);
    assertThat(new String(vod.body(), StandardCharsets.UTF_8)).isEqualTo(HlsClip.bundled().variant("240p").mediaPlaylist());
    assertThat(get(origin.clipFileUri("240p/seg004.ts"), null).body())
        .isEqualTo(HlsClip.bundled().variant("240p").segments().get(4).bytes());
  }

  @Test
  void unknownPathsAnswer404() throws Exception {
    assertThat(get(origin.baseUri().resolve("live/1080p/index.m3u8"), null).statusCode()).isEqualTo(404);
    assertThat(get(origin.baseUri().resolve("live/360p/x.ts"), null).statusCode()).isEqualTo(404);
    assertThat(get(origin.baseUri().resolve("elsewhere"), null).statusCode()).isEqualTo(404);
    assertThat(get(origin.clipFileUri("360p/seg999.ts"), null).statusCode()).isEqualTo(404);
  }

  @Test
  void rangeRequestAnswers206WithTheSlice() throws Exception {
    byte[] whole = origin.segmentBytes("360p", 1);
    String path = origin.segmentPath("360p", 1);
    long before = origin.bytesServed(path);

    HttpResponse<byte[]> partial = get(origin.segmentUri("360p", 1), "bytes=1000-1999");

    assertThat(partial.statusCode()).isEqualTo(206);
    assertThat(partial.body()).isEqualTo(Arrays.copyOfRange(whole, 1000, 2000));
    assertThat(partial.headers().firstValue("content-range")).hasValue("bytes 1000-1999/" + whole.length);
    assertThat(partial.headers().firstValueAsLong("content-length")).hasValue(1000);
    await().atMost(AWAIT).until(() -> origin.bytesServed(path) == before + 1000);
  }

  @Test
  void openAndSuffixRanges() throws Exception {
    byte[] whole = origin.segmentBytes("360p", 4);
    HttpResponse<byte[]> tail = get(origin.segmentUri("360p", 4), "bytes=" + (whole.length - 10) + "-");
    assertThat(tail.statusCode()).isEqualTo(206);
    assertThat(tail.body()).isEqualTo(Arrays.copyOfRange(whole, whole.length - 10, whole.length));

    HttpResponse<byte[]> suffix = get(origin.segmentUri("360p", 4), "bytes=-188");
    assertThat(suffix.body()).isEqualTo(Arrays.copyOfRange(whole, whole.length - 188, whole.length));
  }

  @Test
  void unsatisfiableRangeAnswers416AndMultipleRangesTheWholeBody() throws Exception {
    byte[] whole = origin.segmentBytes("360p", 3);
    HttpResponse<byte[]> beyond = get(origin.segmentUri("360p", 3), "bytes=" + whole.length + "-");
    assertThat(beyond.statusCode()).isEqualTo(416);
    assertThat(beyond.headers().firstValue("content-range")).hasValue("bytes */" + whole.length);

    HttpResponse<byte[]> multi = get(origin.segmentUri("360p", 3), "bytes=0-1,5-9");
    assertThat(multi.statusCode()).isEqualTo(200);
    assertThat(multi.body()).isEqualTo(whole);
  }

  @Test
  void headAnswersHeadersOnly() throws Exception {
    HttpResponse<byte[]> head = http.send(
        HttpRequest.newBuilder(origin.segmentUri("240p", 0)).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    assertThat(head.headers().firstValueAsLong("content-length")).hasValue(origin.segmentBytes("240p", 0).length);
  }

  @Test
  void otherMethodsAnswer405() throws Exception {
    HttpResponse<byte[]> post = http.send(
        HttpRequest.newBuilder(origin.segmentUri("240p", 0)).POST(HttpRequest.BodyPublishers.ofString("x")).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(post.statusCode()).isEqualTo(405);
  }

  @Test
  void countsBodyBytesAndRequestsPerPath() throws Exception {
    String path = origin.segmentPath("240p", 5);
    long totalBefore = origin.bytesServed();
    long requestsBefore = origin.requestCount();
    int length = origin.segmentBytes("240p", 5).length;

    get(origin.segmentUri("240p", 5), null);
    get(URI.create(origin.segmentUri("240p", 5) + "?token=ignored"), null);

    assertThat(origin.requestCount(path)).isEqualTo(2);
    assertThat(origin.requestCount()).isGreaterThanOrEqualTo(requestsBefore + 2);
    await().atMost(AWAIT).untilAsserted(() -> {
      assertThat(origin.bytesServed(path)).isEqualTo(2L * length);
      assertThat(origin.bytesServedByPath()).containsEntry(path, 2L * length);
      assertThat(origin.bytesServedMatching("/live/240p/5.*")).isEqualTo(2L * length);
      assertThat(origin.bytesServed()).isGreaterThanOrEqualTo(totalBefore + 2L * length);
    });
    assertThat(origin.bytesServed("/never/requested")).isZero();
  }

  @Test
  void worksWithTheDefaultClientThatOffersAnH2cUpgrade() throws Exception {
    HttpClient defaultClient = HttpClient.newHttpClient();
    HttpResponse<byte[]> response = defaultClient.send(HttpRequest.newBuilder(origin.segmentUri("360p", 0)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
    assertThat(response.body()).isEqualTo(origin.segmentBytes("360p", 0));
  }

  private HttpResponse<byte[]> get(URI uri, String range) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri);
    if (range != null) {
      request.header("Range", range);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }
}
