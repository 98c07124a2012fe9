package dev.hlsmesh.agent.proxy;

import static java.util.Objects.requireNonNull;

import dev.hlsmesh.agent.stats.AgentStats;
import dev.hlsmesh.cdn.hls.MediaPlaylist;
import dev.hlsmesh.cdn.hls.Segment;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the proxy can tell of a real player's startup and live latency from its requests alone,
 * recorded in the {@link AgentStats} as the virtual player records its own.
 *
 * <ul>
 *   <li><b>Startup:</b> from the player's first request to the proxy until the bytes of its first
 *       segment are ready to send (the player's own decoding and rendering are not seen).</li>
 *   <li><b>Live latency:</b> the player's playhead is estimated as a clock that starts at the
 *       first segment served, at that segment's start, and advances in real time but never past
 *       the end of the media served so far (a player cannot play what it does not have). Latency
 *       is then {@code now - EXT-X-PROGRAM-DATE-TIME} of that position when the playlist carries
 *       date-times, else its distance to the end of the newest playlist, as for the virtual
 *       player. A player that pauses is behind this estimate by its pause.</li>
 * </ul>
 * Each stream (variant) has its own timeline; the figure recorded is that of the stream served
 * last. Recording can be switched off (a viewer whose headless player records its own figures).
 *
 * <p>Thread-safe: the proxy's connections call it; state is guarded by this object's monitor and
 * the stats are written outside it.
 */
final class PlaybackWatch {
  /** A segment placed on its stream's media timeline (milliseconds). */
  private record Placed(long startMillis, long durationMillis, Optional<Instant> programDateTime) {
    long endMillis() {
      return startMillis + durationMillis;
    }
  }

  /** One stream's media timeline and the estimated playhead of the player on it. */
  private static final class Timeline {
    final NavigableMap<Long, Placed> placed = new TreeMap<>();
    long edgeMillis;
    boolean playing;
    long playheadMillis;
    long servedEndMillis;
    long updatedAtMillis;
  }

  private final AgentStats stats;
  private final Clock clock;
  private volatile boolean enabled = true;

  // Guarded by this.
  private long firstRequestMillis = -1;
  private boolean startupRecorded;
  private final Map<Integer, Timeline> timelines = new HashMap<>();

  PlaybackWatch(AgentStats stats, Clock clock) {
    this.stats = requireNonNull(stats, "stats");
    this.clock = requireNonNull(clock, "clock");
  }

  /** Whether figures are recorded (they are by default). */
  void enabled(boolean value) {
    enabled = value;
  }

  /** A player request reached the proxy. */
  synchronized void requested() {
    if (firstRequestMillis < 0) {
      firstRequestMillis = clock.millis();
    }
  }

  /** Stream {@code index}'s media playlist was served to the player. */
  void playlistServed(int index, MediaPlaylist playlist) {
    long latency;
    synchronized (this) {
      Timeline timeline = timelines.computeIfAbsent(index, i -> new Timeline());
      place(timeline, playlist);
      latency = latency(timeline, clock.millis());
    }
    record(-1, latency);
  }

  /** A segment of stream {@code index} is ready to be sent to the player. */
  void segmentServed(int index, Segment segment) {
    long startup = -1;
    long latency;
    synchronized (this) {
      long now = clock.millis();
      if (!startupRecorded && firstRequestMillis >= 0) {
        startupRecorded = true;
        startup = now - firstRequestMillis;
      }
      Timeline timeline = timelines.get(index);
      Placed placed = timeline == null ? null : timeline.placed.get(segment.mediaSequenceNumber());
      if (placed == null) {
        latency = -1;
      } else {
        advance(timeline, now);
        if (!timeline.playing) {
          timeline.playing = true;
          timeline.playheadMillis = placed.startMillis();
          timeline.servedEndMillis = placed.endMillis();
        } else if (placed.startMillis() <= timeline.servedEndMillis + 1) { // contiguous, or a reload
          timeline.servedEndMillis = Math.max(timeline.servedEndMillis, placed.endMillis());
        } else { // a jump ahead (the player seeks to live): it plays from there
          timeline.playheadMillis = placed.startMillis();
          timeline.servedEndMillis = placed.endMillis();
        }
        timeline.updatedAtMillis = now;
        latency = latency(timeline, now);
      }
    }
    record(startup, latency);
  }

  private void record(long startupMillis, long latencyMillis) {
    if (!enabled) {
      return;
    }
    if (startupMillis >= 0) {
      stats.recordStartup(startupMillis);
    }
    if (latencyMillis >= 0) {
      stats.recordLiveLatency(latencyMillis);
    }
  }

  /** Places a playlist's segments on the timeline, continuing from a segment placed before. */
  private static void place(Timeline timeline, MediaPlaylist playlist) {
    if (playlist.segments().isEmpty()) {
      return;
    }
    long offset = timeline.placed.isEmpty() ? 0 : timeline.edgeMillis; // a gap: continue at the edge
    long before = 0;
    for (Segment segment : playlist.segments()) {
      Placed known = timeline.placed.get(segment.mediaSequenceNumber());
      if (known != null) {
        offset = known.startMillis() - before;
        break;
      }
      before += durationMillis(segment);
    }
    long start = offset;
    for (Segment segment : playlist.segments()) {
      long duration = durationMillis(segment);
      timeline.placed.put(segment.mediaSequenceNumber(), new Placed(start, duration, segment.programDateTime()));
      start += duration;
    }
    timeline.edgeMillis = Math.max(timeline.edgeMillis, start);
    // Keep a few windows behind the newest one (a lagging player's playhead is still found).
    long keepFrom = playlist.mediaSequence() - 3L * Math.max(3, playlist.segments().size());
    timeline.placed.headMap(keepFrom, false).clear();
  }

  private static void advance(Timeline timeline, long now) {
    if (timeline.playing) {
      long advanced = timeline.playheadMillis + Math.max(0, now - timeline.updatedAtMillis);
      timeline.playheadMillis = Math.max(timeline.playheadMillis, Math.min(advanced, timeline.servedEndMillis));
      timeline.updatedAtMillis = now;
    }
  }

  /** The latency at the estimated playhead, or -1 before playback. */
  private static long latency(Timeline timeline, long now) {
    if (!timeline.playing) {
      return -1;
    }
    advance(timeline, now);
    long playhead = timeline.playheadMillis;
    Placed at = null;
    for (Placed placed : timeline.placed.values()) {
      if (placed.startMillis() > playhead) {
        break;
      }
      at = placed;
    }
    if (at != null && at.programDateTime().isPresent()) {
      long mediaWallMillis = at.programDateTime().get().toEpochMilli() + (playhead - at.startMillis());
      return Math.max(0, now - mediaWallMillis);
    }
    return Math.max(0, timeline.edgeMillis - playhead);
  }

  private static long durationMillis(Segment segment) {
    return Math.round(segment.durationSeconds() * 1000);
  }
}
