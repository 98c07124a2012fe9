package dev.hlsmesh.agent.proxy;

import static java.util.Objects.requireNonNull;

import dev.hlsmesh.agent.Agent;
import dev.hlsmesh.agent.SwarmKey;
import dev.hlsmesh.agent.delivery.CdnSegmentLoader;
import dev.hlsmesh.agent.delivery.HlsStream;
import dev.hlsmesh.agent.delivery.SegmentLoader;
import dev.hlsmesh.agent.stats.AgentStats;
import dev.hlsmesh.cdn.TaskScheduler;
import dev.hlsmesh.cdn.fetch.CdnFetcher;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A local HLS server for any player (hls.js, ffmpeg, VLC, mpv, ExoPlayer, AVPlayer): the player
 * opens {@link #playlistUri()} and gets the upstream playlist with every URI rewritten to point
 * back here; segments come from a {@link SegmentLoader} (the CDN, or the hybrid scheduler).
 *
 * <ul>
 *   <li>{@code /playlist.m3u8}: the upstream playlist. A master playlist's variants and
 *       alternate renditions become streams {@code /stream/N/index.m3u8}; a lone media playlist
 *       is stream 0 and is served here directly.</li>
 *   <li>{@code /stream/N/index.m3u8}: stream N's media playlist, loaded from upstream on every
 *       request (so the player's reload cadence is kept) and passed to
 *       {@link SegmentLoader#playlistLoaded}: the variant a player requests decides its swarm.</li>
 *   <li>{@code /stream/N/SEQ.ext}: the segment with media sequence number SEQ, loaded through the
 *       {@link SegmentLoader} with a deadline one target duration away (the proxy cannot see the
 *       player's buffer).</li>
 *   <li>{@code /res/ID/name}: init sections ({@code EXT-X-MAP}), keys and session data, passed
 *       through from upstream (keys are never decrypted, only relayed).</li>
 *   <li>{@code /stats.json}: the agent's {@link AgentStats} as JSON.</li>
 * </ul>
 * It listens on 127.0.0.1 only. Bad requests get 4xx, upstream failures 502 with a one-line
 * reason; neither affects other connections.
 *
 * <p>Thread-safe. Netty serves connections on one event loop thread; loads complete elsewhere.
 */
public final class HlsProxy implements AutoCloseable {
  private final ProxyCore core;
  private final EventLoopGroup group;
  private final Channel server;
  private final int port;

  /** @param cores makes the core, given the proxy's event loop (for timers) */
  private HlsProxy(Function<ScheduledExecutorService, ProxyCore> cores, ProxySettings settings) {
    this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("hlsmesh-proxy", true),
        NioIoHandler.newFactory());
    ProxyCore made = null;
    try {
      made = cores.apply(group);
      this.core = made;
      this.server = new ServerBootstrap()
          .group(group)
          .channel(NioServerSocketChannel.class)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 * 1024), new ProxyHandler(core));
            }
          })
          .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), settings.port()))
          .syncUninterruptibly()
          .channel();
    } catch (RuntimeException e) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      if (made != null) {
        made.close();
      }
      throw new IllegalStateException("cannot listen on 127.0.0.1:" + settings.port() + ": " + e.getMessage(), e);
    }
    this.port = ((InetSocketAddress) server.localAddress()).getPort();
  }

  /**
   * Starts a proxy for {@code upstreamPlaylist} (a master or a media playlist URL).
   *
   * @param fetcher loads playlists and pass-through resources (not closed by the proxy)
   * @param loader loads segments (not closed by the proxy)
   * @param stats counts pass-through bytes as CDN bytes and is served at {@code /stats.json}
   * @throws IllegalStateException if the port cannot be bound
   */
  public static HlsProxy start(URI upstreamPlaylist, CdnFetcher fetcher, SegmentLoader loader, AgentStats stats,
      ProxySettings settings) {
    return start(upstreamPlaylist, fetcher, loader, stats, settings, Clock.systemUTC());
  }

  /** As {@link #start(URI, CdnFetcher, SegmentLoader, AgentStats, ProxySettings)}, on a given clock. */
  static HlsProxy start(URI upstreamPlaylist, CdnFetcher fetcher, SegmentLoader loader, AgentStats stats,
      ProxySettings settings, Clock clock) {
    requireNonNull(settings, "settings");
    checkUpstream(upstreamPlaylist);
    return new HlsProxy(timers -> new ProxyCore(upstreamPlaylist, fetcher, loader, stats, clock, settings), settings);
  }

  /**
   * Starts a proxy whose agent follows the player between swarms (PROTOCOL.md B: one swarm per
   * variant): the variant whose media playlist the player requests decides the swarm. The agent
   * joins a stream's swarm when the player first asks for that stream, and segments of the stream
   * load through the loader {@code loaders} makes for that swarm. After a bitrate switch the
   * previous variant's swarm is left once it has gone unused for
   * {@link ProxySettings#swarmLeaveGraceMillis()} (a player flipping back and forth keeps both).
   * Streams without a swarm (subtitles) load from the CDN. Closing the proxy closes the swarm
   * loaders and leaves the swarms it joined (a swarm the agent had joined before is used, never
   * left).
   *
   * @param fetcher loads playlists, pass-through resources and subtitle segments (not closed by
   *     the proxy)
   * @param agent joins and leaves the streams' swarms (not closed by the proxy)
   * @param loaders makes one swarm's segment loader (e.g. a hybrid scheduler over the CDN)
   * @param stats counts pass-through and subtitle bytes as CDN bytes; served at {@code /stats.json}
   * @throws IllegalStateException if the port cannot be bound
   */
  public static HlsProxy start(URI upstreamPlaylist, CdnFetcher fetcher, Agent agent, SwarmLoaderFactory loaders,
      AgentStats stats, ProxySettings settings) {
    return start(upstreamPlaylist, fetcher, agentMembership(requireNonNull(agent, "agent")), loaders, stats, settings,
        Clock.systemUTC());
  }

  /** As the public overload, with the membership (an agent, or a fake) and clock injected. */
  static HlsProxy start(URI upstreamPlaylist, CdnFetcher fetcher, SwarmSwitch.Membership membership,
      SwarmLoaderFactory loaders, AgentStats stats, ProxySettings settings, Clock clock) {
    requireNonNull(fetcher, "fetcher");
    requireNonNull(membership, "membership");
    requireNonNull(loaders, "loaders");
    requireNonNull(stats, "stats");
    requireNonNull(settings, "settings");
    requireNonNull(clock, "clock");
    checkUpstream(upstreamPlaylist);
    StreamSwarms swarms = new StreamSwarms();
    return new HlsProxy(timers -> {
      SegmentLoader plain = new CdnSegmentLoader(fetcher, stats, settings.resourceTimeoutMillis(),
          settings.maxResourceBytes());
      SwarmSwitch swarmSwitch = new SwarmSwitch(swarms, membership, loaders, plain, settings.swarmLeaveGraceMillis(),
          clock, TaskScheduler.of(timers));
      return new ProxyCore(upstreamPlaylist, fetcher, swarmSwitch, true, stats, clock, settings, swarms);
    }, settings);
  }

  /**
   * How a proxy that moves between swarms joins and leaves them, for an owner that shares the
   * swarms with others (a viewer whose headless player plays one of them).
   */
  public interface SwarmMembership {
    /** Joins {@code swarm} (or counts one more user of it); {@link #leave} is called once for it. */
    void join(SwarmKey swarm);

    /** Leaves {@code swarm} (or counts one user less). */
    void leave(SwarmKey swarm);
  }

  /**
   * As {@link #start(URI, CdnFetcher, Agent, SwarmLoaderFactory, AgentStats, ProxySettings)},
   * joining and leaving swarms through {@code membership}.
   */
  public static HlsProxy start(URI upstreamPlaylist, CdnFetcher fetcher, SwarmMembership membership,
      SwarmLoaderFactory loaders, AgentStats stats, ProxySettings settings) {
    requireNonNull(membership, "membership");
    return start(upstreamPlaylist, fetcher, new SwarmSwitch.Membership() {
      @Override
      public boolean join(SwarmKey swarm) {
        membership.join(swarm);
        return true;
      }

      @Override
      public void leave(SwarmKey swarm) {
        membership.leave(swarm);
      }
    }, loaders, stats, settings, Clock.systemUTC());
  }

  /**
   * Whether the startup and live latency of the players it serves are recorded in its stats:
   * from their requests, startup up to the first segment served and latency at a playhead
   * estimated from the segments served (docs/architecture.md). On by default.
   */
  public void recordPlayback(boolean value) {
    core.recordPlayback(value);
  }

  private static SwarmSwitch.Membership agentMembership(Agent agent) {
    return new SwarmSwitch.Membership() {
      @Override
      public boolean join(SwarmKey swarm) {
        if (agent.peerId(swarm).isPresent()) {
          return false;
        }
        try {
          agent.join(swarm);
          return true;
        } catch (IllegalStateException e) {
          if (agent.peerId(swarm).isPresent()) {
            return false; // joined by the embedder meanwhile
          }
          throw e;
        }
      }

      @Override
      public void leave(SwarmKey swarm) {
        agent.leave(swarm);
      }
    };
  }

  private static void checkUpstream(URI upstreamPlaylist) {
    requireNonNull(upstreamPlaylist, "upstreamPlaylist");
    String scheme = upstreamPlaylist.getScheme();
    if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
        || upstreamPlaylist.getHost() == null) {
      throw new IllegalArgumentException("upstreamPlaylist: " + upstreamPlaylist + " (expected: an http or https URL)");
    }
  }

  /** The port it listens on, on 127.0.0.1. */
  public int port() {
    return port;
  }

  /** What a player opens: {@code http://127.0.0.1:PORT/playlist.m3u8}. */
  public URI playlistUri() {
    return URI.create("http://127.0.0.1:" + port + ProxyCore.PLAYLIST_PATH);
  }

  /** The stats endpoint, {@code http://127.0.0.1:PORT/stats.json}. */
  public URI statsUri() {
    return URI.create("http://127.0.0.1:" + port + ProxyCore.STATS_PATH);
  }

  /** The streams players were offered so far, by index. */
  public List<HlsStream> streams() {
    return core.streams();
  }

  /**
   * Stops listening and closes every player connection; a proxy that moves its agent between
   * swarms also closes the swarm loaders and leaves the swarms it joined. Idempotent.
   */
  @Override
  public void close() {
    server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    try {
      core.close();
    } finally {
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
  }

  @Override
  public String toString() {
    return "HlsProxy[" + playlistUri() + "]";
  }
}
