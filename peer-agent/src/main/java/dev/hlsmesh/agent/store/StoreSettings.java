package dev.hlsmesh.agent.store;

import java.util.ArrayList;
import java.util.List;

/**
 * Bounds of the segment store a viewer makes for itself ({@link InMemorySegmentStore}): what it
 * keeps to serve its peers. An embedder that passes its own {@link SegmentStore} bounds it itself.
 *
 * @param maxBytes total size of the segments kept, all swarms together (default 64 MiB)
 * @param maxAgeMillis a segment is dropped this long after it was stored: the live window peers
 *     may still ask for (default 60000 ms)
 */
public record StoreSettings(long maxBytes, long maxAgeMillis) {

  /** Validates every setting and reports all problems at once. */
  public StoreSettings {
    List<String> problems = new ArrayList<>();
    if (maxBytes < 1 << 20 || maxBytes > 1L << 40) {
      problems.add("store.maxBytes: " + maxBytes + " (expected: 1048576..1099511627776)");
    }
    if (maxAgeMillis < 1_000 || maxAgeMillis > 86_400_000) {
      problems.add("store.maxAgeMillis: " + maxAgeMillis + " (expected: 1000..86400000)");
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("invalid store settings: " + String.join("; ", problems));
    }
  }

  /** 64 MiB, one minute. */
  public static StoreSettings defaults() {
    return new StoreSettings(64L << 20, 60_000);
  }
}
