package dev.hlsmesh.testsupport;

import io.lindstrom.m3u8.model.MediaPlaylist;
import io.lindstrom.m3u8.model.MediaSegment;
import io.lindstrom.m3u8.model.PartialSegment;
import io.lindstrom.m3u8.parser.MediaPlaylistParser;
import io.lindstrom.m3u8.parser.PlaylistParserException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An {@link HlsClip} whose segments are cut into Low-Latency HLS parts: what
 * {@link LlHlsOrigin} replays. The clip's VOD media playlists list each part as
 * {@code EXT-X-PART} with a {@code BYTERANGE} of its segment file, so a segment is the
 * concatenation of its parts, byte for byte (checked at load).
 *
 * <p>{@link #bundled()} is the clip shipped under {@code clip-ll/} on the class path, made by
 * {@code bin/make-clip --ll}: the same 16 s, two variants and bitrates as {@link HlsClip#bundled()},
 * at 24 fps with a keyframe every 0.5 s, 2 s segments of four 0.5 s parts, each part starting
 * with a keyframe (INDEPENDENT=YES).
 *
 * <p>Immutable and thread-safe; byte arrays are shared, never copied: do not modify them.
 */
public final class LlHlsClip {

  /** Class path directory of the bundled LL-HLS clip. */
  public static final String BUNDLED_RESOURCE_DIR = "clip-ll";

  private static volatile LlHlsClip bundled;

  private final HlsClip clip;
  private final double partTargetSeconds;
  private final Map<String, List<List<Part>>> partsByVariant;

  /**
   * One part of a segment.
   *
   * @param index its position in its segment, from 0
   * @param durationSeconds its {@code DURATION}
   * @param offset its first byte in the segment
   * @param length its size in bytes
   * @param independent {@code INDEPENDENT=YES}: it starts with a keyframe
   */
  public record Part(int index, double durationSeconds, int offset, int length, boolean independent) {}

  private LlHlsClip(HlsClip clip, double partTargetSeconds, Map<String, List<List<Part>>> partsByVariant) {
    this.clip = clip;
    this.partTargetSeconds = partTargetSeconds;
    this.partsByVariant = Collections.unmodifiableMap(partsByVariant);
  }

  /** The LL-HLS clip shipped with this module (loaded once, then shared). */
  public static LlHlsClip bundled() {
    LlHlsClip c = bundled;
    if (c == null) {
      synchronized (LlHlsClip.class) {
        c = bundled;
        if (c == null) {
          c = fromClasspath(BUNDLED_RESOURCE_DIR);
          bundled = c;
        }
      }
    }
    return c;
  }

  /**
   * Loads an LL-HLS clip from the class path, as {@link HlsClip#fromClasspath(String)} does, and
   * reads the parts of every segment from the media playlists.
   *
   * @throws IllegalArgumentException if the clip does not load, a segment has no parts, parts do
   *     not tile their segment exactly, or the variants' parts are not cut at the same instants
   */
  public static LlHlsClip fromClasspath(String resourceDir) {
    HlsClip clip = HlsClip.fromClasspath(resourceDir);
    Map<String, List<List<Part>>> parts = new LinkedHashMap<>();
    double partTarget = -1;
    double[] firstDurations = null;
    for (HlsClip.Variant v : clip.variants().values()) {
      String where = resourceDir + "/" + v.name() + "/index.m3u8";
      MediaPlaylist playlist;
      try {
        playlist = new MediaPlaylistParser().readPlaylist(v.mediaPlaylist());
      } catch (PlaylistParserException e) {
        throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
      }
      double target = playlist.partialSegmentInformation()
          .orElseThrow(() -> new IllegalArgumentException(where + ": no EXT-X-PART-INF"))
          .partTargetDuration();
      if (partTarget >= 0 && target != partTarget) {
        throw new IllegalArgumentException(where + ": PART-TARGET " + target + ", expected " + partTarget
            + " like the first variant");
      }
      partTarget = target;
      List<List<Part>> variantParts = new ArrayList<>();
      List<Double> durations = new ArrayList<>();
      List<MediaSegment> segments = playlist.mediaSegments();
      for (int i = 0; i < segments.size(); i++) {
        MediaSegment s = segments.get(i);
        byte[] bytes = v.segments().get(i).bytes();
        List<Part> segmentParts = new ArrayList<>();
        int offset = 0;
        for (PartialSegment p : s.partialSegments()) {
          String at = where + ": part " + segmentParts.size() + " of " + s.uri();
          if (!p.uri().equals(s.uri()) || p.byterange().isEmpty() || p.byterange().get().offset().isEmpty()) {
            throw new IllegalArgumentException(at + ": expected a BYTERANGE with offset of " + s.uri());
          }
          long partOffset = p.byterange().get().offset().get();
          long length = p.byterange().get().length();
          if (partOffset != offset || length < 1 || offset + length > bytes.length) {
            throw new IllegalArgumentException(at + ": range " + length + "@" + partOffset
                + " does not follow the previous part at " + offset + " inside " + bytes.length + " bytes");
          }
          segmentParts.add(new Part(segmentParts.size(), p.duration(), offset, (int) length, p.independent()));
          durations.add(p.duration());
          offset += (int) length;
        }
        if (segmentParts.isEmpty() || offset != bytes.length) {
          throw new IllegalArgumentException(where + ": the parts of " + s.uri() + " cover " + offset + " of its "
              + bytes.length + " bytes");
        }
        variantParts.add(List.copyOf(segmentParts));
      }
      double[] d = durations.stream().mapToDouble(Double::doubleValue).toArray();
      if (firstDurations != null && !Arrays.equals(d, firstDurations)) {
        throw new IllegalArgumentException(where + ": parts are not cut at the same instants as the first variant's");
      }
      firstDurations = d;
      parts.put(v.name(), List.copyOf(variantParts));
    }
    return new LlHlsClip(clip, partTarget, parts);
  }

  /** The clip as segments (what a plain HLS origin would serve). */
  public HlsClip clip() {
    return clip;
  }

  /** {@code EXT-X-PART-INF:PART-TARGET}: the longest part duration, in seconds. */
  public double partTargetSeconds() {
    return partTargetSeconds;
  }

  /** The parts of one clip segment of a variant, in order. */
  public List<Part> parts(String variant, int clipSegmentIndex) {
    List<List<Part>> parts = partsByVariant.get(clip.variant(variant).name());
    return parts.get(Objects.checkIndex(clipSegmentIndex, parts.size()));
  }

  /** A part's bytes (a copy of its range of the segment). */
  public byte[] partBytes(String variant, int clipSegmentIndex, int partIndex) {
    Part part = parts(variant, clipSegmentIndex).get(partIndex);
    byte[] segment = clip.variant(variant).segments().get(clipSegmentIndex).bytes();
    return Arrays.copyOfRange(segment, part.offset(), part.offset() + part.length());
  }
}
