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
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A real HTTP/1.1 server on 127.0.0.1 that plays an {@link LlHlsClip} as an endless
 * Low-Latency HLS live stream (RFC 8216bis): parts published at their real time on the injected
 * clock, blocking playlist reload, preload hints, rendition reports; with the same faults and
 * byte counters as {@link LiveHlsOrigin}.
 *
 * <h2>What it serves</h2>
 * <ul>
 *   <li>{@code /live/master.m3u8}: the clip's master playlist (variants {@code NAME/index.m3u8});
 *   <li>{@code /live/NAME/index.m3u8}: the live media playlist: {@code windowSegments} complete
 *       segments, then the published parts of the segment in progress, with
 *       {@code EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=} three part targets,
 *       {@code EXT-X-PART-INF}, {@code EXT-X-PART} (INDEPENDENT=YES where the part starts with a
 *       keyframe: every part of the bundled clip) for the segments of the last three target
 *       durations, {@code EXT-X-PRELOAD-HINT} for the part being produced, and an
 *       {@code EXT-X-RENDITION-REPORT} for every other variant;
 *   <li>blocking reload: {@code index.m3u8?_HLS_msn=M} (and {@code &_HLS_part=P}) is held until
 *       the playlist holds segment {@code M} (part {@code P} of it), then answered with the
 *       playlist of that moment; 400 for {@code _HLS_part} without {@code _HLS_msn}, a bad
 *       number, {@code M} more than two segments past the last complete one, or a part further
 *       ahead than the advance part limit (3 / part target when it is under 1 s, else 3 parts);
 *       503 when not satisfied within three target durations (on the origin's clock);
 *       {@code _HLS_skip} is ignored (no delta updates);
 *   <li>{@code /live/NAME/SEQ.ts}: a complete segment (404 while in progress, unless parts are
 *       byte ranges, see below);
 *   <li>{@code /live/NAME/SEQ.PART.ts}: a part: published ones whole; the part in progress (the
 *       preload hint) is answered at once and its bytes are sent as they are produced, evenly
 *       over its duration; later ones 404. The segment {@code SEQ.ts} is the concatenation of
 *       its parts, byte for byte.
 * </ul>
 * With {@link Builder#byteRangeParts(boolean)}, parts are instead listed as
 * {@code BYTERANGE}s of their segment {@code SEQ.ts} (and the hint as
 * {@code BYTERANGE-START}/{@code BYTERANGE-LENGTH}), and the segment in progress is served,
 * Range included, as it is produced.
 *
 * <p>A resource being produced declares its final length (Content-Length, Content-Range):
 * this origin knows it from the clip, where a real packager would send chunked. GET and HEAD,
 * single ranges, keep-alive, query strings other than the blocking-reload ones ignored: as
 * {@link LiveHlsOrigin}.
 *
 * <h2>Time</h2>
 * At start, {@code windowSegments} segments are complete and the next one begins; then each
 * part is published its duration after the previous one (0.5 s for the bundled clip) of the
 * injected {@link Clock}. Tests pass a {@link ManualClock} and step it with
 * {@link #untilNextPart()}; held requests and growing bodies look at the clock every few
 * milliseconds of real time, so a test awaits their answer after advancing the clock.
 *
 * <h2>Faults and counting</h2>
 * As {@link LiveHlsOrigin}: {@link #inject(String, Fault)} by path glob (parts are
 * {@code /live/NAME/*.*.ts}); a held request takes its fault when it is answered. Bytes and
 * requests counted per path.
 *
 * <p>Thread-safe: any thread may call any method. Requests are served on one Netty event loop.
 */
public final class LlHlsOrigin implements AutoCloseable {

  static final String LIVE_PREFIX = "/live/";

  private final LlHlsClip clip;
  private final LlLiveWindow window;
  private final Clock clock;
  private final OriginTraffic traffic = new OriginTraffic();
  private final EventLoopGroup group;
  private final ChannelGroup channels;
  private final Channel serverChannel;
  private final int port;

  private LlHlsOrigin(Builder b) {
    this.clip = b.clip;
    this.clock = b.clock;
    this.window = new LlLiveWindow(b.clip, b.clock, b.windowSegments, b.firstMediaSequence, b.byteRangeParts);
    this.group = new MultiThreadIoEventLoopGroup(b.ioThreads, new DefaultThreadFactory("ll-hls-origin", true),
        NioIoHandler.newFactory());
    this.channels = new DefaultChannelGroup("ll-hls-origin", GlobalEventExecutor.INSTANCE);
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
                  .addLast(new OriginHandler(traffic, LlHlsOrigin.this::resolve));
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

  /** A builder with defaults: the bundled LL-HLS clip, the system clock, 6 segments, port 0. */
  public static Builder builder() {
    return new Builder();
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

  /** {@code .../live/master.m3u8}. */
  public URI masterPlaylistUri() {
    return baseUri().resolve("live/master.m3u8");
  }

  /** A variant's live media playlist, {@code .../live/NAME/index.m3u8}. */
  public URI mediaPlaylistUri(String variant) {
    return baseUri().resolve("live/" + variantName(variant) + "/index.m3u8");
  }

  /** A segment's URL, {@code .../live/NAME/SEQ.ts}, whether published yet or not. */
  public URI segmentUri(String variant, long mediaSequence) {
    return baseUri().resolve(segmentPath(variant, mediaSequence).substring(1));
  }

  /** The path of {@link #segmentUri}, as the counters and fault globs see it. */
  public String segmentPath(String variant, long mediaSequence) {
    return LIVE_PREFIX + variantName(variant) + "/" + mediaSequence + ".ts";
  }

  /**
   * A part's own URL, {@code .../live/NAME/SEQ.PART.ts}, whether published yet or not (served
   * also when parts are listed as byte ranges).
   */
  public URI partUri(String variant, long mediaSequence, int part) {
    return baseUri().resolve(partPath(variant, mediaSequence, part).substring(1));
  }

  /** The path of {@link #partUri}. */
  public String partPath(String variant, long mediaSequence, int part) {
    return LIVE_PREFIX + variantName(variant) + "/" + mediaSequence + "." + part + ".ts";
  }

  // ---- the live stream ------------------------------------------------------------------------

  /** The clip it replays. */
  public LlHlsClip clip() {
    return clip;
  }

  /** {@code EXT-X-TARGETDURATION}, seconds. */
  public int targetDurationSeconds() {
    return window.targetDurationSeconds();
  }

  /** {@code EXT-X-PART-INF:PART-TARGET}, seconds. */
  public double partTargetSeconds() {
    return window.partTargetSeconds();
  }

  /** {@code PART-HOLD-BACK}, seconds. */
  public double partHoldBackSeconds() {
    return window.partHoldBackSeconds();
  }

  /** Media sequence number of the segment in progress now (its published parts are listed). */
  public long segmentInProgress() {
    return window.firstMediaSequence() + window.position().segmentIndex();
  }

  /** Parts of {@link #segmentInProgress()} published now (the next one is the preload hint). */
  public int partsPublished() {
    return window.position().partsPublished();
  }

  /** Number of parts of a segment. */
  public int partCount(long mediaSequence) {
    return window.partCount(index(mediaSequence));
  }

  /** Clock time from now until the next part is published: step a {@link ManualClock} by it. */
  public Duration untilNextPart() {
    return window.untilNextPart();
  }

  /** Clock time at which a part is (or was) published. */
  public Instant publicationTime(long mediaSequence, int part) {
    return window.publicationTime(index(mediaSequence), part);
  }

  /** The media playlist a GET without blocking-reload parameters would return now. */
  public String mediaPlaylist(String variant) {
    return window.mediaPlaylist(variantName(variant), otherVariants(variantName(variant)), window.position());
  }

  /** A segment's bytes, published or not. Shared array: do not modify. */
  public byte[] segmentBytes(String variant, long mediaSequence) {
    return clip.clip().variant(variant).segments().get(window.clipIndex(index(mediaSequence))).bytes();
  }

  /** A part's bytes, published or not (a copy). */
  public byte[] partBytes(String variant, long mediaSequence, int part) {
    return clip.partBytes(variant, window.clipIndex(index(mediaSequence)), part);
  }

  // ---- faults and counters --------------------------------------------------------------------

  /** As {@link LiveHlsOrigin#inject(String, Fault)}. */
  public FaultRule inject(String pathGlob, Fault fault) {
    return traffic.inject(pathGlob, fault);
  }

  /** As {@link LiveHlsOrigin#inject(String, Fault, int)}. */
  public FaultRule inject(String pathGlob, Fault fault, int times) {
    return traffic.inject(pathGlob, fault, times);
  }

  /** Removes every injected fault. */
  public void clearFaults() {
    traffic.clearFaults();
  }

  /** Body bytes served on every path since start. */
  public long bytesServed() {
    return traffic.bytesServed();
  }

  /** Body bytes served for one path (no query string). */
  public long bytesServed(String path) {
    return traffic.bytesServed(path);
  }

  /** Body bytes served for paths matching a glob. */
  public long bytesServedMatching(String pathGlob) {
    return traffic.bytesServedMatching(pathGlob);
  }

  /** Requests received on every path since start. */
  public long requestCount() {
    return traffic.requestCount();
  }

  /** Requests received for one path (no query string). */
  public long requestCount(String path) {
    return traffic.requestCount(path);
  }

  // ---- resources ------------------------------------------------------------------------------

  private OriginAnswer resolve(String path, Map<String, List<String>> query) {
    if (!path.startsWith(LIVE_PREFIX)) {
      return OriginAnswer.NOT_FOUND;
    }
    String rest = path.substring(LIVE_PREFIX.length());
    if (rest.equals("master.m3u8")) {
      return new OriginAnswer.Found(new Resource(clip.clip().masterPlaylist().getBytes(StandardCharsets.UTF_8),
          Resource.PLAYLIST));
    }
    int slash = rest.indexOf('/');
    if (slash < 0) {
      return OriginAnswer.NOT_FOUND;
    }
    HlsClip.Variant variant = clip.clip().variants().get(rest.substring(0, slash));
    String file = rest.substring(slash + 1);
    if (variant == null) {
      return OriginAnswer.NOT_FOUND;
    }
    if (file.equals("index.m3u8")) {
      return playlist(variant.name(), query);
    }
    if (!file.endsWith(".ts")) {
      return OriginAnswer.NOT_FOUND;
    }
    String[] numbers = file.substring(0, file.length() - ".ts".length()).split("\\.", -1);
    long msn = parseNumber(numbers[0]);
    if (msn < window.firstMediaSequence() || numbers.length > 2) {
      return OriginAnswer.NOT_FOUND;
    }
    long index = index(msn);
    if (numbers.length == 2) {
      long part = parseNumber(numbers[1]);
      return part < 0 || part >= window.partCount(index) ? OriginAnswer.NOT_FOUND : part(variant, index, (int) part);
    }
    return segment(variant, index);
  }

  private OriginAnswer part(HlsClip.Variant variant, long index, int part) {
    LlHlsClip.Part p = clip.parts(variant.name(), window.clipIndex(index)).get(part);
    Resource resource = new Resource(clip.partBytes(variant.name(), window.clipIndex(index), part), Resource.SEGMENT);
    if (window.isPublished(index, part)) {
      return new OriginAnswer.Found(resource);
    }
    LlLiveWindow.Position now = window.position();
    if (index == now.segmentIndex() && part == now.partsPublished()) {
      return new OriginAnswer.Growing(resource, () -> window.producedBytes(index, part, p.length()));
    }
    return OriginAnswer.NOT_FOUND;
  }

  private OriginAnswer segment(HlsClip.Variant variant, long index) {
    Resource resource = new Resource(variant.segments().get(window.clipIndex(index)).bytes(), Resource.SEGMENT);
    LlLiveWindow.Position now = window.position();
    if (index < now.segmentIndex()) {
      return new OriginAnswer.Found(resource);
    }
    if (index > now.segmentIndex() || !window.byteRangeParts()) {
      return OriginAnswer.NOT_FOUND;
    }
    // Parts are byte ranges of this segment: serve what its parts have produced so far.
    List<LlHlsClip.Part> parts = clip.parts(variant.name(), window.clipIndex(index));
    return new OriginAnswer.Growing(resource, () -> {
      LlLiveWindow.Position at = window.position();
      if (at.segmentIndex() > index) {
        return resource.bytes().length;
      }
      LlHlsClip.Part producing = parts.get(at.partsPublished());
      return producing.offset() + window.producedBytes(index, at.partsPublished(), producing.length());
    });
  }

  /** The playlist now, or held until the blocking-reload parameters are satisfied. */
  private OriginAnswer playlist(String variant, Map<String, List<String>> query) {
    List<String> msnValues = query.getOrDefault("_HLS_msn", List.of());
    List<String> partValues = query.getOrDefault("_HLS_part", List.of());
    if (msnValues.isEmpty()) {
      return partValues.isEmpty() ? playlistNow(variant) : new OriginAnswer.Status(400);
    }
    long msn = parseNumber(msnValues.get(0));
    long part = partValues.isEmpty() ? -1 : parseNumber(partValues.get(0));
    if (msn < 0 || (!partValues.isEmpty() && part < 0) || msnValues.size() > 1 || partValues.size() > 1) {
      return new OriginAnswer.Status(400);
    }
    LlLiveWindow.Position now = window.position();
    long lastCompleteMsn = window.firstMediaSequence() + now.segmentIndex() - 1;
    if (msn > lastCompleteMsn + 2) {
      return new OriginAnswer.Status(400);
    }
    long index = msn - window.firstMediaSequence();
    if (part >= 0 && index >= 0 && part < window.partCount(index)
        && window.partsAhead(index, (int) part) > advancePartLimit()) {
      return new OriginAnswer.Status(400);
    }
    Instant giveUpAt = clock.instant().plusSeconds(3L * window.targetDurationSeconds());
    return new OriginAnswer.Held(() -> {
      if (satisfied(index, part)) {
        return playlistNow(variant);
      }
      return clock.instant().isBefore(giveUpAt) ? null : new OriginAnswer.Status(503);
    });
  }

  /** RFC 8216bis 6.2.5.2: the playlist holds segment {@code index}, or part {@code part} of it. */
  private boolean satisfied(long index, long part) {
    if (index < 0) {
      return true;
    }
    LlLiveWindow.Position now = window.position();
    if (index < now.segmentIndex()) {
      return true;
    }
    return part >= 0 && index == now.segmentIndex() && part < now.partsPublished();
  }

  /** RFC 8216bis: three divided by the part target when it is under one second, else three. */
  private long advancePartLimit() {
    double target = window.partTargetSeconds();
    return target < 1 ? (long) Math.floor(3 / target) : 3;
  }

  private OriginAnswer playlistNow(String variant) {
    String text = window.mediaPlaylist(variant, otherVariants(variant), window.position());
    return new OriginAnswer.Found(new Resource(text.getBytes(StandardCharsets.UTF_8), Resource.PLAYLIST));
  }

  private List<String> otherVariants(String variant) {
    return clip.clip().variants().keySet().stream().filter(name -> !name.equals(variant)).toList();
  }

  private String variantName(String variant) {
    return clip.clip().variant(variant).name();
  }

  private long index(long mediaSequence) {
    long index = mediaSequence - window.firstMediaSequence();
    if (index < 0) {
      throw new IllegalArgumentException("mediaSequence: " + mediaSequence + " (expected: >= "
          + window.firstMediaSequence() + ")");
    }
    return index;
  }

  private static long parseNumber(String digits) {
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

  /** Closes every connection and stops the server; waits at most a few seconds. */
  @Override
  public void close() {
    channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
  }

  @Override
  public String toString() {
    return "LlHlsOrigin[" + baseUri() + ", segment " + segmentInProgress() + " part " + partsPublished() + "]";
  }

  /** Settings of an {@link LlHlsOrigin}; {@link #start()} binds the server. */
  public static final class Builder {
    private LlHlsClip clip;
    private Clock clock = Clock.systemUTC();
    private int windowSegments = 6;
    private long firstMediaSequence;
    private boolean byteRangeParts;
    private int port;
    private int ioThreads = 1;

    private Builder() {}

    /** The clip to replay; default {@link LlHlsClip#bundled()}. */
    public Builder clip(LlHlsClip clip) {
      this.clip = Objects.requireNonNull(clip, "clip");
      return this;
    }

    /** The clock parts are published on; default {@link Clock#systemUTC()}. Tests pass a {@link ManualClock}. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Complete segments listed in each media playlist; default 6 (12 s of the bundled clip). */
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
     * Lists parts as byte ranges of their segment instead of as their own files; default false
     * (each part is {@code SEQ.PART.ts}).
     */
    public Builder byteRangeParts(boolean byteRangeParts) {
      this.byteRangeParts = byteRangeParts;
      return this;
    }

    /** Port on 127.0.0.1; default 0 (any free port). */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
      }
      this.port = port;
      return this;
    }

    /** Netty event loop threads; default 1. */
    public Builder ioThreads(int ioThreads) {
      if (ioThreads < 1 || ioThreads > 64) {
        throw new IllegalArgumentException("ioThreads: " + ioThreads + " (expected: 1..64)");
      }
      this.ioThreads = ioThreads;
      return this;
    }

    /** Binds the server; the stream starts at the clock's current time. */
    public LlHlsOrigin start() {
      if (clip == null) {
        clip = LlHlsClip.bundled();
      }
      return new LlHlsOrigin(this);
    }
  }
}
