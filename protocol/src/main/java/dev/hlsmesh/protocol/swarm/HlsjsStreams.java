package dev.hlsmesh.protocol.swarm;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Derives the stream props a browser running hls.js 1.7 with p2p-media-loader-hlsjs 2.3 passes
 * for each stream of a master playlist (PROTOCOL.md B.2.1), so that our agents join the same
 * swarms. Input is the raw attribute text of the playlist's tags, independent of any M3U8
 * library. Stateless; any thread.
 */
public final class HlsjsStreams {
  private static final Pattern RESOLUTION = Pattern.compile("(\\d+)x(\\d+)");
  private static final Pattern CODEC_SEPARATORS = Pattern.compile("[ ,]+");

  private static final Set<String> VIDEO_CODES = Set.of(
      "avc1", "avc2", "avc3", "avc4", "avcp", "av01", "dav1", "drac", "dva1", "dvav", "dvh1",
      "dvhe", "encv", "hev1", "hvc1", "mjp2", "mp4v", "mvc1", "mvc2", "mvc3", "mvc4", "resv",
      "rv60", "s263", "svc1", "svc2", "vc-1", "vp08", "vp09");
  private static final Set<String> AUDIO_CODES = Set.of(
      "a3ds", "ac-3", "ac-4", "alac", "alaw", "dra1", "dts+", "dts-", "dtsc", "dtse", "dtsh",
      "ec-3", "enca", "fLaC", "flac", "FLAC", "g719", "g726", "m4ae", "mha1", "mha2", "mhm1",
      "mhm2", "mlpa", "mp4a", "raw ", "Opus", "opus", "samr", "sawb", "sawp", "sevc", "sqcp",
      "ssmv", "twos", "ulaw");
  private static final Set<String> TEXT_CODES = Set.of("stpp", "wvtt");

  private HlsjsStreams() {
  }

  /**
   * One {@code #EXT-X-STREAM-INF} entry: attribute values as written, quotes removed,
   * {@code null} when absent.
   *
   * @param uri              the variant playlist URI line (entries without one are ignored)
   * @param bandwidth        {@code BANDWIDTH}
   * @param averageBandwidth {@code AVERAGE-BANDWIDTH}
   * @param codecs           {@code CODECS}
   * @param resolution       {@code RESOLUTION}, e.g. {@code 1280x720}
   * @param frameRate        {@code FRAME-RATE}, e.g. {@code 29.970}
   * @param videoRange       {@code VIDEO-RANGE}
   * @param audioGroupId     {@code AUDIO}
   */
  public record Variant(String uri, String bandwidth, String averageBandwidth, String codecs,
      String resolution, String frameRate, String videoRange, String audioGroupId) {
  }

  /**
   * One {@code #EXT-X-MEDIA:TYPE=AUDIO} entry: attribute values as written, quotes removed,
   * {@code null} when absent.
   *
   * @param uri      {@code URI} (renditions without one are muxed and get no swarm)
   * @param groupId  {@code GROUP-ID}
   * @param name     {@code NAME}
   * @param language {@code LANGUAGE}
   * @param channels {@code CHANNELS}
   */
  public record AudioRendition(String uri, String groupId, String name, String language,
      String channels) {
  }

  /**
   * A stream a browser would join a swarm for.
   *
   * @param uri   the variant or rendition URI as given in the input
   * @param props the props to compute its index from
   */
  public record Stream(String uri, StreamProps props) {
  }

  /**
   * The streams of a master playlist with their props, main variants first (playlist order,
   * first occurrence of a URI wins), then audio renditions that have a URI.
   *
   * <p>Follows hls.js: {@code bitrate = parseInt(BANDWIDTH) || parseInt(AVERAGE-BANDWIDTH)}
   * (NaN when neither is usable); a variant whose bitrate is exactly 0 gets no other props;
   * codecs are the CODECS entries whose first four characters are a video sample-entry code;
   * variants with unrecognised codecs are dropped when other variants have only known ones.
   * An audio rendition takes the audio codecs of the first variant in its group (or of the
   * first variant if none is), bitrate 0, and {@code NAME} falling back to {@code LANGUAGE}.
   *
   * @param variants        the {@code #EXT-X-STREAM-INF} entries in playlist order
   * @param audioRenditions the {@code #EXT-X-MEDIA:TYPE=AUDIO} entries in playlist order
   * @return the streams, in the order described
   */
  public static List<Stream> derive(List<Variant> variants, List<AudioRendition> audioRenditions) {
    Objects.requireNonNull(variants, "variants");
    Objects.requireNonNull(audioRenditions, "audioRenditions");
    List<Level> levels = levels(variants);

    List<Stream> streams = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (Level level : levels) {
      if (seen.add(level.variant.uri())) {
        streams.add(new Stream(level.variant.uri(), mainProps(level)));
      }
    }
    Set<String> seenAudio = new HashSet<>();
    for (AudioRendition rendition : audioRenditions) {
      if (rendition.uri() == null || rendition.uri().isEmpty() || !seenAudio.add(rendition.uri())) {
        continue;
      }
      streams.add(new Stream(rendition.uri(), secondaryProps(rendition, levels)));
    }
    return streams;
  }

  private static StreamProps mainProps(Level level) {
    if (level.bitrate == 0) {
      return StreamProps.mainWithBitrateOnly(level.bitrate);
    }
    Variant v = level.variant;
    return new StreamProps(StreamType.MAIN, level.bitrate, level.videoCodec, level.width,
        level.height, null, null, null, v.frameRate(), v.videoRange());
  }

  private static StreamProps secondaryProps(AudioRendition rendition, List<Level> levels) {
    String groupId = rendition.groupId() == null ? "" : rendition.groupId();
    String codec = null;
    if (!levels.isEmpty()) {
      Level group = levels.stream()
          .filter(l -> groupId.equals(l.variant.audioGroupId()))
          .findFirst()
          .orElse(levels.get(0));
      codec = group.audioCodec;
    }
    String name = !isEmpty(rendition.name()) ? rendition.name()
        : !isEmpty(rendition.language()) ? rendition.language() : null;
    return new StreamProps(StreamType.SECONDARY, 0.0, codec, null, null, rendition.language(),
        rendition.channels(), name, null, null);
  }

  /** hls.js {@code parseMasterPlaylist}: parsed levels, unknown-codec levels stripped. */
  private static List<Level> levels(List<Variant> variants) {
    List<Level> all = new ArrayList<>();
    List<Level> withKnownCodecs = new ArrayList<>();
    for (Variant variant : variants) {
      if (variant.uri() == null) {
        continue;
      }
      Level level = new Level(variant);
      all.add(level);
      if (!level.hasUnknownCodecs) {
        withKnownCodecs.add(level);
      }
    }
    boolean strip = !withKnownCodecs.isEmpty() && withKnownCodecs.size() < all.size();
    return strip ? withKnownCodecs : all;
  }

  private static boolean isEmpty(String value) {
    return value == null || value.isEmpty();
  }

  /** The fields of an hls.js {@code LevelParsed} that the props use. */
  private static final class Level {
    final Variant variant;
    final double bitrate;
    final Double width;
    final Double height;
    final String videoCodec;
    final String audioCodec;
    final boolean hasUnknownCodecs;

    Level(Variant variant) {
      this.variant = variant;
      double bandwidth = decimalInteger(variant.bandwidth());
      this.bitrate = isFalsy(bandwidth) ? decimalInteger(variant.averageBandwidth()) : bandwidth;
      Matcher resolution = variant.resolution() == null ? null : RESOLUTION.matcher(variant.resolution());
      if (resolution != null && resolution.matches()) {
        width = JsNumbers.parseInt(resolution.group(1));
        height = JsNumbers.parseInt(resolution.group(2));
      } else {
        width = null;
        height = null;
      }
      List<String> codecs = new ArrayList<>();
      for (String codec : CODEC_SEPARATORS.split(variant.codecs() == null ? "" : variant.codecs())) {
        if (!codec.isEmpty()) {
          codecs.add(codec);
        }
      }
      videoCodec = takeCodecs(codecs, VIDEO_CODES);
      audioCodec = takeCodecs(codecs, AUDIO_CODES);
      takeCodecs(codecs, TEXT_CODES);
      hasUnknownCodecs = !codecs.isEmpty();
    }

    /** Removes the codecs of one type from {@code codecs}; returns them joined, or null. */
    private static String takeCodecs(List<String> codecs, Set<String> sampleEntryCodes) {
      List<String> taken = new ArrayList<>();
      List<String> rest = new ArrayList<>();
      for (String codec : codecs) {
        String code = codec.length() > 4 ? codec.substring(0, 4) : codec;
        if (sampleEntryCodes.contains(code)) {
          int slash = codec.indexOf('/');
          taken.add(slash < 0 ? codec : codec.substring(0, slash));
        } else {
          rest.add(codec);
        }
      }
      codecs.retainAll(rest);
      return taken.isEmpty() ? null : String.join(",", taken);
    }

    /** hls.js {@code AttrList.decimalInteger}: parseInt, Infinity above 2^53 - 1. */
    private static double decimalInteger(String value) {
      double parsed = JsNumbers.parseInt(value);
      return parsed > 9007199254740991.0 ? Double.POSITIVE_INFINITY : parsed;
    }

    private static boolean isFalsy(double value) {
      return value == 0 || Double.isNaN(value);
    }
  }
}
