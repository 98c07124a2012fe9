package dev.hlsmesh.agent.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.hlsmesh.agent.delivery.CdnSegmentLoader;
import dev.hlsmesh.agent.stats.AgentStats;
import dev.hlsmesh.cdn.CdnConfig;
import dev.hlsmesh.cdn.fetch.CdnFetcher;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Init sections, keys and byte-range segments through the proxy, from a real HTTP server on
 * 127.0.0.1 (the JDK's) serving an fMP4-style VOD playlist. The bytes are synthetic: the proxy
 * relays them without looking inside.
 */
class HlsProxyResourcesTest {
  private static final byte[] MEDIA = pattern(5_000, 7);
  private static final byte[] INIT = pattern(900, 3);
  private static final byte[] KEY = pattern(16, 11);
  private static final String PLAYLIST = """
      #EXTM3U
      #EXT-X-VERSION:7
      #EXT-X-TARGETDURATION:2
      #EXT-X-PLAYLIST-TYPE:VOD
      #EXT-X-MAP:URI="init.mp4",BYTERANGE="600@100"
      #EXT-X-KEY:METHOD=AES-128,URI="keys/k1?token=t",IV=0x00000000000000000000000000000001
      #EXTINF:2.0,
      #EXT-X-BYTERANGE:2000@0
      media.mp4?token=t
      #EXTINF:2.0,
      #EXT-X-BYTERANGE:3000
      media.mp4?token=t
      #EXT-X-ENDLIST
      """;

  private HttpServer upstream;
  private CdnFetcher fetcher;
  private CdnSegmentLoader loader;
  private HlsProxy proxy;
  private final AgentStats stats = new AgentStats();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private static byte[] pattern(int length, int seed) {
    byte[] bytes = new byte[length];
    for (int i = 0; i < length; i++) {
      bytes[i] = (byte) (i * seed + seed);
    }
    return bytes;
  }

  @BeforeEach
  void start() throws IOException {
    upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    Map<String, byte[]> files = Map.of("/vod/index.m3u8", PLAYLIST.getBytes(StandardCharsets.UTF_8),
        "/vod/init.mp4", INIT, "/vod/keys/k1", KEY, "/vod/media.mp4", MEDIA);
    Pattern range = Pattern.compile("bytes=(\\d+)-(\\d+)");
    upstream.createContext("/", exchange -> {
      byte[] body = files.get(exchange.getRequestURI().getPath());
      try (exchange) {
        if (body == null) {
          exchange.sendResponseHeaders(404, -1);
          return;
        }
        String rangeHeader = exchange.getRequestHeaders().getFirst("Range");
        int status = 200;
        if (rangeHeader != null) {
          Matcher m = range.matcher(rangeHeader);
          if (!m.matches()) {
            exchange.sendResponseHeaders(416, -1);
            return;
          }
          int first = Integer.parseInt(m.group(1));
          int last = Math.min(Integer.parseInt(m.group(2)), body.length - 1);
          exchange.getResponseHeaders().set("Content-Range", "bytes " + first + "-" + last + "/" + body.length);
          body = Arrays.copyOfRange(body, first, last + 1);
          status = 206;
        }
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      }
    });
    upstream.start();
    fetcher = CdnFetcher.create(CdnConfig.builder().maxAttempts(2).initialBackoffMillis(10).build());
    loader = new CdnSegmentLoader(fetcher, stats, 10_000, 1 << 20);
    URI playlist = URI.create("http://127.0.0.1:" + upstream.getAddress().getPort() + "/vod/index.m3u8");
    proxy = HlsProxy.start(playlist, fetcher, loader, stats, ProxySettings.defaults());
  }

  @AfterEach
  void stop() {
    proxy.close();
    loader.close();
    fetcher.close();
    upstream.stop(0);
  }

  private HttpResponse<byte[]> get(String path, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(proxy.playlistUri().resolve(path)).timeout(Duration.ofSeconds(30));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static String attributeUri(String playlist, String tag) {
    Matcher m = Pattern.compile(Pattern.quote(tag) + ".*URI=\"([^\"]+)\"").matcher(playlist);
    assertThat(m.find()).as(tag + " in " + playlist).isTrue();
    return m.group(1);
  }

  @Test
  void byteRangeSegmentsInitSectionAndKeyAllComeThroughTheProxy() throws Exception {
    String playlist = new String(get("/playlist.m3u8").body(), StandardCharsets.UTF_8);
    assertThat(playlist).doesNotContain("EXT-X-BYTERANGE").doesNotContain(":" + upstream.getAddress().getPort());
    List<String> segments = playlist.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
    assertThat(segments).containsExactly("/stream/0/0.mp4", "/stream/0/1.mp4");

    assertThat(get(segments.get(0)).body()).isEqualTo(Arrays.copyOfRange(MEDIA, 0, 2000));
    assertThat(get(segments.get(1)).body()).as("the implicit offset follows the previous range")
        .isEqualTo(Arrays.copyOfRange(MEDIA, 2000, 5000));

    String init = attributeUri(playlist, "#EXT-X-MAP:");
    assertThat(init).matches("/res/\\d+/init\\.mp4");
    assertThat(playlist).contains("BYTERANGE=\"600@100\"");
    HttpResponse<byte[]> initRange = get(init, "Range", "bytes=100-699");
    assertThat(initRange.statusCode()).isEqualTo(206);
    assertThat(initRange.headers().firstValue("content-range")).hasValue("bytes 100-699/*");
    assertThat(initRange.body()).isEqualTo(Arrays.copyOfRange(INIT, 100, 700));
    assertThat(get(init).body()).isEqualTo(INIT);

    String key = attributeUri(playlist, "#EXT-X-KEY:");
    assertThat(key).matches("/res/\\d+/k1");
    assertThat(get(key).body()).isEqualTo(KEY);

    assertThat(stats.snapshot().cdnSegments()).isEqualTo(2);
    assertThat(stats.snapshot().cdnBytes()).as("segments, the init range asked upstream as a range, the whole init, key")
        .isEqualTo(5_000 + 600 + INIT.length + KEY.length);
  }
}
