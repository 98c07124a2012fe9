package dev.hlsmesh.tracker.http;

import static java.util.Objects.requireNonNull;

import dev.hlsmesh.tracker.config.TrackerConfig;
import dev.hlsmesh.tracker.session.TrackerContext;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Netty server: one acceptor thread, {@code ioThreads} event loops that own their
 * connections, and a periodic sweep of expired peers on one of the event loops.
 *
 * <p>{@link #start} and {@link #close} may be called from any thread.
 */
public final class TrackerServer implements ServerState {
  private static final int MAX_HTTP_REQUEST_BYTES = 8 * 1024;

  private final TrackerContext context;
  private final HttpEndpoints endpoints;
  private final IpConnectionLimiter ipLimiter;
  private final UpgradeGate gate;
  private final OutboundBudget outbound;
  private final ChannelGroup channels = new DefaultChannelGroup("tracker", GlobalEventExecutor.INSTANCE);
  private final EventLoopGroup acceptor;
  private final EventLoopGroup workers;
  private volatile boolean serving = true;
  private Channel serverChannel;
  private Future<?> sweeper;

  private TrackerServer(TrackerContext context) {
    this.context = context;
    this.ipLimiter = new IpConnectionLimiter(context.config().maxConnectionsPerIp(),
        context.config().maxAnnouncesPerMinutePerIp(), context.config().maxOffersPerMinutePerIp());
    this.gate = new UpgradeGate(context.config(), context.clock());
    this.outbound = new OutboundBudget(context.config().maxQueuedBytesTotal());
    // Auto: half the processors. A relay between connections on different loops costs a
    // thread hand-off; on the 2-core reference machine (bench/tracker.sh, 2026-11-22) one loop
    // relayed 36-38k messages per tracker CPU-second, two loops 22-25k; the kernel's network
    // stack and the GC need the other core anyway.
    int threads = context.config().ioThreads() == 0
        ? Math.max(1, Runtime.getRuntime().availableProcessors() / 2)
        : context.config().ioThreads();
    this.acceptor = new MultiThreadIoEventLoopGroup(
        1, new DefaultThreadFactory("tracker-accept"), NioIoHandler.newFactory());
    this.workers = new MultiThreadIoEventLoopGroup(
        threads, new DefaultThreadFactory("tracker-io"), NioIoHandler.newFactory());
    this.endpoints = new HttpEndpoints(context, List.of(acceptor, workers));
  }

  /**
   * Binds and starts serving.
   *
   * @throws UncheckedIOException if the address cannot be bound
   */
  public static TrackerServer start(TrackerContext context) {
    requireNonNull(context, "context");
    TrackerServer server = new TrackerServer(context);
    try {
      server.bind();
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
    return server;
  }

  private void bind() {
    TrackerConfig config = context.config();
    // Above the high watermark messages to a connection are dropped, and if it stays there for
    // slowReaderTimeoutMillis the connection is closed (ConnectionHandler).
    int highWaterMark = config.maxQueuedBytesPerConnection();
    ServerBootstrap bootstrap = new ServerBootstrap()
        .group(acceptor, workers)
        .channel(NioServerSocketChannel.class)
        .option(ChannelOption.SO_BACKLOG, 4096)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
            new WriteBufferWaterMark(highWaterMark / 2, highWaterMark))
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline()
                .addLast("idle", new IdleStateHandler(config.idleTimeoutSeconds(), 0, 0))
                .addLast("http", new HttpServerCodec(MAX_HTTP_REQUEST_BYTES,
                    MAX_HTTP_REQUEST_BYTES, 8192))
                .addLast("httpAggregator", new HttpObjectAggregator(MAX_HTTP_REQUEST_BYTES))
                .addLast("tracker", new ConnectionHandler(context, TrackerServer.this));
          }
        });
    InetSocketAddress address = new InetSocketAddress(config.host(), config.port());
    try {
      serverChannel = bootstrap.bind(address).syncUninterruptibly().channel();
    } catch (Exception e) {
      // Netty rethrows the bind failure unchecked even though it is an IOException.
      if (e instanceof BindException || e instanceof IOException) {
        throw new UncheckedIOException("cannot listen on " + config.host() + ":" + config.port()
            + ": " + e.getMessage(), (IOException) e);
      }
      throw e;
    }
    long sweepMillis = config.sweepIntervalSeconds() * 1000L;
    sweeper = workers.next().scheduleAtFixedRate(this::sweepNow, sweepMillis, sweepMillis,
        TimeUnit.MILLISECONDS);
  }

  /**
   * Removes expired peers and empty swarms and closes idle connections now (this also runs
   * every sweep interval). Idle checks run on each connection's own event loop.
   */
  public void sweepNow() {
    long now = context.clock().millis();
    context.registry().sweep(now);
    ipLimiter.sweep(now);
    for (Channel channel : channels) {
      ConnectionHandler handler = channel.pipeline().get(ConnectionHandler.class);
      if (handler != null) {
        channel.eventLoop().execute(() -> {
          handler.closeIfIdle(now);
          handler.closeIfSlow(now);
        });
      }
    }
  }

  /** The acceptor's event loop (a test blocks it to see {@code /healthz} fail). */
  EventLoopGroup acceptorGroup() {
    return acceptor;
  }

  /** The bound address (with the real port when the configuration asked for port 0). */
  public InetSocketAddress address() {
    return (InetSocketAddress) serverChannel.localAddress();
  }

  /**
   * Stops accepting, closes every WebSocket with 1001 "tracker shutting down", and stops the
   * threads. Idempotent.
   */
  public void close() {
    serving = false;
    if (sweeper != null) {
      sweeper.cancel(false);
    }
    if (serverChannel != null) {
      serverChannel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
    channels.writeAndFlush(new CloseWebSocketFrame(
        WebSocketCloseStatus.ENDPOINT_UNAVAILABLE.code(), "tracker shutting down"))
        .awaitUninterruptibly(2, TimeUnit.SECONDS);
    channels.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    acceptor.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }

  @Override
  public HttpEndpoints endpoints() {
    return endpoints;
  }

  @Override
  public IpConnectionLimiter ipLimiter() {
    return ipLimiter;
  }

  @Override
  public UpgradeGate gate() {
    return gate;
  }

  @Override
  public OutboundBudget outbound() {
    return outbound;
  }

  @Override
  public ChannelGroup channels() {
    return channels;
  }

  @Override
  public boolean isServing() {
    return serving;
  }
}
