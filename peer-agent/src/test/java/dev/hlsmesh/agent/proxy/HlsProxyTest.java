package dev.hlsmesh.agent.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hlsmesh.agent.delivery.CdnSegmentLoader;
import dev.hlsmesh.agent.delivery.HlsStream;
import dev.hlsmesh.agent.delivery.SegmentLoadException;
import dev.hlsmesh.agent.delivery.SegmentLoader;
import dev.hlsmesh.agent.delivery.SegmentRequest;
import dev.hlsmesh.agent.stats.AgentStats;
import dev.hlsmesh.cdn.CdnConfig;
import dev.hlsmesh.cdn.fetch.CdnFetcher;
import dev.hlsmesh.cdn.hls.MediaPlaylist;
import dev.hlsmesh.testsupport.Fault;
import dev.hlsmesh.testsupport.LiveHlsOrigin;
import dev.hlsmesh.testsupport.ManualClock;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The proxy over real HTTP, in front of the real live test origin (its window held still by a manual clock). */
class HlsProxyTest {
  private final ManualClock clock = new ManualClock();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final AgentStats stats = new AgentStats();
  private LiveHlsOrigin origin;
  private CdnFetcher fetcher;
  private CdnSegmentLoader cdnLoader;
  private HlsProxy proxy;

  /** Records what the proxy asks, then delegates to the CDN loader. */
  private final class RecordingLoader implements SegmentLoader {
    final List<SegmentRequest> requests = new CopyOnWriteArrayList<>();
    final List<HlsStream> playlistStreams = new CopyOnWriteArrayList<>();

    @Override
    public CompletableFuture<byte[]> load(SegmentRequest request) {
      requests.add(request);
      return cdnLoader.load(request);
    }

    @Override
    public void playlistLoaded(HlsStream stream, MediaPlaylist playlist) {
      playlistStreams.add(stream);
    }
  }

  private final RecordingLoader loader = new RecordingLoader();

  @BeforeEach
  void start() {
    origin = LiveHlsOrigin.builder().clock(clock).start();
    fetcher = CdnFetcher.create(CdnConfig.builder().maxAttempts(2).initialBackoffMillis(10).build());
    cdnLoader = new CdnSegmentLoader(fetcher, stats, 10_000, 8 << 20);
    proxy = HlsProxy.start(origin.masterPlaylistUri(), fetcher, loader, stats, ProxySettings.defaults(), clock);
  }

  @AfterEach
  void stop() {
    proxy.close();
    cdnLoader.close();
    fetcher.close();
    origin.close();
  }

  private HttpResponse<byte[]> get(String path, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(proxy.playlistUri().resolve(path)).timeout(Duration.ofSeconds(30));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static String text(HttpResponse<byte[]> response) {
    return new String(response.body(), StandardCharsets.UTF_8);
  }

  private static List<String> uriLines(String playlist) {
    return playlist.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
  }

  @Test
  void servesTheMasterWithEveryVariantPointingBackToTheProxy() throws Exception {
    HttpResponse<byte[]> response = get("/playlist.m3u8?token=ignored");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue("application/vnd.apple.mpegurl");
    String master = text(response);
    assertThat(uriLines(master)).containsExactly("/stream/0/index.m3u8", "/stream/1/index.m3u8");
    assertThat(master).contains("#EXT-X-STREAM-INF:").doesNotContain("127.0.0.1:" + origin.port());
    assertThat(proxy.streams()).hasSize(2);
    HlsStream first = proxy.streams().get(0);
    assertThat(first.mediaPlaylistUri()).isEqualTo(origin.mediaPlaylistUri("360p"));
    assertThat(first.masterPlaylistUri()).hasValue(origin.masterPlaylistUri());
    assertThat(first.variant()).isPresent();
    assertThat(proxy.playlistUri().getHost()).isEqualTo("127.0.0.1");
  }

  @Test
  void servesAVariantsMediaPlaylistWithSegmentsThroughTheProxyAndTellsTheLoaderWhichStream() throws Exception {
    get("/playlist.m3u8");
    String media = text(get("/stream/1/index.m3u8"));

    long edge = origin.liveEdgeMediaSequence();
    assertThat(uriLines(media)).last().isEqualTo("/stream/1/" + edge + ".ts");
    assertThat(uriLines(media)).allMatch(line -> line.matches("/stream/1/\\d+\\.ts"));
    assertThat(media).contains("#EXT-X-TARGETDURATION:2").contains("#EXT-X-PROGRAM-DATE-TIME:")
        .contains("#EXT-X-MEDIA-SEQUENCE:");
    assertThat(loader.playlistStreams).containsExactly(proxy.streams().get(1));
  }

  @Test
  void aVariantPlaylistRequestedFirstLoadsTheMasterByItself() throws Exception {
    HttpResponse<byte[]> response = get("/stream/0/index.m3u8");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(loader.playlistStreams).singleElement()
        .satisfies(s -> assertThat(s.mediaPlaylistUri()).isEqualTo(origin.mediaPlaylistUri("360p")));
  }

  @Test
  void segmentsAreTheOriginsBytesLoadedThroughTheLoaderWithADeadlineOneTargetDurationAway() throws Exception {
    get("/playlist.m3u8");
    get("/stream/0/index.m3u8");
    long edge = origin.liveEdgeMediaSequence();
    Instant before = clock.instant();
    HttpResponse<byte[]> response = get("/stream/0/" + edge + ".ts");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue("video/mp2t");
    assertThat(response.body()).isEqualTo(origin.segmentBytes("360p", edge));
    SegmentRequest request = loader.requests.get(0);
    assertThat(request.stream()).isEqualTo(proxy.streams().get(0));
    assertThat(request.segment().mediaSequenceNumber()).isEqualTo(edge);
    assertThat(request.playbackDeadline()).isEqualTo(before.plusSeconds(2));
    assertThat(stats.snapshot().cdnBytes()).isEqualTo(response.body().length);
  }

  @Test
  void aRangeOfASegmentIsAnsweredWith206() throws Exception {
    get("/stream/0/index.m3u8");
    long edge = origin.liveEdgeMediaSequence();
    HttpResponse<byte[]> response = get("/stream/0/" + edge + ".ts", "Range", "bytes=188-375");
    byte[] whole = origin.segmentBytes("360p", edge);

    assertThat(response.statusCode()).isEqualTo(206);
    assertThat(response.headers().firstValue("content-range")).hasValue("bytes 188-375/" + whole.length);
    assertThat(response.body()).isEqualTo(Arrays.copyOfRange(whole, 188, 376));
    assertThat(get("/stream/0/" + edge + ".ts", "Range", "bytes=" + whole.length + "-").statusCode()).isEqualTo(416);
  }

  @Test
  void thePlaylistFollowsTheLiveWindowAsTheOriginAdvances() throws Exception {
    get("/stream/0/index.m3u8");
    long edge = origin.liveEdgeMediaSequence();
    clock.advance(origin.segmentDuration());
    String media = text(get("/stream/0/index.m3u8"));

    assertThat(uriLines(media)).last().isEqualTo("/stream/0/" + (edge + 1) + ".ts");
    assertThat(get("/stream/0/" + (edge + 1) + ".ts").body()).isEqualTo(origin.segmentBytes("360p", edge + 1));
  }

  @Test
  void theStatsEndpointServesTheAgentsFiguresAsJson() throws Exception {
    stats.recordUploaded(4_321); // as the agent does for every chunk it sends a peer
    get("/stream/0/index.m3u8");
    byte[] segment = get("/stream/0/" + origin.liveEdgeMediaSequence() + ".ts").body();
    HttpResponse<byte[]> response = get("/stats.json");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
    JsonNode json = new ObjectMapper().readTree(response.body());
    assertThat(json.get("cdnBytes").asLong()).isEqualTo(segment.length);
    assertThat(json.get("offloadRatio").asDouble()).isZero();
    assertThat(json.get("uploadedBytes").asLong()).isEqualTo(4_321);
  }

  @Test
  void aSegmentNotInALoadedPlaylistIsNotFound() throws Exception {
    get("/stream/0/index.m3u8");
    HttpResponse<byte[]> response = get("/stream/0/999999.ts");
    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(text(response)).contains("segment 999999 of stream 0 is not in a playlist loaded through this proxy");
    assertThat(get("/stream/7/index.m3u8").statusCode()).isEqualTo(404);
    assertThat(get("/nothing/here").statusCode()).isEqualTo(404);
    assertThat(get("/res/12345/key").statusCode()).isEqualTo(404);
    assertThat(loader.requests).isEmpty();
  }

  @Test
  void onlyGetAndHeadAreServed() throws Exception {
    HttpResponse<byte[]> post = http.send(HttpRequest.newBuilder(proxy.playlistUri())
        .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("allow")).hasValue("GET, HEAD");

    HttpResponse<byte[]> head = http.send(HttpRequest.newBuilder(proxy.playlistUri())
        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    assertThat(head.headers().firstValueAsLong("content-length").orElse(0)).isPositive();
  }

  @Test
  void anUpstreamFailureIsA502WithItsReasonAndLaterRequestsStillWork() throws Exception {
    origin.inject("/live/master.m3u8", Fault.status(404), 1);
    HttpResponse<byte[]> failed = get("/playlist.m3u8");
    assertThat(failed.statusCode()).isEqualTo(502);
    assertThat(text(failed)).contains("404");

    assertThat(get("/playlist.m3u8").statusCode()).isEqualTo(200);
  }

  @Test
  void aFailingLoaderIsA502() throws Exception {
    SegmentLoader failing = request -> CompletableFuture.failedFuture(new SegmentLoadException("no peer, no CDN"));
    try (HlsProxy other = HlsProxy.start(origin.masterPlaylistUri(), fetcher, failing, stats, ProxySettings.defaults())) {
      HttpClient client = HttpClient.newHttpClient();
      URI base = other.playlistUri();
      client.send(HttpRequest.newBuilder(base.resolve("/stream/0/index.m3u8")).build(),
          HttpResponse.BodyHandlers.discarding());
      HttpResponse<String> response = client.send(HttpRequest.newBuilder(
          base.resolve("/stream/0/" + origin.liveEdgeMediaSequence() + ".ts")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(502);
      assertThat(response.body()).contains("no peer, no CDN");
    }
  }

  @Test
  void aLoneMediaPlaylistIsStreamZero() throws Exception {
    try (HlsProxy media = HlsProxy.start(origin.mediaPlaylistUri("240p"), fetcher, loader, stats,
        ProxySettings.defaults())) {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(media.playlistUri()).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(uriLines(response.body())).last().isEqualTo("/stream/0/" + origin.liveEdgeMediaSequence() + ".ts");
      assertThat(media.streams()).containsExactly(HlsStream.ofMediaPlaylist(origin.mediaPlaylistUri("240p")));
    }
  }
}
