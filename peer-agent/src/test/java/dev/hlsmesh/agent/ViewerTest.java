package dev.hlsmesh.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.hlsmesh.agent.stats.AgentEvent;
import dev.hlsmesh.testsupport.LiveHlsOrigin;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The facade on its own (CDN-only viewers need no WebRTC; docs/embedding.md's example runs P2P
 * viewers end to end): one config in, the proxy, the headless player, stats and events out,
 * everything closed.
 */
class ViewerTest {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private LiveHlsOrigin origin;

  @BeforeEach
  void start() {
    origin = LiveHlsOrigin.start();
  }

  @AfterEach
  void stop() {
    origin.close();
  }

  @Test
  void aPlayerThroughTheProxyGetsTheOriginsBytesAndItsStartupAndLatencyAreRecorded() throws Exception {
    try (Viewer viewer = Viewer.start(ViewerConfig.cdnOnly().build(), origin.masterPlaylistUri())) {
      String master = get(viewer.playlistUri());
      String stream = master.lines().filter(l -> l.startsWith("/stream/")).findFirst().orElseThrow();
      String media = get(viewer.playlistUri().resolve(stream));
      String newest = media.lines().filter(l -> l.startsWith("/stream/")).reduce((a, b) -> b).orElseThrow();
      long msn = Long.parseLong(newest.substring(newest.lastIndexOf('/') + 1, newest.lastIndexOf('.')));
      HttpResponse<byte[]> segment = http.send(HttpRequest.newBuilder(viewer.playlistUri().resolve(newest)).build(),
          HttpResponse.BodyHandlers.ofByteArray());

      assertThat(segment.body()).isEqualTo(origin.segmentBytes("360p", msn));
      assertThat(viewer.stats().cdnSegments()).isEqualTo(1);
      assertThat(viewer.stats().startupMillis()).as("startup through the proxy").isNotNegative();
      assertThat(viewer.stats().liveLatencyMillis()).as("latency through the proxy").isNotNegative();
      assertThat(get(viewer.statsUri())).contains("\"cdnSegments\":1");
      assertThat(viewer.peerId(SwarmKey.ofHex("00".repeat(20)))).as("P2P off: no swarm").isEmpty();
    }
  }

  @Test
  void theHeadlessPlayerPlaysTheFirstVariantByteExactAndTheViewerClosesWhatItMade() throws Exception {
    List<AgentEvent> events = new CopyOnWriteArrayList<>();
    List<String> mismatches = new CopyOnWriteArrayList<>();
    List<Long> played = new CopyOnWriteArrayList<>();
    int timersBefore = Viewer.SharedTimers.users();
    Viewer viewer = Viewer.start(ViewerConfig.cdnOnly().build(), origin.masterPlaylistUri());
    Viewer second = Viewer.start(ViewerConfig.cdnOnly().build(), origin.masterPlaylistUri());
    assertThat(Viewer.SharedTimers.users()).as("one timer pool for both").isEqualTo(timersBefore + 2);
    viewer.addEventListener(events::add);
    viewer.playHeadless((msn, bytes) -> {
      played.add(msn);
      if (!ByteBuffer.wrap(origin.segmentBytes("360p", msn)).equals(bytes)) {
        mismatches.add("segment " + msn);
      }
    });
    await().atMost(Duration.ofSeconds(60)).until(() -> played.size() >= 3);
    await().atMost(Duration.ofSeconds(10)).until(() -> events.stream().anyMatch(e -> e instanceof AgentEvent.SegmentLoaded));
    assertThat(mismatches).isEmpty();
    assertThat(viewer.stats().startupMillis()).isNotNegative();
    assertThat(viewer.stats().stalls()).isZero();

    URI proxy = viewer.playlistUri();
    viewer.close();
    viewer.close(); // idempotent
    second.close();
    assertThat(Viewer.SharedTimers.users()).isEqualTo(timersBefore);
    assertThatThrownBy(() -> get(proxy)).as("the proxy is closed").isInstanceOf(java.io.IOException.class);
    assertThatThrownBy(() -> viewer.playHeadless(null)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void metricsAndTheStatsLogLiveAsLongAsTheViewer() {
    io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
        new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    Viewer viewer = Viewer.start(ViewerConfig.cdnOnly().build(), origin.masterPlaylistUri());
    viewer.bindMetrics(registry, io.micrometer.core.instrument.Tags.of("viewer", "1"));
    viewer.logStats("viewer-1", 1_000);
    assertThat(registry.getMeters()).as("bound").isNotEmpty();
    viewer.close();
    assertThat(registry.getMeters()).as("removed with the viewer").isEmpty();
  }

  @Test
  void aPlaylistThatIsNotHttpIsRefusedBeforeAnythingStarts() {
    assertThatThrownBy(() -> Viewer.start(ViewerConfig.cdnOnly().build(), URI.create("file:///tmp/x.m3u8")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected: an http or https URL");
  }

  private String get(URI uri) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("GET " + uri + ": " + response.body()).isEqualTo(200);
    return response.body();
  }
}
