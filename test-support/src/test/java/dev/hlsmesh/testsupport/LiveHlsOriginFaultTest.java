package dev.hlsmesh.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every injectable fault, observed by a plain java.net.http client. */
class LiveHlsOriginFaultTest {

  private static final Duration AWAIT = Duration.ofSeconds(10);

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private LiveHlsOrigin origin;
  private URI segment;
  private byte[] segmentBytes;

  @BeforeEach
  void start() {
    origin = LiveHlsOrigin.builder().clock(new ManualClock()).start();
    segment = origin.segmentUri("360p", 2);
    segmentBytes = origin.segmentBytes("360p", 2);
  }

  @AfterEach
  void stop() {
    origin.close();
  }

  @Test
  void statusFaultAppliesToMatchingPathsForTheGivenNumberOfRequests() throws Exception {
    FaultRule rule = origin.inject("/live/360p/*.ts", Fault.status(503), 2);

    assertThat(get(segment).statusCode()).isEqualTo(503);
    assertThat(get(origin.mediaPlaylistUri("360p")).statusCode()).as("playlist does not match").isEqualTo(200);
    assertThat(get(origin.segmentUri("240p", 2)).statusCode()).as("other variant does not match").isEqualTo(200);
    assertThat(get(segment).statusCode()).isEqualTo(503);
    HttpResponse<byte[]> healed = get(segment);

    assertThat(healed.statusCode()).isEqualTo(200);
    assertThat(healed.body()).isEqualTo(segmentBytes);
    assertThat(rule.hits()).isEqualTo(2);
    assertThat(rule.active()).isFalse();
  }

  @Test
  void notFoundFaultOnAPublishedSegmentUntilRemoved() throws Exception {
    FaultRule rule = origin.inject("/live/**", Fault.status(404));
    assertThat(get(segment).statusCode()).isEqualTo(404);
    assertThat(get(origin.mediaPlaylistUri("240p")).statusCode()).isEqualTo(404);

    rule.remove();

    assertThat(get(segment).statusCode()).isEqualTo(200);
    assertThat(rule.hits()).isEqualTo(2);
  }

  @Test
  void slowFirstByteDelaysTheWholeAnswer() throws Exception {
    origin.inject("**", Fault.slowFirstByte(Duration.ofMillis(400)), 1);

    long startNanos = System.nanoTime();
    HttpResponse<byte[]> response = get(segment);
    long elapsedMillis = (System.nanoTime() - startNanos) / 1_000_000;

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo(segmentBytes);
    assertThat(elapsedMillis).isGreaterThanOrEqualTo(400);
  }

  @Test
  void slowFirstByteMeetsAClientTimeoutAsATimeout() {
    origin.inject("**", Fault.slowFirstByte(Duration.ofSeconds(30)));
    HttpRequest request = HttpRequest.newBuilder(segment).timeout(Duration.ofMillis(200)).build();
    assertThatThrownBy(() -> http.send(request, HttpResponse.BodyHandlers.ofByteArray()))
        .isInstanceOf(HttpTimeoutException.class);
  }

  @Test
  void slowBodySendsHeadersThenTheBodyChunkByChunk() throws Exception {
    // 270 kB in 64 kB chunks every 100 ms: five chunks, so at least 400 ms after the first.
    origin.inject("**", Fault.slowBody(64 * 1024, Duration.ofMillis(100)), 1);

    long startNanos = System.nanoTime();
    HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(segment).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertThat(response.statusCode()).isEqualTo(200);
    byte[] body;
    try (InputStream in = response.body()) {
      body = in.readAllBytes();
    }
    long elapsedMillis = (System.nanoTime() - startNanos) / 1_000_000;

    assertThat(body).isEqualTo(segmentBytes);
    assertThat(elapsedMillis).isGreaterThanOrEqualTo(400);
    await().atMost(AWAIT).until(() -> origin.bytesServed(segment.getPath()) == segmentBytes.length);
  }

  @Test
  void stallNeverAnswers() {
    FaultRule rule = origin.inject("**", Fault.stall());
    // The client's timeout must outlast the server's receipt of the request on a loaded machine:
    // a 200 ms timeout once fired before the origin had seen the request at all.
    HttpRequest request = HttpRequest.newBuilder(segment).timeout(Duration.ofSeconds(5)).build();

    CompletableFuture<HttpResponse<byte[]>> response =
        http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray());

    await().atMost(Duration.ofSeconds(30)).until(() -> rule.hits() == 1);
    assertThatThrownBy(response::join).hasCauseInstanceOf(HttpTimeoutException.class);
    assertThat(rule.hits()).isEqualTo(1);
    assertThat(origin.requestCount(segment.getPath())).isEqualTo(1);
  }

  @Test
  void connectionResetBeforeAnyByteFailsTheRequest() {
    FaultRule rule = origin.inject("**", Fault.connectionReset());

    assertThatThrownBy(() -> get(segment))
        .isInstanceOf(IOException.class)
        .isNotInstanceOf(HttpTimeoutException.class);
    assertThat(rule.hits()).isGreaterThanOrEqualTo(1);
    assertThat(origin.bytesServed(segment.getPath())).isZero();
  }

  @Test
  void javaHttpClientRetriesAGetOnceWhenResetBeforeAnyByte() throws Exception {
    // Worth knowing for fetcher tests: a single reset before the first byte is invisible to
    // callers of java.net.http, which treats it as a stale connection and sends the GET again.
    FaultRule rule = origin.inject("**", Fault.connectionReset(), 1);

    HttpResponse<byte[]> response = get(segment);

    assertThat(response.body()).isEqualTo(segmentBytes);
    assertThat(rule.hits()).isEqualTo(1);
    assertThat(origin.requestCount(segment.getPath())).isEqualTo(2);
  }

  @Test
  void connectionResetMidBodyFailsTheBodyAfterSomeBytes() throws Exception {
    origin.inject("**", Fault.connectionResetAfter(50_000), 1);

    ByteArrayOutputStream received = new ByteArrayOutputStream();
    assertThatThrownBy(() -> readBody(segment, received))
        .isInstanceOf(IOException.class)
        .isNotInstanceOf(HttpTimeoutException.class);
    assertThat(received.size()).isLessThanOrEqualTo(50_000);
    assertThat(received.toByteArray()).isEqualTo(Arrays.copyOf(segmentBytes, received.size()));
    await().atMost(AWAIT).until(() -> origin.bytesServed(segment.getPath()) == 50_000);
  }

  @Test
  void truncatedBodyEndsEarlyDespiteTheFullContentLength() throws Exception {
    origin.inject("**", Fault.truncatedBody(10_000), 1);

    HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(segment).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertThat(response.headers().firstValueAsLong("content-length")).hasValue(segmentBytes.length);
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    assertThatThrownBy(() -> copy(response.body(), received)).isInstanceOf(IOException.class);
    assertThat(received.toByteArray()).isEqualTo(Arrays.copyOf(segmentBytes, 10_000));

    assertThat(get(origin.segmentUri("360p", 3)).statusCode()).as("no fault left: next request is fine")
        .isEqualTo(200);
  }

  @Test
  void truncatedBodyAppliesToTheRequestedRange() throws Exception {
    origin.inject("**", Fault.truncatedBody(100), 1);
    HttpRequest request = HttpRequest.newBuilder(segment).header("Range", "bytes=1000-1999").build();
    HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    assertThat(response.statusCode()).isEqualTo(206);
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    assertThatThrownBy(() -> copy(response.body(), received)).isInstanceOf(IOException.class);
    assertThat(received.toByteArray()).isEqualTo(Arrays.copyOfRange(segmentBytes, 1000, 1100));
  }

  @Test
  void contentLengthLargerThanTheBodyFailsTheBody() {
    origin.inject("**", Fault.wrongContentLength(segmentBytes.length + 5_000L), 1);
    assertThatThrownBy(() -> get(segment)).isInstanceOf(IOException.class);
  }

  @Test
  void contentLengthSmallerThanTheBodySilentlyShortensIt() throws Exception {
    origin.inject("**", Fault.wrongContentLength(1_000), 1);

    HttpResponse<byte[]> response = get(segment);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo(Arrays.copyOf(segmentBytes, 1_000));
    assertThat(get(segment).body()).as("the connection was closed, the next one is clean").isEqualTo(segmentBytes);
  }

  @Test
  void firstMatchingActiveRuleWinsAndClearFaultsHealsEverything() throws Exception {
    origin.inject("/live/360p/2.ts", Fault.status(500), 1);
    origin.inject("**", Fault.status(502));

    assertThat(get(segment).statusCode()).isEqualTo(500);
    assertThat(get(segment).statusCode()).isEqualTo(502);
    origin.clearFaults();
    assertThat(get(segment).statusCode()).isEqualTo(200);
  }

  private HttpResponse<byte[]> get(URI uri) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private void readBody(URI uri, ByteArrayOutputStream into) throws IOException, InterruptedException {
    HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(uri).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    copy(response.body(), into);
  }

  private static void copy(InputStream in, ByteArrayOutputStream into) throws IOException {
    try (in) {
      byte[] buffer = new byte[8192];
      for (int n; (n = in.read(buffer)) >= 0; ) {
        into.write(buffer, 0, n);
      }
    }
  }
}
