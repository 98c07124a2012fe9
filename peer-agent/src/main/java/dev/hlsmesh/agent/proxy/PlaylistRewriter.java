package dev.hlsmesh.agent.proxy;

import dev.hlsmesh.cdn.hls.MediaPlaylist;
import dev.hlsmesh.cdn.hls.Segment;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites playlist text so that every URI a player follows points back to the proxy. The
 * playlist's meaning comes from the cdn-fallback parser (the {@link MediaPlaylist} model, which
 * lists segments in playlist order); this class only swaps URIs and drops the tags the proxy
 * does not carry, keeping every other line byte for byte.
 *
 * <p>Dropped: {@code EXT-X-BYTERANGE} (each segment gets its own proxy URL serving exactly its
 * range), LL-HLS parts and hints ({@code EXT-X-PART}, {@code EXT-X-PRELOAD-HINT},
 * {@code EXT-X-RENDITION-REPORT}, {@code EXT-X-SERVER-CONTROL}, {@code EXT-X-PART-INF},
 * {@code EXT-X-SKIP}: players fall back to regular HLS), I-frame playlists and content steering.
 *
 * <p>Stateless; any thread.
 */
final class PlaylistRewriter {
  /** {@code URI="..."} as an attribute of its own (not {@code SERVER-URI}, {@code X-ASSET-URI}). */
  private static final Pattern URI_ATTRIBUTE = Pattern.compile("(?<=[:,])URI=\"([^\"]*)\"");
  private static final List<String> DROPPED_MEDIA_TAGS = List.of("#EXT-X-BYTERANGE", "#EXT-X-PART:",
      "#EXT-X-PART-INF", "#EXT-X-PRELOAD-HINT", "#EXT-X-RENDITION-REPORT", "#EXT-X-SERVER-CONTROL", "#EXT-X-SKIP");
  private static final List<String> DROPPED_MASTER_TAGS = List.of("#EXT-X-I-FRAME-STREAM-INF",
      "#EXT-X-CONTENT-STEERING");

  private PlaylistRewriter() {
  }

  /**
   * A master playlist with variant and rendition URIs replaced by {@code streamPath} of their
   * resolved upstream URI, and other URIs (session keys, session data) by {@code resourcePath}.
   */
  static String rewriteMaster(URI masterUri, String text, Function<URI, String> streamPath,
      Function<URI, String> resourcePath) {
    StringBuilder out = new StringBuilder(text.length() + 256);
    for (String line : lines(text)) {
      String trimmed = line.strip();
      if (trimmed.isEmpty()) {
        out.append(line).append('\n');
      } else if (!trimmed.startsWith("#")) {
        out.append(streamPath.apply(masterUri.resolve(trimmed))).append('\n');
      } else if (startsWithAny(trimmed, DROPPED_MASTER_TAGS)) {
        continue;
      } else if (trimmed.startsWith("#EXT-X-MEDIA:")) {
        out.append(replaceUri(trimmed, masterUri, streamPath)).append('\n');
      } else if (trimmed.startsWith("#EXT-X-SESSION-KEY") || trimmed.startsWith("#EXT-X-SESSION-DATA")) {
        out.append(replaceUri(trimmed, masterUri, resourcePath)).append('\n');
      } else {
        out.append(line).append('\n');
      }
    }
    return out.toString();
  }

  /**
   * A media playlist with the i-th segment URI replaced by {@code segmentPath} of the i-th
   * segment of {@code playlist} (parsed from the same text), and init-section and key URIs by
   * {@code resourcePath}.
   *
   * @throws IllegalArgumentException if the text lists a different number of segments than
   *     the model
   */
  static String rewriteMedia(MediaPlaylist playlist, String text, Function<Segment, String> segmentPath,
      Function<URI, String> resourcePath) {
    List<Segment> segments = playlist.segments();
    StringBuilder out = new StringBuilder(text.length() + 256);
    int next = 0;
    for (String line : lines(text)) {
      String trimmed = line.strip();
      if (trimmed.isEmpty()) {
        out.append(line).append('\n');
      } else if (!trimmed.startsWith("#")) {
        if (next >= segments.size()) {
          throw new IllegalArgumentException("the playlist text lists more segments than its " + segments.size());
        }
        out.append(segmentPath.apply(segments.get(next++))).append('\n');
      } else if (startsWithAny(trimmed, DROPPED_MEDIA_TAGS)) {
        continue;
      } else if (trimmed.startsWith("#EXT-X-MAP:") || trimmed.startsWith("#EXT-X-KEY:")) {
        out.append(replaceUri(trimmed, playlist.uri(), resourcePath)).append('\n');
      } else {
        out.append(line).append('\n');
      }
    }
    if (next != segments.size()) {
      throw new IllegalArgumentException("the playlist text lists " + next + " segments, its model " + segments.size());
    }
    return out.toString();
  }

  /** Replaces an http(s) {@code URI} attribute; other schemes (e.g. {@code skd://}) stay as they are. */
  private static String replaceUri(String tag, URI base, Function<URI, String> replacement) {
    Matcher m = URI_ATTRIBUTE.matcher(tag);
    if (!m.find()) {
      return tag;
    }
    URI resolved;
    try {
      resolved = base.resolve(m.group(1).strip());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("bad URI attribute in " + tag + ": " + e.getMessage(), e);
    }
    String scheme = resolved.getScheme() == null ? "" : resolved.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      return tag;
    }
    return tag.substring(0, m.start(1)) + replacement.apply(resolved) + tag.substring(m.end(1));
  }

  private static boolean startsWithAny(String line, List<String> prefixes) {
    for (String prefix : prefixes) {
      if (line.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  private static List<String> lines(String text) {
    return text.lines().toList();
  }
}
