package dev.hlsmesh.testsupport;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * The arithmetic of a Low-Latency HLS live stream over a looped {@link LlHlsClip}, and the
 * media playlists it yields. Pure: all state is immutable and time comes from the clock at each
 * call, so any thread may call it.
 *
 * <p>Segment {@code i} (0-based, counting every segment ever published) is clip segment
 * {@code i % clipSegments} and has media sequence number {@code firstMediaSequence + i}. At
 * start, segments {@code 0 .. windowSegments-1} are complete and segment {@code windowSegments}
 * begins; from then on each part is published when its last byte has been "encoded", its
 * duration after the previous one: the stream advances on the clip's own part durations, so
 * parts appear at their real time. A part is produced evenly over its duration (whole
 * 188-byte MPEG-TS packets), which is what {@link #producedBytes} reports for the part in
 * progress. A segment is complete when its last part is.
 */
final class LlLiveWindow {

  private static final DateTimeFormatter PROGRAM_DATE_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", Locale.ROOT).withZone(ZoneOffset.UTC);
  private static final int TS_PACKET_BYTES = 188;

  /**
   * Where the stream is: segments before {@code segmentIndex} are complete, and of segment
   * {@code segmentIndex}, parts {@code 0 .. partsPublished-1} are published and part
   * {@code partsPublished} is being produced.
   */
  record Position(long segmentIndex, int partsPublished) {}

  private final LlHlsClip clip;
  private final Clock clock;
  private final Instant start;
  private final int windowSegments;
  private final long firstMediaSequence;
  private final boolean byteRangeParts;
  private final int clipSegments;
  private final int targetDurationSeconds;
  /** Per clip segment, the start of each part and the segment's end, from the segment's start. */
  private final long[][] partStartNanos;
  /** Per clip segment, its start from the start of the loop. */
  private final long[] segmentStartNanos;
  private final long loopNanos;
  /** The timeline position (from the start of segment 0's loop) at the clock's start. */
  private final long originNanos;

  LlLiveWindow(LlHlsClip clip, Clock clock, int windowSegments, long firstMediaSequence, boolean byteRangeParts) {
    this.clip = clip;
    this.clock = clock;
    this.start = clock.instant();
    this.windowSegments = windowSegments;
    this.firstMediaSequence = firstMediaSequence;
    this.byteRangeParts = byteRangeParts;
    HlsClip.Variant first = clip.clip().firstVariant();
    this.clipSegments = clip.clip().segmentCount();
    this.partStartNanos = new long[clipSegments][];
    this.segmentStartNanos = new long[clipSegments];
    long at = 0;
    double longest = 0;
    for (int k = 0; k < clipSegments; k++) {
      List<LlHlsClip.Part> parts = clip.parts(first.name(), k);
      long[] starts = new long[parts.size() + 1];
      for (int j = 0; j < parts.size(); j++) {
        long nanos = Math.round(parts.get(j).durationSeconds() * 1e9);
        if (nanos <= 0) {
          throw new IllegalArgumentException("clip segment " + k + " part " + j + " has no duration");
        }
        starts[j + 1] = starts[j] + nanos;
      }
      partStartNanos[k] = starts;
      segmentStartNanos[k] = at;
      at += starts[parts.size()];
      longest = Math.max(longest, starts[parts.size()] / 1e9);
    }
    this.loopNanos = at;
    this.targetDurationSeconds = (int) Math.max(1, Math.round(longest));
    this.originNanos = segmentStart(windowSegments);
  }

  int targetDurationSeconds() {
    return targetDurationSeconds;
  }

  double partTargetSeconds() {
    return clip.partTargetSeconds();
  }

  /** RFC 8216bis PART-HOLD-BACK: three part target durations, as the RFC recommends. */
  double partHoldBackSeconds() {
    return 3 * clip.partTargetSeconds();
  }

  long firstMediaSequence() {
    return firstMediaSequence;
  }

  boolean byteRangeParts() {
    return byteRangeParts;
  }

  /** Parts of segment {@code segmentIndex}. */
  int partCount(long segmentIndex) {
    return partStartNanos[clipIndex(segmentIndex)].length - 1;
  }

  /** Where the stream is now. */
  Position position() {
    return positionAt(timelineNow());
  }

  /** The clock time from now until the next part is published (at least 1 ns). */
  Duration untilNextPart() {
    long now = timelineNow();
    Position p = positionAt(now);
    return Duration.ofNanos(Math.max(1, partEnd(p.segmentIndex(), p.partsPublished()) - now));
  }

  /** Whether part {@code part} of segment {@code segmentIndex} is published now. */
  boolean isPublished(long segmentIndex, int part) {
    Position p = position();
    return segmentIndex < p.segmentIndex() || (segmentIndex == p.segmentIndex() && part < p.partsPublished());
  }

  /**
   * Bytes of a part produced by now: 0 before it begins, all of them once published, whole
   * TS packets in proportion to the time elapsed in between.
   */
  long producedBytes(long segmentIndex, int part, int partLength) {
    long now = timelineNow();
    long begin = partStart(segmentIndex, part);
    long end = partEnd(segmentIndex, part);
    if (now >= end) {
      return partLength;
    }
    if (now <= begin) {
      return 0;
    }
    long produced = (long) ((double) partLength * (now - begin) / (end - begin));
    return Math.min(partLength, produced / TS_PACKET_BYTES * TS_PACKET_BYTES);
  }

  /** Clock time at which part {@code part} of segment {@code segmentIndex} is published. */
  Instant publicationTime(long segmentIndex, int part) {
    return start.plusNanos(partEnd(segmentIndex, part) - originNanos);
  }

  /** The clip segment behind a segment index. */
  int clipIndex(long segmentIndex) {
    return (int) (segmentIndex % clipSegments);
  }

  /**
   * Parts from the next one to be published up to part {@code part} of segment
   * {@code segmentIndex}: 0 when already published, 1 for the part in progress.
   */
  long partsAhead(long segmentIndex, int part) {
    Position now = position();
    long ahead = 0;
    long s = now.segmentIndex();
    int j = now.partsPublished();
    while (s < segmentIndex || (s == segmentIndex && j <= part)) {
      ahead++;
      j++;
      if (j >= partCount(s)) {
        if (s == segmentIndex) {
          break;
        }
        s++;
        j = 0;
      }
      if (ahead > 1000) {
        break;
      }
    }
    return ahead;
  }

  /** The media playlist of a variant as it reads at position {@code p}. */
  String mediaPlaylist(String variant, List<String> otherVariants, Position p) {
    long complete = p.segmentIndex();
    long firstIndex = Math.max(0, complete - windowSegments);
    long endNanos = partStart(complete, p.partsPublished());
    long partsFromNanos = endNanos - 3L * targetDurationSeconds * 1_000_000_000L;
    StringBuilder out = new StringBuilder(512 + 256 * windowSegments);
    out.append("#EXTM3U\n");
    out.append("#EXT-X-VERSION:6\n");
    out.append("#EXT-X-TARGETDURATION:").append(targetDurationSeconds).append('\n');
    out.append("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=")
        .append(seconds(partHoldBackSeconds())).append('\n');
    out.append("#EXT-X-PART-INF:PART-TARGET=").append(seconds(partTargetSeconds())).append('\n');
    out.append("#EXT-X-MEDIA-SEQUENCE:").append(firstMediaSequence + firstIndex).append('\n');
    out.append("#EXT-X-DISCONTINUITY-SEQUENCE:").append(firstIndex / clipSegments).append('\n');
    out.append("#EXT-X-INDEPENDENT-SEGMENTS\n");
    HlsClip.Variant v = clip.clip().variant(variant);
    for (long i = firstIndex; i <= complete; i++) {
      boolean inProgress = i == complete;
      if (inProgress && p.partsPublished() == 0) {
        break;
      }
      if (i > firstIndex && clipIndex(i) == 0) {
        out.append("#EXT-X-DISCONTINUITY\n");
      }
      if (!inProgress) {
        out.append("#EXT-X-PROGRAM-DATE-TIME:").append(PROGRAM_DATE_TIME.format(programDateTime(i))).append('\n');
      }
      List<LlHlsClip.Part> parts = clip.parts(v.name(), clipIndex(i));
      if (inProgress || segmentStart(i + 1) > partsFromNanos) {
        int listed = inProgress ? p.partsPublished() : parts.size();
        for (int j = 0; j < listed; j++) {
          LlHlsClip.Part part = parts.get(j);
          out.append("#EXT-X-PART:DURATION=").append(seconds(part.durationSeconds()))
              .append(",URI=\"").append(partUri(i, j));
          if (byteRangeParts) {
            out.append("\",BYTERANGE=").append(part.length()).append('@').append(part.offset());
          } else {
            out.append('"');
          }
          if (part.independent()) {
            out.append(",INDEPENDENT=YES");
          }
          out.append('\n');
        }
      }
      if (!inProgress) {
        double duration = (partStart(i + 1, 0) - partStart(i, 0)) / 1e9;
        out.append("#EXTINF:").append(seconds(duration)).append(",\n");
        out.append(firstMediaSequence + i).append(".ts\n");
      }
    }
    // The part being produced: a client may ask for it now, and gets its bytes as they come.
    LlHlsClip.Part next = clip.parts(v.name(), clipIndex(complete)).get(p.partsPublished());
    out.append("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"").append(partUri(complete, p.partsPublished())).append('"');
    if (byteRangeParts) {
      out.append(",BYTERANGE-START=").append(next.offset()).append(",BYTERANGE-LENGTH=").append(next.length());
    }
    out.append('\n');
    long lastMsn = firstMediaSequence + (p.partsPublished() > 0 ? complete : complete - 1);
    int lastPart = p.partsPublished() > 0 ? p.partsPublished() - 1 : partCount(complete - 1) - 1;
    for (String other : otherVariants) {
      out.append("#EXT-X-RENDITION-REPORT:URI=\"../").append(other).append("/index.m3u8\",LAST-MSN=")
          .append(lastMsn).append(",LAST-PART=").append(lastPart).append('\n');
    }
    return out.toString();
  }

  private String partUri(long segmentIndex, int part) {
    long msn = firstMediaSequence + segmentIndex;
    return byteRangeParts ? msn + ".ts" : msn + "." + part + ".ts";
  }

  private static String seconds(double value) {
    return String.format(Locale.ROOT, "%.3f", value);
  }

  private long timelineNow() {
    long elapsed = Duration.between(start, clock.instant()).toNanos();
    return originNanos + Math.max(0, elapsed);
  }

  private Position positionAt(long timelineNanos) {
    long loops = timelineNanos / loopNanos;
    long within = timelineNanos % loopNanos;
    int k = clipSegments - 1;
    while (segmentStartNanos[k] > within) {
      k--;
    }
    long inSegment = within - segmentStartNanos[k];
    long[] starts = partStartNanos[k];
    int published = 0;
    while (published + 1 < starts.length - 1 && starts[published + 1] <= inSegment) {
      published++;
    }
    return new Position(loops * clipSegments + k, published);
  }

  private long segmentStart(long segmentIndex) {
    return (segmentIndex / clipSegments) * loopNanos + segmentStartNanos[clipIndex(segmentIndex)];
  }

  private long partStart(long segmentIndex, int part) {
    return segmentStart(segmentIndex) + partStartNanos[clipIndex(segmentIndex)][part];
  }

  private long partEnd(long segmentIndex, int part) {
    return segmentStart(segmentIndex) + partStartNanos[clipIndex(segmentIndex)][part + 1];
  }

  /** Wall-clock time of the first sample of segment {@code index}. */
  private Instant programDateTime(long index) {
    return start.plusNanos(segmentStart(index) - originNanos);
  }
}
