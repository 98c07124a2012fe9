package dev.hlsmesh.agent.proxy;

import static java.util.Objects.requireNonNull;

import dev.hlsmesh.agent.delivery.HlsStream;
import dev.hlsmesh.agent.delivery.SegmentLoader;
import dev.hlsmesh.agent.delivery.SegmentRequest;
import dev.hlsmesh.agent.stats.AgentStats;
import dev.hlsmesh.agent.stats.SegmentSourceKind;
import dev.hlsmesh.cdn.ByteRange;
import dev.hlsmesh.cdn.fetch.ByteCollector;
import dev.hlsmesh.cdn.fetch.CdnFetcher;
import dev.hlsmesh.cdn.fetch.Fetch;
import dev.hlsmesh.cdn.fetch.FetchRequest;
import dev.hlsmesh.cdn.fetch.FetchResult;
import dev.hlsmesh.cdn.hls.MasterPlaylist;
import dev.hlsmesh.cdn.hls.MediaPlaylist;
import dev.hlsmesh.cdn.hls.PlaylistLoader;
import dev.hlsmesh.cdn.hls.PlaylistParseException;
import dev.hlsmesh.cdn.hls.PlaylistParser;
import dev.hlsmesh.cdn.hls.Rendition;
import dev.hlsmesh.cdn.hls.Segment;
import dev.hlsmesh.cdn.hls.Variant;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the proxy answers, without the HTTP plumbing: the upstream playlist and the streams it
 * lists, the segments of the playlists players loaded, and the pass-through resources (init
 * sections, keys).
 *
 * <p>Thread-safe: requests from every connection come here; each piece of state has its own
 * monitor, never held while loading.
 */
final class ProxyCore {
  static final String PLAYLIST_PATH = "/playlist.m3u8";
  static final String STATS_PATH = "/stats.json";
  private static final Pattern STREAM_PLAYLIST = Pattern.compile("/stream/(\\d{1,6})/index\\.m3u8");
  private static final Pattern STREAM_SEGMENT = Pattern.compile("/stream/(\\d{1,6})/(-?\\d{1,19})(\\.[A-Za-z0-9]{1,5})?");
  private static final Pattern RESOURCE = Pattern.compile("/res/(\\d{1,19})(/[^/]*)?");
  private static final String M3U8 = "application/vnd.apple.mpegurl";

  /**
   * An answer to one request. {@code body} is shared: not modified.
   *
   * @param contentRange for a 206 that already holds only the requested range (the proxy asked
   *     upstream for that range), its {@code Content-Range}; null otherwise
   */
  record Response(int status, String contentType, byte[] body, String contentRange) {
    Response(int status, String contentType, byte[] body) {
      this(status, contentType, body, null);
    }

    static Response text(int status, String message) {
      return new Response(status, "text/plain; charset=utf-8", (message + "\n").getBytes(StandardCharsets.UTF_8));
    }

    static Response playlist(String text) {
      return new Response(200, M3U8, text.getBytes(StandardCharsets.UTF_8));
    }
  }

  /** {@code bytes=FIRST-LAST}: the only range form relayed upstream as it is. */
  private static final Pattern CLOSED_RANGE = Pattern.compile("bytes=(\\d{1,18})-(\\d{1,18})");

  /** A request could not be answered with 200; becomes the response as it is. */
  static final class HttpFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int status;

    HttpFailure(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }

  private record Listed(Segment segment, MediaPlaylist playlist) {
  }

  private final URI upstream;
  private final CdnFetcher fetcher;
  private final PlaylistLoader playlists;
  private final SegmentLoader loader;
  private final AgentStats stats;
  private final Clock clock;
  private final ProxySettings settings;
  private final StreamSwarms swarms;
  private final boolean ownsLoader;
  private final PlaybackWatch playback;

  // Guarded by streamsLock.
  private final Object streamsLock = new Object();
  private final List<HlsStream> streams = new ArrayList<>();
  private final Map<URI, Integer> streamIndex = new HashMap<>();
  private final Map<Integer, NavigableMap<Long, Listed>> segments = new HashMap<>();

  // Guarded by resourcesLock.
  private final Object resourcesLock = new Object();
  private final LinkedHashMap<Long, URI> resourcesById;
  private final Map<URI, Long> resourceIds = new HashMap<>();
  private long nextResourceId;

  ProxyCore(URI upstream, CdnFetcher fetcher, SegmentLoader loader, AgentStats stats, Clock clock,
      ProxySettings settings) {
    this(upstream, fetcher, loader, false, stats, clock, settings, new StreamSwarms());
  }

  /**
   * @param ownsLoader whether {@link #close()} closes {@code loader}
   * @param swarms where the swarm of each stream offered is recorded (for a {@link SwarmSwitch})
   */
  ProxyCore(URI upstream, CdnFetcher fetcher, SegmentLoader loader, boolean ownsLoader, AgentStats stats, Clock clock,
      ProxySettings settings, StreamSwarms swarms) {
    this.swarms = requireNonNull(swarms, "swarms");
    this.ownsLoader = ownsLoader;
    this.upstream = requireNonNull(upstream, "upstream");
    this.fetcher = requireNonNull(fetcher, "fetcher");
    this.playlists = PlaylistLoader.using(fetcher);
    this.loader = requireNonNull(loader, "loader");
    this.stats = requireNonNull(stats, "stats");
    this.clock = requireNonNull(clock, "clock");
    this.settings = requireNonNull(settings, "settings");
    this.playback = new PlaybackWatch(stats, clock);
    int max = settings.rememberedResources();
    this.resourcesById = new LinkedHashMap<>(16, 0.75f, false) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<Long, URI> eldest) {
        if (size() > max) {
          resourceIds.remove(eldest.getValue());
          return true;
        }
        return false;
      }
    };
  }

  /**
   * The answer to a GET of {@code path} (query removed, percent-decoded) with the request's
   * {@code Range} header, if any. Never fails: errors become responses.
   */
  CompletableFuture<Response> get(String path, String range) {
    if (!path.equals(STATS_PATH)) {
      playback.requested();
    }
    CompletableFuture<Response> routed;
    try {
      routed = route(path, range);
    } catch (RuntimeException e) { // HttpFailure, or a loader that throws
      routed = CompletableFuture.failedFuture(e);
    }
    CompletableFuture<Response> answer = routed;
    CompletableFuture<Response> result = answer.handle((response, error) -> {
      if (error == null) {
        return response;
      }
      Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
      if (cause instanceof HttpFailure failure) {
        return Response.text(failure.status, failure.getMessage());
      }
      return Response.text(502, cause.getMessage() == null ? cause.toString() : cause.getMessage());
    });
    // Cancelling the answer (the player went away) cancels the work behind it.
    result.whenComplete((response, error) -> {
      if (result.isCancelled()) {
        answer.cancel(false);
      }
    });
    return result;
  }

  private CompletableFuture<Response> route(String path, String range) {
    if (path.equals(PLAYLIST_PATH)) {
      return topPlaylist();
    }
    if (path.equals(STATS_PATH)) {
      return CompletableFuture.completedFuture(
          new Response(200, "application/json", stats.toJson().getBytes(StandardCharsets.UTF_8)));
    }
    Matcher m = STREAM_PLAYLIST.matcher(path);
    if (m.matches()) {
      int index = Integer.parseInt(m.group(1));
      return stream(index).thenCompose(stream -> mediaPlaylist(index, stream));
    }
    m = STREAM_SEGMENT.matcher(path);
    if (m.matches()) {
      return segment(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2)));
    }
    m = RESOURCE.matcher(path);
    if (m.matches()) {
      return resource(Long.parseLong(m.group(1)), range);
    }
    throw new HttpFailure(404, "no such resource: " + path + " (the stream is at " + PLAYLIST_PATH
        + ", stats at " + STATS_PATH + ")");
  }

  /** The upstream playlist, rewritten: a master's streams, or a lone media playlist as stream 0. */
  private CompletableFuture<Response> topPlaylist() {
    return playlists.load(upstream).thenCompose(loaded -> {
      if (isMaster(loaded.text())) {
        MasterPlaylist master = parse(() -> PlaylistParser.parseMaster(loaded.uri(), loaded.text()));
        registerStreams(master);
        swarms.register(master);
        String text = PlaylistRewriter.rewriteMaster(loaded.uri(), loaded.text(), this::streamPath, this::resourcePath);
        return CompletableFuture.completedFuture(Response.playlist(text));
      }
      int index = register(HlsStream.ofMediaPlaylist(loaded.uri()));
      swarms.registerLoneMediaPlaylist(loaded.uri());
      return CompletableFuture.completedFuture(mediaResponse(index, loaded));
    });
  }

  /** Stream {@code index}, loading the upstream playlist first if no stream is known yet. */
  private CompletableFuture<HlsStream> stream(int index) {
    HlsStream known = knownStream(index);
    if (known != null) {
      return CompletableFuture.completedFuture(known);
    }
    return topPlaylist().thenApply(ignored -> {
      HlsStream stream = knownStream(index);
      if (stream == null) {
        throw new HttpFailure(404, "no stream " + index + " in " + upstream);
      }
      return stream;
    });
  }

  private HlsStream knownStream(int index) {
    synchronized (streamsLock) {
      return index < streams.size() ? streams.get(index) : null;
    }
  }

  private CompletableFuture<Response> mediaPlaylist(int index, HlsStream stream) {
    return playlists.load(stream.mediaPlaylistUri()).thenApply(loaded -> mediaResponse(index, loaded));
  }

  private Response mediaResponse(int index, PlaylistLoader.Loaded loaded) {
    MediaPlaylist playlist = parse(() -> PlaylistParser.parseMedia(loaded.uri(), loaded.text()));
    HlsStream stream;
    synchronized (streamsLock) {
      stream = streams.get(index);
      NavigableMap<Long, Listed> listed = segments.computeIfAbsent(index, i -> new TreeMap<>());
      if (!listed.isEmpty() && !playlist.segments().isEmpty()
          && playlist.segments().get(0).mediaSequenceNumber() < listed.firstKey()) {
        listed.clear(); // the media sequence went back: the stream restarted
      }
      for (Segment segment : playlist.segments()) {
        listed.put(segment.mediaSequenceNumber(), new Listed(segment, playlist));
      }
      // Keep a few windows behind the newest one for players that lag.
      long keepFrom = playlist.mediaSequence() - 3L * Math.max(3, playlist.segments().size());
      listed.headMap(keepFrom, false).clear();
    }
    String text;
    try {
      text = PlaylistRewriter.rewriteMedia(playlist, loaded.text(), s -> segmentPath(index, s), this::resourcePath);
    } catch (IllegalArgumentException e) {
      throw new HttpFailure(502, "cannot rewrite " + loaded.uri() + ": " + e.getMessage());
    }
    loader.playlistLoaded(stream, playlist);
    playback.playlistServed(index, playlist);
    return Response.playlist(text);
  }

  private CompletableFuture<Response> segment(int index, long msn) {
    HlsStream stream;
    Listed listed;
    synchronized (streamsLock) {
      stream = index < streams.size() ? streams.get(index) : null;
      NavigableMap<Long, Listed> map = segments.get(index);
      listed = map == null ? null : map.get(msn);
    }
    if (stream == null || listed == null) {
      throw new HttpFailure(404, "segment " + msn + " of stream " + index
          + " is not in a playlist loaded through this proxy");
    }
    // The proxy does not see the player's buffer: ask for the segment within a target duration.
    SegmentRequest request = new SegmentRequest(stream, listed.playlist(), listed.segment(),
        clock.instant().plus(Duration.ofSeconds(listed.playlist().targetDurationSeconds())));
    CompletableFuture<byte[]> load = loader.load(request);
    CompletableFuture<Response> response = load.thenApply(bytes -> {
      playback.segmentServed(index, listed.segment());
      return new Response(200, contentType(listed.segment().uri()), bytes);
    });
    response.whenComplete((r, e) -> {
      if (response.isCancelled()) {
        load.cancel(false);
      }
    });
    return response;
  }

  /**
   * Relays a resource. A closed range ({@code EXT-X-MAP} with {@code BYTERANGE}, often a slice
   * of a large single-file stream) is asked upstream as it is; other requests fetch the whole
   * resource, which the handler slices.
   */
  private CompletableFuture<Response> resource(long id, String range) {
    URI uri;
    synchronized (resourcesLock) {
      uri = resourcesById.get(id);
    }
    if (uri == null) {
      throw new HttpFailure(404, "resource " + id + " is unknown (or was forgotten: reload the playlist)");
    }
    FetchRequest request = FetchRequest.of(uri, Duration.ofMillis(settings.resourceTimeoutMillis()));
    ByteRange byteRange = null;
    Matcher closed = range == null ? null : CLOSED_RANGE.matcher(range.strip());
    if (closed != null && closed.matches()) {
      long first = Long.parseLong(closed.group(1));
      long last = Long.parseLong(closed.group(2));
      if (last >= first) {
        byteRange = new ByteRange(first, last - first + 1);
        request = request.withByteRange(byteRange);
      }
    }
    ByteRange asked = byteRange;
    ByteCollector body = new ByteCollector(settings.maxResourceBytes());
    Fetch fetch = fetcher.fetch(request, body);
    CompletableFuture<Response> response = fetch.result().thenApply(result -> {
      stats.recordReceived(SegmentSourceKind.CDN, result.bytesDelivered());
      if (!(result instanceof FetchResult.Completed)) {
        throw new HttpFailure(502, "fetching " + uri + (asked == null ? "" : " bytes " + asked) + " failed: " + result);
      }
      byte[] bytes = body.toByteArray();
      if (asked == null) {
        return new Response(200, contentType(uri), bytes);
      }
      // The complete length is not known without a whole fetch: "*" (RFC 9110 14.4).
      return new Response(206, contentType(uri), bytes,
          "bytes " + asked.offset() + "-" + (asked.offset() + bytes.length - 1) + "/*");
    });
    response.whenComplete((r, e) -> {
      if (response.isCancelled()) {
        fetch.cancel();
      }
    });
    return response;
  }

  private void registerStreams(MasterPlaylist master) {
    for (Variant variant : master.variants()) {
      register(HlsStream.ofVariant(master.uri(), variant));
    }
    for (Rendition rendition : master.renditions()) {
      if (rendition.uri().isPresent()) {
        register(HlsStream.ofRendition(master.uri(), rendition));
      }
    }
  }

  /** The stream's index; a media playlist URI seen before keeps its first stream (as hls.js). */
  private int register(HlsStream stream) {
    synchronized (streamsLock) {
      Integer index = streamIndex.get(stream.mediaPlaylistUri());
      if (index != null) {
        return index;
      }
      streams.add(stream);
      streamIndex.put(stream.mediaPlaylistUri(), streams.size() - 1);
      return streams.size() - 1;
    }
  }

  private String streamPath(URI mediaPlaylistUri) {
    Integer index;
    synchronized (streamsLock) {
      index = streamIndex.get(mediaPlaylistUri);
    }
    if (index == null) { // the master text lists a URI the model did not (should not happen)
      index = register(HlsStream.ofMediaPlaylist(mediaPlaylistUri));
    }
    return "/stream/" + index + "/index.m3u8";
  }

  private static String segmentPath(int index, Segment segment) {
    return "/stream/" + index + "/" + segment.mediaSequenceNumber() + extension(segment.uri());
  }

  private String resourcePath(URI uri) {
    long id;
    synchronized (resourcesLock) {
      Long known = resourceIds.get(uri);
      if (known == null) {
        known = nextResourceId++;
        resourceIds.put(uri, known);
      }
      resourcesById.remove(known);
      resourcesById.put(known, uri); // most recently listed last: forgotten last
      id = known;
    }
    String name = fileName(uri);
    return "/res/" + id + (name.isEmpty() ? "" : "/" + name);
  }

  /**
   * Whether the startup and live latency of the players served are recorded in the stats (by
   * default they are; a viewer whose headless player records its own switches it off).
   */
  void recordPlayback(boolean value) {
    playback.enabled(value);
  }

  /** Closes the segment loader if the proxy made it. */
  void close() {
    if (ownsLoader) {
      loader.close();
    }
  }

  /** Streams known so far (for tests and the demo). */
  List<HlsStream> streams() {
    synchronized (streamsLock) {
      return List.copyOf(streams);
    }
  }

  private static boolean isMaster(String text) {
    return text.contains("#EXT-X-STREAM-INF");
  }

  private interface Parse<T> {
    T run() throws PlaylistParseException;
  }

  private static <T> T parse(Parse<T> parse) {
    try {
      return parse.run();
    } catch (PlaylistParseException e) {
      throw new HttpFailure(502, e.getMessage());
    }
  }

  private static String fileName(URI uri) {
    String path = uri.getPath() == null ? "" : uri.getPath();
    String name = path.substring(path.lastIndexOf('/') + 1);
    return name.matches("[A-Za-z0-9._-]{1,100}") ? name : "";
  }

  private static String extension(URI uri) {
    String name = fileName(uri);
    int dot = name.lastIndexOf('.');
    String ext = dot < 0 ? "" : name.substring(dot);
    return ext.matches("\\.[A-Za-z0-9]{1,5}") ? ext : "";
  }

  static String contentType(URI uri) {
    return switch (extension(uri).toLowerCase(Locale.ROOT)) {
      case ".ts" -> "video/mp2t";
      case ".m4s", ".mp4", ".m4v", ".cmfv" -> "video/mp4";
      case ".m4a", ".cmfa" -> "audio/mp4";
      case ".aac" -> "audio/aac";
      case ".vtt", ".webvtt" -> "text/vtt";
      case ".m3u8" -> M3U8;
      default -> "application/octet-stream";
    };
  }
}
