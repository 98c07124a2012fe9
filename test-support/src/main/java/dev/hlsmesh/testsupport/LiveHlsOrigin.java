package dev.hlsmesh.testsupport;

import dev.hlsmesh.testsupport.OriginAnswer.Resource;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A real HTTP/1.1 server on 127.0.0.1 that plays an {@link HlsClip} as an endless live HLS
 * stream, with fault injection and byte counting: the CDN of every hlsmesh test, end-to-end
 * test, benchmark and of the demo.
 *
 * <h2>What it serves</h2>
 * <ul>
 *   <li>{@code /live/master.m3u8}: the clip's master playlist (variant URIs
 *       {@code NAME/index.m3u8}, e.g. {@code 360p/index.m3u8});
 *   <li>{@code /live/NAME/index.m3u8}: a live media playlist, a sliding window of
 *       {@link Builder#windowSegments(int) windowSegments} segments with
 *       EXT-X-PROGRAM-DATE-TIME on each, and EXT-X-DISCONTINUITY where the clip loops (the
 *       segment bytes are the clip's, unchanged: at a loop point media timestamps start over
 *       and MPEG-TS continuity counters jump, so ffmpeg logs "Packet corrupt" at warning
 *       level there; it decodes on without an error);
 *   <li>{@code /live/NAME/SEQ.ts}: the segment with media sequence number {@code SEQ} (the
 *       same number in every variant is the same instant of the clip). Segments stay
 *       available after they leave the window, as on a CDN; a segment not published yet
 *       answers 404;
 *   <li>{@code /clip/PATH}: the clip's own files verbatim (VOD playlists with ENDLIST);
 *   <li>with {@link Builder#sidecars(String, SidecarRenderer)}: {@code /live/NAME/index.m3u8}
 *       plus a suffix, a segment-integrity sidecar the test renders for the playlist served
 *       at that moment (404 when the renderer returns null).
 * </ul>
 * GET and HEAD; single-range {@code Range: bytes=...} requests answer 206 with Content-Range
 * (416 when unsatisfiable); every answer has a Content-Length; query strings are ignored
 * (CDN tokens). Connections are kept alive as HTTP/1.1 asks. Answers allow any web origin
 * (CORS {@code Access-Control-Allow-Origin: *}, Content-Length and Content-Range exposed) and
 * an OPTIONS preflight is answered (not counted as a request), so browser players on a test
 * page served from another port can read the stream.
 *
 * <h2>Time</h2>
 * The window is full at start ({@code windowSegments} segments, media sequence numbers from
 * {@link Builder#firstMediaSequence(long)}) and gains one segment per segment duration (2 s
 * for the bundled clip) of the injected {@link Clock}. Tests pass a {@link ManualClock} and
 * step it: <pre>{@code
 * ManualClock clock = new ManualClock();
 * try (LiveHlsOrigin origin = LiveHlsOrigin.builder().clock(clock).start()) {
 *   URI master = origin.masterPlaylistUri();
 *   clock.advance(origin.segmentDuration());   // one more segment is live
 * }
 * }</pre>
 * The demo and benchmarks use the default, {@link Clock#systemUTC()}.
 *
 * <h2>Faults</h2>
 * {@link #inject(String, Fault)} makes requests whose path matches a glob misbehave
 * ({@link Fault}: status codes, slow first byte, slow body, stall, connection reset,
 * truncated body, wrong Content-Length); the first active rule that matches applies.
 *
 * <h2>Counting</h2>
 * Body bytes are counted per path as the socket accepts them ({@link #bytesServed()},
 * {@link #bytesServed(String)}, {@link #bytesServedMatching(String)}), so benchmarks count CDN
 * bytes at the origin, not at the clients. A counter moves just after the socket took the
 * bytes, so a client can hold a body a moment before the counter shows it: tests await the
 * counter (Awaitility) rather than read it once. Requests are counted per path as they arrive,
 * before any answer.
 *
 * <p>Thread-safe: any thread may call any method. Requests are served on one Netty event loop.
 */
public final class LiveHlsOrigin implements AutoCloseable {

  static final String LIVE_PREFIX = "/live/";
  static final String CLIP_PREFIX = "/clip/";

  private final HlsClip clip;
  private final LiveWindow window;
  private final EventLoopGroup group;
  private final ChannelGroup channels;
  private final Channel serverChannel;
  private final int port;
  private final OriginTraffic traffic = new OriginTraffic();
  private final String sidecarSuffix;
  private final SidecarRenderer sidecarRenderer;

  /**
   * Renders the segment-integrity sidecar of a media playlist (test-support does not know the
   * format; the test signs it with the publisher's code).
   */
  @FunctionalInterface
  public interface SidecarRenderer {
    /**
     * @param playlistPath the playlist's URL path, {@code /live/NAME/index.m3u8}
     * @param mediaPlaylist the playlist text served now
     * @param segmentBytes the bytes of a segment by media sequence number
     * @return the sidecar's bytes, or null to answer 404
     */
    byte[] render(String playlistPath, String mediaPlaylist, java.util.function.LongFunction<byte[]> segmentBytes);
  }

  private LiveHlsOrigin(Builder b) {
    // A mirror shares its primary's window (immutable, time read from the clock at each call):
    // the same live stream, segment for segment, on another server.
    this.clip = b.mirrorOf != null ? b.mirrorOf.clip : b.clip;
    this.sidecarSuffix = b.sidecarSuffix;
    this.sidecarRenderer = b.sidecarRenderer;
    this.window = b.mirrorOf != null ? b.mirrorOf.window : new LiveWindow(b.clip, b.clock, b.windowSegments,
        b.firstMediaSequence, b.endAfterSegments, b.segmentQuery);
    this.group = new MultiThreadIoEventLoopGroup(b.ioThreads, new DefaultThreadFactory("hls-origin", true),
        NioIoHandler.newFactory());
    this.channels = new DefaultChannelGroup("hls-origin", GlobalEventExecutor.INSTANCE);
    try {
      ServerBootstrap bootstrap = new ServerBootstrap()
          .group(group)
          .channel(NioServerSocketChannel.class)
          .childOption(ChannelOption.TCP_NODELAY, true)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              channels.add(ch);
              ch.pipeline()
                  .addLast(new HttpServerCodec())
                  .addLast(new HttpObjectAggregator(64 * 1024))
                  .addLast(new OriginHandler(traffic, (path, query) -> OriginAnswer.of(resolve(path))));
            }
          });
      this.serverChannel = bootstrap.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), b.port))
          .syncUninterruptibly().channel();
      channels.add(serverChannel);
      this.port = ((InetSocketAddress) serverChannel.localAddress()).getPort();
    } catch (RuntimeException e) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw e;
    }
  }

  /** A builder with defaults: the bundled clip, the system clock, a 6-segment window, port 0. */
  public static Builder builder() {
    return new Builder();
  }

  /** Starts an origin with every default (bundled clip, system clock). */
  public static LiveHlsOrigin start() {
    return builder().start();
  }

  // ---- addresses ------------------------------------------------------------------------------

  /** The port it listens on (on 127.0.0.1). */
  public int port() {
    return port;
  }

  /** {@code http://127.0.0.1:PORT/}. */
  public URI baseUri() {
    return URI.create("http://127.0.0.1:" + port + "/");
  }

  /** The live master playlist, {@code http://127.0.0.1:PORT/live/master.m3u8}. */
  public URI masterPlaylistUri() {
    return baseUri().resolve("live/master.m3u8");
  }

  /** A variant's live media playlist, {@code .../live/NAME/index.m3u8}. */
  public URI mediaPlaylistUri(String variant) {
    return baseUri().resolve("live/" + clip.variant(variant).name() + "/index.m3u8");
  }

  /** A live segment's URL, {@code .../live/NAME/SEQ.ts}, whether published yet or not. */
  public URI segmentUri(String variant, long mediaSequence) {
    return baseUri().resolve(segmentPath(variant, mediaSequence).substring(1));
  }

  /** The path part of {@link #segmentUri}, as used by the byte and request counters. */
  public String segmentPath(String variant, long mediaSequence) {
    return LIVE_PREFIX + clip.variant(variant).name() + "/" + mediaSequence + ".ts";
  }

  /** A file of the clip served verbatim, e.g. {@code clipFileUri("360p/index.m3u8")}. */
  public URI clipFileUri(String relativePath) {
    return baseUri().resolve("clip/" + relativePath);
  }

  // ---- the live stream ------------------------------------------------------------------------

  /** The clip it replays. */
  public HlsClip clip() {
    return clip;
  }

  /** The clock time between two segments being published (the clip's segment duration). */
  public Duration segmentDuration() {
    return window.segmentDuration();
  }

  /** The media sequence number of the very first segment. */
  public long firstMediaSequence() {
    return window.firstMediaSequence();
  }

  /** The media sequence number of the newest published segment (the live edge) now. */
  public long liveEdgeMediaSequence() {
    return window.firstMediaSequence() + window.publishedCount() - 1;
  }

  /** Whether the stream has ended (see {@link Builder#endAfterSegments(long)}). */
  public boolean ended() {
    return window.ended();
  }

  /** The media playlist a GET of {@link #mediaPlaylistUri(String)} would return now. */
  public String mediaPlaylist(String variant) {
    return window.mediaPlaylist(clip.variant(variant));
  }

  /**
   * The bytes of a live segment, published or not: what the origin serves (or will serve)
   * at {@link #segmentUri(String, long)}. Shared array: do not modify.
   */
  public byte[] segmentBytes(String variant, long mediaSequence) {
    return window.segment(clip.variant(variant), mediaSequence).bytes();
  }

  // ---- faults ---------------------------------------------------------------------------------

  /**
   * Applies {@code fault} to every later request whose path matches {@code pathGlob} (see
   * {@link FaultRule} for the glob syntax), until {@link FaultRule#remove()}.
   */
  public FaultRule inject(String pathGlob, Fault fault) {
    return traffic.inject(pathGlob, fault);
  }

  /** Applies {@code fault} to the next {@code times} requests whose path matches {@code pathGlob}. */
  public FaultRule inject(String pathGlob, Fault fault, int times) {
    return traffic.inject(pathGlob, fault, times);
  }

  /** Removes every injected fault. */
  public void clearFaults() {
    traffic.clearFaults();
  }

  // ---- counters -------------------------------------------------------------------------------

  /** Body bytes served on every path since start. */
  public long bytesServed() {
    return traffic.bytesServed();
  }

  /** Body bytes served for one path ({@code /live/360p/12.ts}; no query string). */
  public long bytesServed(String path) {
    return traffic.bytesServed(path);
  }

  /** Body bytes served for paths matching a glob ({@code /live/**.ts}: every live segment). */
  public long bytesServedMatching(String pathGlob) {
    return traffic.bytesServedMatching(pathGlob);
  }

  /** A snapshot of body bytes served per path, sorted by path. */
  public Map<String, Long> bytesServedByPath() {
    return traffic.bytesServedByPath();
  }

  /** Requests received on every path since start (including those a fault hit). */
  public long requestCount() {
    return traffic.requestCount();
  }

  /** Requests received for one path (no query string). */
  public long requestCount(String path) {
    return traffic.requestCount(path);
  }

  // ---- resources ------------------------------------------------------------------------------

  /** What a path resolves to now, or null when there is nothing there (404). */
  Resource resolve(String path) {
    if (path.startsWith(CLIP_PREFIX)) {
      byte[] bytes = clip.files().get(path.substring(CLIP_PREFIX.length()));
      return bytes == null ? null : new Resource(bytes, contentType(path));
    }
    if (!path.startsWith(LIVE_PREFIX)) {
      return null;
    }
    String rest = path.substring(LIVE_PREFIX.length());
    if (rest.equals("master.m3u8")) {
      return new Resource(clip.masterPlaylist().getBytes(StandardCharsets.UTF_8), Resource.PLAYLIST);
    }
    int slash = rest.indexOf('/');
    if (slash < 0) {
      return null;
    }
    HlsClip.Variant variant = clip.variants().get(rest.substring(0, slash));
    String file = rest.substring(slash + 1);
    if (variant == null) {
      return null;
    }
    if (file.equals("index.m3u8")) {
      return new Resource(window.mediaPlaylist(variant).getBytes(StandardCharsets.UTF_8), Resource.PLAYLIST);
    }
    if (sidecarRenderer != null && file.equals("index.m3u8" + sidecarSuffix)) {
      byte[] sidecar = sidecarRenderer.render(path.substring(0, path.length() - sidecarSuffix.length()),
          window.mediaPlaylist(variant), msn -> window.segment(variant, msn).bytes());
      return sidecar == null ? null : new Resource(sidecar, "text/plain");
    }
    if (!file.endsWith(".ts")) {
      return null;
    }
    long mediaSequence = parseSequence(file.substring(0, file.length() - ".ts".length()));
    if (mediaSequence < 0 || !window.isPublished(mediaSequence)) {
      return null;
    }
    return new Resource(window.segment(variant, mediaSequence).bytes(), Resource.SEGMENT);
  }

  private static long parseSequence(String digits) {
    if (digits.isEmpty() || digits.length() > 18) {
      return -1;
    }
    for (int i = 0; i < digits.length(); i++) {
      if (digits.charAt(i) < '0' || digits.charAt(i) > '9') {
        return -1;
      }
    }
    return Long.parseLong(digits);
  }

  private static String contentType(String path) {
    if (path.endsWith(".m3u8")) {
      return Resource.PLAYLIST;
    }
    return path.endsWith(".ts") ? Resource.SEGMENT : "application/octet-stream";
  }

  /** Closes every connection and stops the server; waits at most a few seconds. */
  @Override
  public void close() {
    channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
  }

  @Override
  public String toString() {
    return "LiveHlsOrigin[" + baseUri() + ", live edge " + liveEdgeMediaSequence() + "]";
  }

  /** Settings of a {@link LiveHlsOrigin}; {@link #start()} binds the server. */
  public static final class Builder {
    private HlsClip clip;
    private Clock clock = Clock.systemUTC();
    private int windowSegments = 6;
    private long firstMediaSequence;
    private long endAfterSegments = Long.MAX_VALUE;
    private String segmentQuery = "";
    private int port;
    private int ioThreads = 1;
    private String sidecarSuffix;
    private SidecarRenderer sidecarRenderer;
    private LiveHlsOrigin mirrorOf;

    private Builder() {}

    /**
     * Serves a segment-integrity sidecar at each media playlist's path plus {@code suffix}
     * ({@code .integrity}), rendered on each request for the playlist served then. Default: none.
     */
    public Builder sidecars(String suffix, SidecarRenderer renderer) {
      Objects.requireNonNull(suffix, "suffix");
      if (suffix.isEmpty() || suffix.contains("/")) {
        throw new IllegalArgumentException("suffix: '" + suffix + "' (expected: non-empty, no /)");
      }
      this.sidecarSuffix = suffix;
      this.sidecarRenderer = Objects.requireNonNull(renderer, "renderer");
      return this;
    }

    /**
     * Serves exactly {@code primary}'s live stream (its clip, clock, window and start: the same
     * playlists and segments at the same moments) from another server, like a second CDN; the
     * clip, clock and window settings of this builder are then ignored. Faults and counters stay
     * separate. For failover tests: inject faults into one and watch the other take over.
     */
    public Builder mirrorOf(LiveHlsOrigin primary) {
      this.mirrorOf = Objects.requireNonNull(primary, "primary");
      return this;
    }

    /** The clip to replay; default {@link HlsClip#bundled()}. */
    public Builder clip(HlsClip clip) {
      this.clip = Objects.requireNonNull(clip, "clip");
      return this;
    }

    /** The clock the window advances on; default {@link Clock#systemUTC()}. Tests pass a {@link ManualClock}. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Segments listed in each media playlist; default 6 (12 s of the bundled clip). */
    public Builder windowSegments(int windowSegments) {
      if (windowSegments < 1 || windowSegments > 1000) {
        throw new IllegalArgumentException("windowSegments: " + windowSegments + " (expected: 1..1000)");
      }
      this.windowSegments = windowSegments;
      return this;
    }

    /** Media sequence number of the first segment; default 0. */
    public Builder firstMediaSequence(long firstMediaSequence) {
      if (firstMediaSequence < 0 || firstMediaSequence > (1L << 52)) {
        throw new IllegalArgumentException("firstMediaSequence: " + firstMediaSequence + " (expected: 0..2^52)");
      }
      this.firstMediaSequence = firstMediaSequence;
      return this;
    }

    /**
     * Ends the stream once this many segments are published: playlists then carry
     * EXT-X-ENDLIST and stop changing. Default: never ends.
     */
    public Builder endAfterSegments(long endAfterSegments) {
      if (endAfterSegments < 1) {
        throw new IllegalArgumentException("endAfterSegments: " + endAfterSegments + " (expected: >= 1)");
      }
      this.endAfterSegments = endAfterSegments;
      return this;
    }

    /**
     * A query string appended to every segment URI in media playlists (like a CDN token,
     * {@code token=abc}); the origin ignores it on requests. Default: none.
     */
    public Builder segmentQuery(String segmentQuery) {
      Objects.requireNonNull(segmentQuery, "segmentQuery");
      if (segmentQuery.startsWith("?") || segmentQuery.contains("\n") || segmentQuery.contains(" ")) {
        throw new IllegalArgumentException("segmentQuery: '" + segmentQuery
            + "' (expected: a query without the leading '?', no spaces or line breaks)");
      }
      this.segmentQuery = segmentQuery;
      return this;
    }

    /** Port on 127.0.0.1; default 0 (any free port, see {@link LiveHlsOrigin#port()}). */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
      }
      this.port = port;
      return this;
    }

    /** Netty event loop threads; default 1 (plenty for tests; a benchmark with many clients may want 2). */
    public Builder ioThreads(int ioThreads) {
      if (ioThreads < 1 || ioThreads > 64) {
        throw new IllegalArgumentException("ioThreads: " + ioThreads + " (expected: 1..64)");
      }
      this.ioThreads = ioThreads;
      return this;
    }

    /** Binds the server; the live window starts at the clock's current time. */
    public LiveHlsOrigin start() {
      if (clip == null && mirrorOf == null) {
        clip = HlsClip.bundled();
      }
      return new LiveHlsOrigin(this);
    }
  }
}
