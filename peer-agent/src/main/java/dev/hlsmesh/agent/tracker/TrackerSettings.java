package dev.hlsmesh.agent.tracker;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.util.List;

/**
 * How the agent talks to its tracker. Immutable; built from the agent configuration.
 *
 * @param trackerUrls {@code ws://} or {@code wss://} URLs of WebTorrent trackers, all used at
 *     once (at least one, no duplicates)
 * @param connectTimeoutMillis TCP connect plus WebSocket handshake limit
 * @param maxOffersPerAnnounce offers per announce (browsers send 5)
 * @param offerTimeoutMillis an unanswered offer is dropped after this long (browsers: 50 s)
 * @param defaultAnnounceIntervalMillis re-announce interval until the tracker sends its own
 * @param minAnnounceIntervalMillis lower bound applied to the tracker's interval
 * @param belowMinimumAnnounceMillis re-announce interval while the swarm has fewer peers than
 *     its minimum
 * @param reconnectBaseMillis first reconnect delay (doubled per failure, jittered)
 * @param reconnectMaxMillis reconnect delay cap
 * @param reportIntervalMillis time between two report-only announces carrying the viewer report
 *     ({@code x_hlsmesh}); 0 = no reports at all, not even on regular announces
 */
public record TrackerSettings(
    List<URI> trackerUrls,
    long connectTimeoutMillis,
    int maxOffersPerAnnounce,
    long offerTimeoutMillis,
    long defaultAnnounceIntervalMillis,
    long minAnnounceIntervalMillis,
    long belowMinimumAnnounceMillis,
    long reconnectBaseMillis,
    long reconnectMaxMillis,
    long reportIntervalMillis) {

  /** Validates. */
  public TrackerSettings {
    trackerUrls = List.copyOf(requireNonNull(trackerUrls, "trackerUrls"));
    if (trackerUrls.isEmpty() || trackerUrls.stream().distinct().count() != trackerUrls.size()) {
      throw new IllegalArgumentException("trackerUrls: " + trackerUrls
          + " (expected: at least one URL, no duplicates)");
    }
    for (URI trackerUrl : trackerUrls) {
      String scheme = trackerUrl.getScheme();
      if (scheme == null || !(scheme.equalsIgnoreCase("ws") || scheme.equalsIgnoreCase("wss")) || trackerUrl.getHost() == null) {
        throw new IllegalArgumentException("trackerUrl: " + trackerUrl + " (expected: ws://host[:port][/path] or wss://...)");
      }
    }
    if (reportIntervalMillis < 0) {
      throw new IllegalArgumentException("reportIntervalMillis: " + reportIntervalMillis + " (expected: >= 0, 0 = off)");
    }
  }
}
