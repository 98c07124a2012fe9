package dev.hlsmesh.testsupport;

import static java.util.Objects.requireNonNull;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A real WebSocket client for tests (Netty, one connection): send text or binary frames (also
 * malformed or oversized ones), await received text messages and the server's close frame with
 * a bound, never by sleeping.
 *
 * <p>Thread-safe: frames arrive on a Netty thread and are queued; the test thread reads them.
 */
public final class WebSocketTestClient implements AutoCloseable {

  /** Default bound for every wait; generous because the CI machine is shared. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  private static final int MAX_RECEIVED_MESSAGE_BYTES = 16 * 1024 * 1024;

  private static final EventLoopGroup GROUP = new MultiThreadIoEventLoopGroup(
      2, new DefaultThreadFactory("ws-test-client", true), NioIoHandler.newFactory());

  /** A close frame received from the server: its status code and reason. */
  public record Close(int code, String reason) {}

  private final LinkedBlockingQueue<String> texts = new LinkedBlockingQueue<>();
  private final CompletableFuture<Close> closeFrame = new CompletableFuture<>();
  private final CompletableFuture<Void> handshake = new CompletableFuture<>();
  private final Channel channel;

  private WebSocketTestClient(URI uri) throws InterruptedException {
    WebSocketClientHandshaker handshaker = WebSocketClientHandshakerFactory.newHandshaker(
        uri, WebSocketVersion.V13, null, false, new DefaultHttpHeaders(),
        MAX_RECEIVED_MESSAGE_BYTES);
    int port = uri.getPort() > 0 ? uri.getPort() : 80;
    channel = new Bootstrap()
        .group(GROUP)
        .channel(NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(64 * 1024),
                new Handler(handshaker));
          }
        })
        .connect(uri.getHost(), port)
        .sync()
        .channel();
    channel.closeFuture().addListener(f -> {
      handshake.completeExceptionally(new IllegalStateException("connection closed"));
      closeFrame.complete(new Close(-1, "connection closed without a close frame"));
    });
  }

  /** Connects and completes the WebSocket handshake, waiting at most {@link #DEFAULT_TIMEOUT}. */
  public static WebSocketTestClient connect(URI uri) {
    requireNonNull(uri, "uri");
    WebSocketTestClient client;
    try {
      client = new WebSocketTestClient(uri);
      client.handshake.get(DEFAULT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while connecting to " + uri, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("WebSocket handshake with " + uri + " failed", e);
    }
    return client;
  }

  /** Sends one text frame. */
  public void send(String text) {
    sendFrame(new TextWebSocketFrame(text));
  }

  /** Sends one binary frame. */
  public void sendBinary(byte[] bytes) {
    sendFrame(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(bytes)));
  }

  /** Sends a text frame with these exact payload bytes (e.g. invalid UTF-8). */
  public void sendTextBytes(byte[] bytes) {
    sendFrame(new TextWebSocketFrame(Unpooled.wrappedBuffer(bytes)));
  }

  /** Writes raw bytes to the TCP connection, bypassing the frame encoder (e.g. an unmasked frame). */
  public void sendRaw(byte[] bytes) {
    channel.writeAndFlush(Unpooled.wrappedBuffer(bytes))
        .awaitUninterruptibly(DEFAULT_TIMEOUT.toMillis());
  }

  /**
   * Sends any frame (fragments, pings, close) and waits until it is written. A write that fails
   * because the server already closed the connection is not an error here: tests of bad input
   * check {@link #awaitClose()} instead.
   */
  public void sendFrame(WebSocketFrame frame) {
    channel.writeAndFlush(frame).awaitUninterruptibly(DEFAULT_TIMEOUT.toMillis());
  }

  /** The next text message, waiting at most {@link #DEFAULT_TIMEOUT}. */
  public String nextText() {
    return nextText(DEFAULT_TIMEOUT);
  }

  /**
   * The next text message.
   *
   * @throws AssertionError if none arrives within {@code timeout}
   */
  public String nextText(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (true) {
        // Poll in slices so that a closed connection fails at once instead of at the deadline.
        String text = texts.poll(20, TimeUnit.MILLISECONDS);
        if (text != null) {
          return text;
        }
        if (!channel.isActive() && texts.isEmpty()) {
          throw new AssertionError("no text message: connection closed ("
              + closeFrame.getNow(null) + ")");
        }
        if (System.nanoTime() - deadline > 0) {
          throw new AssertionError("no text message within " + timeout);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** Text messages received and not yet read (does not wait). */
  public int pendingTexts() {
    return texts.size();
  }

  /**
   * Waits for the server to close the connection and returns its close frame, or code -1 if
   * the TCP connection closed without one.
   *
   * @throws AssertionError if the connection is still open after {@link #DEFAULT_TIMEOUT}
   */
  public Close awaitClose() {
    try {
      Close close = closeFrame.get(DEFAULT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      channel.closeFuture().await(DEFAULT_TIMEOUT.toMillis());
      return close;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new AssertionError("server did not close the connection within " + DEFAULT_TIMEOUT, e);
    }
  }

  /** True while the TCP connection is open. */
  public boolean isOpen() {
    return channel.isActive();
  }

  /** Closes the connection (with a normal close frame if it is still open). */
  @Override
  public void close() {
    if (channel.isActive()) {
      channel.writeAndFlush(new CloseWebSocketFrame(1000, "bye"));
    }
    channel.close().syncUninterruptibly();
  }

  private final class Handler extends SimpleChannelInboundHandler<Object> {
    private final WebSocketClientHandshaker handshaker;

    Handler(WebSocketClientHandshaker handshaker) {
      this.handshaker = handshaker;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      handshaker.handshake(ctx.channel());
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
      if (!handshaker.isHandshakeComplete()) {
        try {
          handshaker.finishHandshake(ctx.channel(), (FullHttpResponse) msg);
          ctx.pipeline().addBefore(ctx.name(), "ws-aggregator",
              new WebSocketFrameAggregator(MAX_RECEIVED_MESSAGE_BYTES));
          handshake.complete(null);
        } catch (RuntimeException e) {
          handshake.completeExceptionally(e);
          ctx.close();
        }
        return;
      }
      if (msg instanceof TextWebSocketFrame text) {
        texts.add(text.text());
      } else if (msg instanceof BinaryWebSocketFrame binary) {
        ByteBuf content = binary.content();
        texts.add("binary:" + content.toString(StandardCharsets.UTF_8));
      } else if (msg instanceof PingWebSocketFrame ping) {
        ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
      } else if (msg instanceof CloseWebSocketFrame close) {
        closeFrame.complete(new Close(close.statusCode(), close.reasonText()));
        ctx.close();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      handshake.completeExceptionally(cause);
      ctx.close();
    }
  }
}
