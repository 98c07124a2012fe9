package dev.hlsmesh.tracker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hlsmesh.tracker.config.TrackerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Shared settings and HTTP helpers for the tracker tests. */
final class TrackerTesting {
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(10)).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  private TrackerTesting() {}

  /**
   * Loopback, port 0, one I/O thread (so that the order of messages across connections is
   * deterministic and "nothing else arrived" can be proved with a barrier message).
   */
  static TrackerConfig.Builder config() {
    return TrackerConfig.builder().host("127.0.0.1").port(0).ioThreads(1)
        .messageRatePerSecond(10_000).messageBurst(10_000)
        .maxAnnouncesPerMinutePerConnection(1_000_000).maxAnnouncesPerMinutePerIp(1_000_000)
        .maxOffersPerMinutePerConnection(10_000_000).maxOffersPerMinutePerIp(10_000_000);
  }

  static HttpResponse<String> get(Tracker tracker, String path) {
    URI uri = URI.create("http://127.0.0.1:" + tracker.port() + path);
    try {
      return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static JsonNode stats(Tracker tracker) {
    try {
      return JSON.readTree(get(tracker, "/stats").body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
