package dev.hlsmesh.agent.player;

import java.util.ArrayList;
import java.util.List;

/**
 * How a {@link VirtualPlayer} behaves, modelled on hls.js's defaults.
 *
 * @param liveSyncTargetDurations a live stream starts this many target durations behind the end
 *     of the playlist (hls.js {@code liveSyncDurationCount}, default 3)
 * @param maxBufferMillis the player loads ahead until it holds this much media beyond the
 *     playhead (hls.js {@code maxBufferLength}, default 30 s); on a live stream the live edge
 *     usually stops it first
 * @param retryDelayMillis wait before asking again for a segment whose load failed (default 1 s)
 */
public record PlayerSettings(int liveSyncTargetDurations, long maxBufferMillis, long retryDelayMillis) {

  /** Validates every setting and reports all problems at once. */
  public PlayerSettings {
    List<String> problems = new ArrayList<>();
    if (liveSyncTargetDurations < 0 || liveSyncTargetDurations > 100) {
      problems.add("player.liveSyncTargetDurations: " + liveSyncTargetDurations + " (expected: 0..100)");
    }
    if (maxBufferMillis < 1 || maxBufferMillis > 3_600_000) {
      problems.add("player.maxBufferMillis: " + maxBufferMillis + " (expected: 1..3600000)");
    }
    if (retryDelayMillis < 1 || retryDelayMillis > 600_000) {
      problems.add("player.retryDelayMillis: " + retryDelayMillis + " (expected: 1..600000)");
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("invalid player settings: " + String.join("; ", problems));
    }
  }

  /** hls.js-like defaults: 3 target durations behind live, 30 s buffer, retry after 1 s. */
  public static PlayerSettings defaults() {
    return new PlayerSettings(3, 30_000, 1_000);
  }
}
