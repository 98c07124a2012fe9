package dev.hlsmesh.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The optional sidecar next to each live media playlist, rendered by the test's function. */
class LiveHlsOriginSidecarTest {
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private HttpResponse<String> get(URI uri) throws Exception {
    return http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void servesWhatTheRendererMakesOfThePlaylistServedNow() throws Exception {
    ManualClock clock = new ManualClock();
    List<String> seen = new ArrayList<>();
    try (LiveHlsOrigin origin = LiveHlsOrigin.builder().clock(clock).windowSegments(2)
        .sidecars(".integrity", (path, playlist, bytes) -> {
          seen.add(path);
          if (path.contains("240p")) {
            return null;
          }
          long last = Long.parseLong(playlist.lines().filter(l -> l.endsWith(".ts")).reduce((a, b) -> b).orElseThrow()
              .replace(".ts", ""));
          return ("last " + last + " size " + bytes.apply(last).length).getBytes(StandardCharsets.US_ASCII);
        }).start()) {
      URI sidecar = URI.create(origin.mediaPlaylistUri("360p") + ".integrity?token=x");
      HttpResponse<String> first = get(sidecar);
      assertThat(first.statusCode()).isEqualTo(200);
      assertThat(first.body()).isEqualTo("last 1 size " + origin.segmentBytes("360p", 1).length);
      clock.advance(origin.segmentDuration());
      assertThat(get(sidecar).body()).startsWith("last 2 size ");
      assertThat(get(URI.create(origin.mediaPlaylistUri("240p") + ".integrity")).statusCode()).isEqualTo(404);
      assertThat(get(URI.create(origin.mediaPlaylistUri("360p") + ".other")).statusCode()).isEqualTo(404);
      assertThat(seen).containsExactly("/live/360p/index.m3u8", "/live/360p/index.m3u8", "/live/240p/index.m3u8");
    }
  }

  @Test
  void withoutTheOptionThereIsNoSidecar() throws Exception {
    try (LiveHlsOrigin origin = LiveHlsOrigin.builder().clock(new ManualClock()).start()) {
      assertThat(get(URI.create(origin.mediaPlaylistUri("360p") + ".integrity")).statusCode()).isEqualTo(404);
    }
  }
}
