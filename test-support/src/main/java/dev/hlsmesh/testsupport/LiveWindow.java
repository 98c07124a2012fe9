package dev.hlsmesh.testsupport;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The arithmetic of a live sliding window over a looped clip, and the media playlists it
 * yields. Pure: all state is immutable and time comes from the clock at each call, so any
 * thread may call it.
 *
 * <p>Segment {@code i} (0-based, counting every segment ever published) is clip segment
 * {@code i % clipSegments}, has media sequence number {@code firstMediaSequence + i}, and is
 * published at {@code start + (i - windowSegments + 1) * segmentDuration}: the first window
 * is full at start, then one segment is added per segment duration. A discontinuity precedes
 * each segment where the clip starts over.
 */
final class LiveWindow {

  private static final DateTimeFormatter PROGRAM_DATE_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", Locale.ROOT).withZone(ZoneOffset.UTC);

  private final HlsClip clip;
  private final Clock clock;
  private final Instant start;
  private final int windowSegments;
  private final long firstMediaSequence;
  private final long endAfterSegments;
  private final long segmentDurationNanos;
  private final int clipSegments;
  private final int targetDurationSeconds;
  private final String segmentQuery;

  LiveWindow(
      HlsClip clip,
      Clock clock,
      int windowSegments,
      long firstMediaSequence,
      long endAfterSegments,
      String segmentQuery) {
    this.clip = clip;
    this.clock = clock;
    this.start = clock.instant();
    this.windowSegments = windowSegments;
    this.firstMediaSequence = firstMediaSequence;
    this.endAfterSegments = endAfterSegments;
    this.segmentQuery = segmentQuery;
    this.clipSegments = clip.segmentCount();
    double longest = 0;
    for (HlsClip.Variant v : clip.variants().values()) {
      if (v.segments().size() != clipSegments) {
        throw new IllegalArgumentException("clip variant " + v.name() + " has " + v.segments().size()
            + " segments, expected " + clipSegments + " like the first variant");
      }
      for (HlsClip.Segment s : v.segments()) {
        longest = Math.max(longest, s.durationSeconds());
      }
    }
    // The window advances on a fixed cadence: the first segment's duration (the clip is cut
    // at a fixed interval by bin/make-clip, so all segments but perhaps the last are equal).
    this.segmentDurationNanos = Math.round(clip.firstVariant().segments().get(0).durationSeconds() * 1e9);
    if (segmentDurationNanos <= 0) {
      throw new IllegalArgumentException("clip's first segment has no duration");
    }
    this.targetDurationSeconds = (int) Math.max(1, Math.round(longest));
  }

  Duration segmentDuration() {
    return Duration.ofNanos(segmentDurationNanos);
  }

  int targetDurationSeconds() {
    return targetDurationSeconds;
  }

  long firstMediaSequence() {
    return firstMediaSequence;
  }

  /** Number of segments published so far (indexes 0 .. count-1), at the clock's current time. */
  long publishedCount() {
    long elapsedNanos = Duration.between(start, clock.instant()).toNanos();
    long steps = elapsedNanos <= 0 ? 0 : elapsedNanos / segmentDurationNanos;
    return Math.min(endAfterSegments, windowSegments + steps);
  }

  boolean ended() {
    return publishedCount() >= endAfterSegments;
  }

  /** Whether the segment with this media sequence number has been published by now. */
  boolean isPublished(long mediaSequence) {
    long index = mediaSequence - firstMediaSequence;
    return index >= 0 && index < publishedCount();
  }

  /** The clip segment behind a media sequence number (published or not). */
  HlsClip.Segment segment(HlsClip.Variant variant, long mediaSequence) {
    long index = mediaSequence - firstMediaSequence;
    if (index < 0) {
      throw new IllegalArgumentException("mediaSequence: " + mediaSequence + " (expected: >= " + firstMediaSequence + ")");
    }
    return variant.segments().get((int) (index % clipSegments));
  }

  /** The media playlist of a variant as it reads now. */
  String mediaPlaylist(HlsClip.Variant variant) {
    long published = publishedCount();
    long firstIndex = Math.max(0, published - windowSegments);
    StringBuilder out = new StringBuilder(96 + 96 * windowSegments);
    out.append("#EXTM3U\n");
    out.append("#EXT-X-VERSION:6\n");
    out.append("#EXT-X-TARGETDURATION:").append(targetDurationSeconds).append('\n');
    out.append("#EXT-X-MEDIA-SEQUENCE:").append(firstMediaSequence + firstIndex).append('\n');
    // One discontinuity at each loop point (indexes clipSegments, 2*clipSegments, ...); the
    // count of those at or before the first listed segment is its discontinuity sequence.
    out.append("#EXT-X-DISCONTINUITY-SEQUENCE:").append(firstIndex / clipSegments).append('\n');
    out.append("#EXT-X-INDEPENDENT-SEGMENTS\n");
    for (long i = firstIndex; i < published; i++) {
      // The first listed segment's discontinuity is already counted in the sequence above.
      if (i > firstIndex && i % clipSegments == 0) {
        out.append("#EXT-X-DISCONTINUITY\n");
      }
      HlsClip.Segment s = variant.segments().get((int) (i % clipSegments));
      out.append("#EXT-X-PROGRAM-DATE-TIME:").append(PROGRAM_DATE_TIME.format(programDateTime(i))).append('\n');
      out.append("#EXTINF:").append(String.format(Locale.ROOT, "%.3f", s.durationSeconds())).append(",\n");
      out.append(firstMediaSequence + i).append(".ts");
      if (!segmentQuery.isEmpty()) {
        out.append('?').append(segmentQuery);
      }
      out.append('\n');
    }
    if (published >= endAfterSegments) {
      out.append("#EXT-X-ENDLIST\n");
    }
    return out.toString();
  }

  /** Wall-clock time of the first sample of segment {@code index}: its publication minus its duration. */
  private Instant programDateTime(long index) {
    return start.plusNanos((index - windowSegments) * segmentDurationNanos);
  }
}
