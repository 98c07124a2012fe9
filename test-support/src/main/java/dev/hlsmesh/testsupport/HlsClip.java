package dev.hlsmesh.testsupport;

import io.lindstrom.m3u8.model.MasterPlaylist;
import io.lindstrom.m3u8.model.MediaPlaylist;
import io.lindstrom.m3u8.model.MediaSegment;
import io.lindstrom.m3u8.parser.MasterPlaylistParser;
import io.lindstrom.m3u8.parser.MediaPlaylistParser;
import io.lindstrom.m3u8.parser.PlaylistParserException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A short VOD HLS clip held in memory: a master playlist, its variants' media playlists and
 * every segment's bytes. {@link LiveHlsOrigin} replays it as an endless live stream.
 *
 * <p>{@link #bundled()} is the clip shipped in this module under {@code clip/} on the class
 * path, made by {@code bin/make-clip} with ffmpeg's test sources: 16 s, 2 s MPEG-TS segments
 * (each starting with an IDR frame), H.264 + AAC, variants {@code 360p} (640x360, about
 * 1 Mbit/s) and {@code 240p} (426x240, about 0.45 Mbit/s).
 *
 * <p>Immutable and thread-safe. Segment byte arrays are shared, never copied: do not modify
 * them.
 */
public final class HlsClip {

  /** Class path directory of the bundled clip. */
  public static final String BUNDLED_RESOURCE_DIR = "clip";

  private static volatile HlsClip bundled;

  private final String masterPlaylist;
  private final Map<String, Variant> variants;
  private final Map<String, byte[]> filesByPath;

  private HlsClip(String masterPlaylist, Map<String, Variant> variants, Map<String, byte[]> filesByPath) {
    this.masterPlaylist = masterPlaylist;
    this.variants = Collections.unmodifiableMap(variants);
    this.filesByPath = Collections.unmodifiableMap(filesByPath);
  }

  /**
   * One variant of the clip.
   *
   * @param name the directory the variant lives in, as named by the master playlist
   *     ({@code 360p}); it is also the variant's name in {@link LiveHlsOrigin}'s URLs
   * @param bandwidthBitsPerSecond the master playlist's BANDWIDTH for it
   * @param mediaPlaylist the clip's own (VOD) media playlist text
   * @param segments the segments in playback order
   */
  public record Variant(String name, long bandwidthBitsPerSecond, String mediaPlaylist, List<Segment> segments) {
    public Variant {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(mediaPlaylist, "mediaPlaylist");
      segments = List.copyOf(segments);
    }
  }

  /**
   * One segment of a variant.
   *
   * @param fileName its file name in the clip ({@code seg000.ts})
   * @param durationSeconds its EXTINF duration
   * @param bytes its content (shared: do not modify)
   */
  public record Segment(String fileName, double durationSeconds, byte[] bytes) {
    public Segment {
      Objects.requireNonNull(fileName, "fileName");
      Objects.requireNonNull(bytes, "bytes");
    }

    /** Size in bytes. */
    public int length() {
      return bytes.length;
    }
  }

  /** The clip shipped with this module (loaded once, then shared). */
  public static HlsClip bundled() {
    HlsClip clip = bundled;
    if (clip == null) {
      synchronized (HlsClip.class) {
        clip = bundled;
        if (clip == null) {
          clip = fromClasspath(BUNDLED_RESOURCE_DIR);
          bundled = clip;
        }
      }
    }
    return clip;
  }

  /**
   * Loads a clip from the class path: {@code resourceDir/master.m3u8}, the media playlists it
   * names (relative paths) and their segments.
   *
   * @throws IllegalArgumentException if a file is missing or a playlist does not parse
   */
  public static HlsClip fromClasspath(String resourceDir) {
    Objects.requireNonNull(resourceDir, "resourceDir");
    String root = resourceDir.endsWith("/") ? resourceDir : resourceDir + "/";
    Map<String, byte[]> files = new LinkedHashMap<>();
    String masterText = new String(read(root, "master.m3u8"), StandardCharsets.UTF_8);
    files.put("master.m3u8", masterText.getBytes(StandardCharsets.UTF_8));
    MasterPlaylist master;
    try {
      master = new MasterPlaylistParser().readPlaylist(masterText);
    } catch (PlaylistParserException e) {
      throw new IllegalArgumentException(root + "master.m3u8: not a master playlist: " + e.getMessage(), e);
    }
    Map<String, Variant> variants = new LinkedHashMap<>();
    for (io.lindstrom.m3u8.model.Variant v : master.variants()) {
      String uri = v.uri();
      int slash = uri.lastIndexOf('/');
      if (slash <= 0 || uri.contains("://") || uri.startsWith("/")) {
        throw new IllegalArgumentException(
            root + "master.m3u8: variant URI " + uri + " (expected: a relative path DIR/FILE.m3u8)");
      }
      String name = uri.substring(0, slash);
      String dir = name + "/";
      String mediaText = new String(read(root, uri), StandardCharsets.UTF_8);
      files.put(uri, mediaText.getBytes(StandardCharsets.UTF_8));
      MediaPlaylist media;
      try {
        media = new MediaPlaylistParser().readPlaylist(mediaText);
      } catch (PlaylistParserException e) {
        throw new IllegalArgumentException(root + uri + ": not a media playlist: " + e.getMessage(), e);
      }
      List<Segment> segments = new ArrayList<>();
      for (MediaSegment s : media.mediaSegments()) {
        byte[] bytes = read(root, dir + s.uri());
        files.put(dir + s.uri(), bytes);
        segments.add(new Segment(s.uri(), s.duration(), bytes));
      }
      if (segments.isEmpty()) {
        throw new IllegalArgumentException(root + uri + ": no segments");
      }
      variants.put(name, new Variant(name, v.bandwidth(), mediaText, segments));
    }
    if (variants.isEmpty()) {
      throw new IllegalArgumentException(root + "master.m3u8: no variants");
    }
    return new HlsClip(masterText, variants, files);
  }

  /** The clip's master playlist text; its variant URIs are {@code NAME/index.m3u8}. */
  public String masterPlaylist() {
    return masterPlaylist;
  }

  /** The variants in master playlist order, by name. */
  public Map<String, Variant> variants() {
    return variants;
  }

  /**
   * A variant by name.
   *
   * @throws IllegalArgumentException if there is none
   */
  public Variant variant(String name) {
    Variant v = variants.get(name);
    if (v == null) {
      throw new IllegalArgumentException("variant " + name + " (expected one of " + variants.keySet() + ")");
    }
    return v;
  }

  /** The first variant of the master playlist (the bundled clip's highest, {@code 360p}). */
  public Variant firstVariant() {
    return variants.values().iterator().next();
  }

  /** Number of segments per variant (the same for every variant of a well-made clip). */
  public int segmentCount() {
    return firstVariant().segments().size();
  }

  /**
   * Every file of the clip by its path relative to the clip root ({@code master.m3u8},
   * {@code 360p/index.m3u8}, {@code 360p/seg000.ts}), as the clip ships them.
   */
  public Map<String, byte[]> files() {
    return filesByPath;
  }

  private static byte[] read(String root, String relativePath) {
    String resource = root + relativePath;
    ClassLoader loader = HlsClip.class.getClassLoader();
    try (InputStream in = loader.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalArgumentException("class path resource " + resource + " not found");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("reading class path resource " + resource, e);
    }
  }
}
