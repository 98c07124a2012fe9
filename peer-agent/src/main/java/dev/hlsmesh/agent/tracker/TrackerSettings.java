package dev.hlsmesh.agent.tracker;

import static java.util.Objects.requireNonNull;

import java.net.URI;

/**
 * How the agent talks to its tracker. Immutable; built from the agent configuration.
 *
 * @param trackerUrl {@code ws://} or {@code wss://} URL of a WebTorrent tracker
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
    URI trackerUrl,
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
    requireNonNull(trackerUrl, "trackerUrl");
    String scheme = trackerUrl.getScheme();
    if (scheme == null || !(scheme.equalsIgnoreCase("ws") || scheme.equalsIgnoreCase("wss")) || trackerUrl.getHost() == null) {
      throw new IllegalArgumentException("trackerUrl: " + trackerUrl + " (expected: ws://host[:port][/path] or wss://...)");
    }
    if (reportIntervalMillis < 0) {
      throw new IllegalArgumentException("reportIntervalMillis: " + reportIntervalMillis + " (expected: >= 0, 0 = off)");
    }
  }
}
