package dev.hlsmesh.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A mirror serves its primary's live stream, moment for moment, with its own faults and counters. */
class LiveHlsOriginMirrorTest {
  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<byte[]> get(URI uri) throws Exception {
    return http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  @Test
  void aMirrorServesTheSamePlaylistsAndSegmentsAsItsPrimaryAtEveryMoment() throws Exception {
    ManualClock clock = new ManualClock();
    try (LiveHlsOrigin primary = LiveHlsOrigin.builder().clock(clock).firstMediaSequence(100).start()) {
      clock.advance(Duration.ofSeconds(7)); // the mirror starts later, yet shows the same window
      try (LiveHlsOrigin mirror = LiveHlsOrigin.builder().mirrorOf(primary).start()) {
        assertThat(mirror.port()).isNotEqualTo(primary.port());
        for (int step = 0; step < 3; step++) {
          byte[] fromPrimary = get(primary.mediaPlaylistUri("360p")).body();
          assertThat(get(mirror.mediaPlaylistUri("360p")).body()).isEqualTo(fromPrimary);
          long edge = primary.liveEdgeMediaSequence();
          assertThat(mirror.liveEdgeMediaSequence()).isEqualTo(edge);
          assertThat(get(mirror.segmentUri("360p", edge)).body()).isEqualTo(get(primary.segmentUri("360p", edge)).body());
          assertThat(get(mirror.segmentUri("360p", edge + 1)).statusCode()).as("not published yet").isEqualTo(404);
          clock.advance(primary.segmentDuration());
        }

        primary.inject("/**", Fault.status(503));
        assertThat(get(primary.mediaPlaylistUri("360p")).statusCode()).isEqualTo(503);
        assertThat(get(mirror.mediaPlaylistUri("360p")).statusCode()).as("faults stay with their server").isEqualTo(200);
        String segment = mirror.segmentPath("360p", mirror.liveEdgeMediaSequence());
        long before = primary.bytesServed(segment);
        byte[] body = get(mirror.segmentUri("360p", mirror.liveEdgeMediaSequence())).body();
        // The origin counts bytes when the socket has taken them, which may be after the client
        // holds the whole body: await the count.
        await().atMost(Duration.ofSeconds(10)).until(() -> mirror.bytesServed(segment) == body.length);
        assertThat(primary.bytesServed(segment)).as("counters stay with their server").isEqualTo(before);
      }
    }
  }
}
