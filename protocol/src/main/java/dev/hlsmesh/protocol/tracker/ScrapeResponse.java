package dev.hlsmesh.protocol.tracker;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The tracker's answer to a scrape (PROTOCOL.md A.4.4).
 *
 * @param files counters per swarm, in encoding order
 * @param minRequestIntervalSeconds {@code flags.min_request_interval}, or {@code null}
 */
public record ScrapeResponse(Map<BinaryId, Stats> files, Integer minRequestIntervalSeconds)
    implements ServerMessage {

  public ScrapeResponse {
    // Keep the caller's order: it is the order of the JSON object.
    files = Collections.unmodifiableMap(new LinkedHashMap<>(requireNonNull(files, "files")));
    if (minRequestIntervalSeconds != null && minRequestIntervalSeconds < 0) {
      throw new IllegalArgumentException(
          "minRequestIntervalSeconds: " + minRequestIntervalSeconds + " (expected: >= 0)");
    }
  }

  /**
   * Counters of one swarm.
   *
   * @param complete seeders
   * @param incomplete leechers
   * @param downloaded completed downloads
   */
  public record Stats(int complete, int incomplete, int downloaded) {
    public Stats {
      if (complete < 0 || incomplete < 0 || downloaded < 0) {
        throw new IllegalArgumentException("counters must be >= 0, got "
            + complete + ", " + incomplete + ", " + downloaded);
      }
    }
  }
}
