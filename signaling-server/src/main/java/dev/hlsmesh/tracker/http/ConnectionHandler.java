package dev.hlsmesh.tracker.http;

import dev.hlsmesh.protocol.tracker.ClientMessage;
import dev.hlsmesh.protocol.tracker.RelayedAnswer;
import dev.hlsmesh.protocol.tracker.RelayedOffer;
import dev.hlsmesh.protocol.tracker.ServerMessage;
import dev.hlsmesh.protocol.tracker.TrackerProtocolException;
import dev.hlsmesh.tracker.access.JoinGrant;
import dev.hlsmesh.tracker.relay.PeerEndpoint;
import dev.hlsmesh.tracker.session.ConnectionPolicy;
import dev.hlsmesh.tracker.session.SignalingSession;
import dev.hlsmesh.tracker.session.TrackerContext;
import dev.hlsmesh.tracker.stats.TrackerStats.Rejection;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One TCP connection: plain HTTP ({@code /health}, {@code /stats}) until a WebSocket upgrade on
 * any path, then tracker messages in text frames.
 *
 * <p>Its fields are touched only on the channel's event loop, except {@link #send}, which any
 * thread may call (it only uses the thread-safe channel).
 */
final class ConnectionHandler extends ChannelInboundHandlerAdapter implements PeerEndpoint {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionHandler.class);
  /** How long a closed-by-us WebSocket may take to answer our close frame. */
  private static final long CLOSE_GRACE_MILLIS = 2_000;

  private final TrackerContext context;
  private final ServerState server;
  private Channel channel;
  private WebSocketServerHandshaker handshaker;
  private SignalingSession session;
  private InetAddress countedIp;
  private boolean admitted;
  private JoinGrant grant;
  private long unwritableSinceMillis = -1;
  private boolean closing;
  private long lastMessageMillis;
  // Token bucket for the per-connection message rate.
  private double tokens;
  private long lastRefillMillis;

  ConnectionHandler(TrackerContext context, ServerState server) {
    this.context = context;
    this.server = server;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = ctx.channel();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof TextWebSocketFrame frame) {
        onText(frame.content());
      } else if (msg instanceof FullHttpRequest request) {
        onHttp(ctx, request);
      } else if (msg instanceof BinaryWebSocketFrame || msg instanceof ContinuationWebSocketFrame) {
        if (allowMessage()) {
          reject(Rejection.BINARY_FRAME, WebSocketCloseStatus.INVALID_MESSAGE_TYPE,
              "binary frames are not supported: send JSON in text frames");
        }
      } else if (msg instanceof PingWebSocketFrame ping) {
        lastMessageMillis = context.clock().millis();
        // Pings spend the message rate, and a client that does not read gets no pongs queued.
        if (!closing && allowMessage() && ctx.channel().isWritable()) {
          ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()), ctx.voidPromise());
        }
      } else if (msg instanceof CloseWebSocketFrame close) {
        if (closing) {
          // The client answered our close frame: the closing handshake is complete.
          ctx.close();
        } else {
          closing = true;
          handshaker.close(ctx.channel(), close.retain());
        }
      } else if (!(msg instanceof PongWebSocketFrame)) {
        LOG.debug("ignoring {} from {}", msg.getClass().getSimpleName(), remote());
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private void onText(ByteBuf content) {
    lastMessageMillis = context.clock().millis();
    if (closing || !allowMessage()) {
      return;
    }
    if (!Utf8.isValid(content)) {
      reject(Rejection.INVALID_UTF8, WebSocketCloseStatus.INVALID_PAYLOAD_DATA,
          "invalid UTF-8 in a text message");
      return;
    }
    ClientMessage message;
    try {
      if (content.hasArray()) {
        message = context.codec().decodeClient(content.array(),
            content.arrayOffset() + content.readerIndex(), content.readableBytes());
      } else {
        message = context.codec().decodeClient(new ByteBufInputStream(content));
      }
    } catch (TrackerProtocolException e) {
      session.onInvalid(e);
      return;
    }
    session.onMessage(message);
  }

  /** Takes one token of the message rate; closes the connection with 1008 when none is left. */
  private boolean allowMessage() {
    long now = context.clock().millis();
    int rate = context.config().messageRatePerSecond();
    int burst = context.config().messageBurst();
    if (now > lastRefillMillis) {
      tokens = Math.min(burst, tokens + (now - lastRefillMillis) * rate / 1000.0);
      lastRefillMillis = now;
    }
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    reject(Rejection.RATE_LIMITED, WebSocketCloseStatus.POLICY_VIOLATION,
        "message rate limit exceeded (" + rate + "/s, burst " + burst + ")");
    return false;
  }

  private void onHttp(ChannelHandlerContext ctx, FullHttpRequest request) {
    if (!ctx.channel().isActive()) {
      // The rest of a pipelined batch decoded after we closed the connection.
      return;
    }
    if (!request.decoderResult().isSuccess()) {
      respond(ctx, request, server.endpoints().text(ctx.alloc(), HttpResponseStatus.BAD_REQUEST,
          "bad request"), false);
      return;
    }
    if (!ctx.channel().isWritable()) {
      // Pipelined HTTP requests whose responses are not read: stop before they cost memory.
      context.stats().rejected(Rejection.SLOW_READER);
      ctx.close();
      return;
    }
    if (request.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)) {
      UpgradeGate.Decision decision = server.gate().check(request);
      if (!decision.admitted()) {
        refuseUpgrade(ctx, request, decision.refusal());
        return;
      }
      admitted = true;
      grant = decision.grant();
      upgrade(ctx, request);
      return;
    }
    QueryStringDecoder uri = new QueryStringDecoder(request.uri());
    String path = uri.path();
    CompletableFuture<FullHttpResponse> answer;
    if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
      respond(ctx, request, server.endpoints().text(ctx.alloc(),
          HttpResponseStatus.METHOD_NOT_ALLOWED, "only GET"), HttpUtil.isKeepAlive(request));
    } else if (path.equals("/health")) {
      respond(ctx, request, server.endpoints().health(ctx.alloc(), server.isServing()),
          HttpUtil.isKeepAlive(request));
    } else if (path.equals("/stats")) {
      respond(ctx, request, server.endpoints().stats(ctx.alloc()), HttpUtil.isKeepAlive(request));
    } else if ((answer = server.endpoints().get(uri, ctx.alloc(), server.isServing())) != null) {
      respondWhenDone(ctx, request, answer);
    } else {
      context.stats().rejected(Rejection.NOT_FOUND);
      respond(ctx, request, server.endpoints().text(ctx.alloc(), HttpResponseStatus.NOT_FOUND,
          "not found: WebSocket on any path, or GET /metrics, /healthz, /readyz, /swarms,"
              + " /dashboard, /health, /stats"),
          HttpUtil.isKeepAlive(request));
    }
  }

  private void refuseUpgrade(ChannelHandlerContext ctx, FullHttpRequest request,
      UpgradeGate.Refusal refusal) {
    context.stats().rejected(refusal.reason());
    context.warnings().warn("refused WebSocket upgrade (" + refusal.status().code() + ")",
        remote(), refusal.text());
    FullHttpResponse response = server.endpoints().text(ctx.alloc(), refusal.status(),
        refusal.text());
    if (refusal.status().equals(HttpResponseStatus.UNAUTHORIZED)) {
      response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"");
    }
    respond(ctx, request, response, false);
  }

  /** Responds when {@code answer} completes, possibly on another thread (writes are safe). */
  private void respondWhenDone(ChannelHandlerContext ctx, FullHttpRequest request,
      CompletableFuture<FullHttpResponse> answer) {
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    String target = request.uri();
    // The request is released when channelRead returns; keep what respond needs.
    HttpRequest head = new DefaultHttpRequest(request.protocolVersion(), request.method(), "/");
    answer.whenComplete((response, error) -> {
      if (error != null) {
        LOG.warn("HTTP {} failed for {}", target, remote(), error);
        respond(ctx, head, server.endpoints().text(ctx.alloc(),
            HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error"), false);
      } else {
        respond(ctx, head, response, keepAlive);
      }
    });
  }

  private static void respond(ChannelHandlerContext ctx, HttpRequest request,
      FullHttpResponse response, boolean keepAlive) {
    HttpUtil.setKeepAlive(response, keepAlive);
    if (request.method() == HttpMethod.HEAD) {
      response.content().clear();
    }
    if (keepAlive) {
      ctx.writeAndFlush(response, ctx.voidPromise());
    } else {
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
  }

  private void upgrade(ChannelHandlerContext ctx, FullHttpRequest request) {
    int maxMessageBytes = context.config().maxMessageBytes();
    WebSocketDecoderConfig decoderConfig = WebSocketDecoderConfig.newBuilder()
        .maxFramePayloadLength(maxMessageBytes)
        .allowExtensions(false)
        .closeOnProtocolViolation(false)
        .build();
    handshaker = new WebSocketServerHandshakerFactory(
        webSocketLocation(request), null, decoderConfig).newHandshaker(request);
    if (handshaker == null) {
      WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
      if (admitted) {
        // No WebSocket on this connection: give its slot back now, not when it closes.
        admitted = false;
        server.gate().release();
      }
      return;
    }
    handshaker.handshake(ctx.channel(), request).addListener((ChannelFutureListener) f -> {
      if (f.isSuccess()) {
        onWebSocketOpen(ctx);
      }
    });
    // Installed now, in front of this handler, so no frame can pass before it. Whole messages
    // are checked for UTF-8 in onText (faster than Netty's per-frame Utf8FrameValidator).
    ctx.pipeline().addBefore(ctx.name(), "aggregator", new WebSocketFrameAggregator(maxMessageBytes));
  }

  private static String webSocketLocation(FullHttpRequest request) {
    String host = request.headers().get(HttpHeaderNames.HOST, "localhost");
    return "ws://" + host + request.uri();
  }

  private void onWebSocketOpen(ChannelHandlerContext ctx) {
    // From now on the tracker's idle sweep (on the injected clock) watches this connection.
    ctx.pipeline().remove("idle");
    lastMessageMillis = context.clock().millis();
    InetAddress ip = ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress();
    session = new SignalingSession(context, this, remote(), new ConnectionPolicy(context.config(),
        grant, server.ipLimiter().rates(ip, lastMessageMillis), lastMessageMillis));
    context.stats().connectionOpened();
    server.channels().add(ctx.channel());
    if (!server.ipLimiter().tryAcquire(ip)) {
      reject(Rejection.TOO_MANY_CONNECTIONS_PER_IP, WebSocketCloseStatus.POLICY_VIOLATION,
          "too many connections from " + ip.getHostAddress()
              + " (max " + context.config().maxConnectionsPerIp() + ")");
      return;
    }
    countedIp = ip;
    if (!server.isServing()) {
      closeWith(WebSocketCloseStatus.ENDPOINT_UNAVAILABLE, "tracker shutting down");
    }
  }

  private void reject(Rejection reason, WebSocketCloseStatus status, String text) {
    context.stats().rejected(reason);
    context.warnings().warn("closing connection (" + status.code() + ")", remote(), text);
    closeWith(status, text);
  }

  /**
   * Starts the closing handshake: sends a close frame, then closes the TCP connection when the
   * client answers or closes, or after {@link #CLOSE_GRACE_MILLIS}. Closing at once would reset
   * the connection if unread input were pending, and the client could lose the close frame.
   */
  void closeWith(WebSocketCloseStatus status, String reason) {
    if (closing) {
      return;
    }
    closing = true;
    Channel ch = channel;
    ch.writeAndFlush(new CloseWebSocketFrame(status.code(), reason)).addListener(f -> {
      if (f.isSuccess()) {
        ch.eventLoop().schedule(() -> {
          ch.close();
        }, CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
      } else {
        ch.close();
      }
    });
  }

  /** Closes the WebSocket with 1001 if no message came within the idle timeout. */
  void closeIfIdle(long nowMillis) {
    if (session != null && !closing
        && nowMillis - lastMessageMillis > context.config().idleTimeoutSeconds() * 1000L) {
      context.stats().rejected(Rejection.IDLE_TIMEOUT);
      LOG.debug("closing idle connection from {}", remote());
      closeWith(WebSocketCloseStatus.ENDPOINT_UNAVAILABLE, "idle timeout");
    }
  }

  /**
   * Closes the connection if its queue has stayed above {@code maxQueuedBytesPerConnection}
   * for {@code slowReaderTimeoutMillis}: a client that does not read its socket. No close frame
   * (it could not be delivered); the queued messages are released at once.
   */
  void closeIfSlow(long nowMillis) {
    if (unwritableSinceMillis >= 0 && channel.isActive()
        && nowMillis - unwritableSinceMillis >= context.config().slowReaderTimeoutMillis()) {
      unwritableSinceMillis = -1;
      context.stats().rejected(Rejection.SLOW_READER);
      context.warnings().warn("closing connection", remote(), "it did not read "
          + context.config().maxQueuedBytesPerConnection() + " queued bytes within "
          + context.config().slowReaderTimeoutMillis() + " ms");
      channel.close();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
    if (ctx.channel().isWritable()) {
      unwritableSinceMillis = -1;
    } else if (unwritableSinceMillis < 0) {
      unwritableSinceMillis = context.clock().millis();
      scheduleSlowCheck(ctx.channel(), context.config().slowReaderTimeoutMillis());
    }
    super.channelWritabilityChanged(ctx);
  }

  /** Checks for a slow reader after {@code delayMillis}, and again while it stays unwritable. */
  private void scheduleSlowCheck(Channel ch, long delayMillis) {
    ch.eventLoop().schedule(() -> {
      long since = unwritableSinceMillis;
      if (since < 0 || !ch.isActive()) {
        return;
      }
      long now = context.clock().millis();
      closeIfSlow(now);
      if (unwritableSinceMillis >= 0) {
        long remaining = context.config().slowReaderTimeoutMillis() - (now - since);
        scheduleSlowCheck(ch, Math.max(10, remaining));
      }
    }, delayMillis, TimeUnit.MILLISECONDS);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof IdleStateEvent) {
      // Only before the upgrade: an HTTP connection that sends nothing.
      ctx.close();
      return;
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    if (session != null) {
      session.onClose();
      session = null;
      context.stats().connectionClosed();
    }
    if (countedIp != null) {
      server.ipLimiter().release(countedIp);
      countedIp = null;
    }
    if (admitted) {
      admitted = false;
      server.gate().release();
    }
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (!ctx.channel().isActive()) {
      // Input still decoded after we closed the connection, e.g. Netty's HTTP pipelining
      // limit tripped by requests we no longer answer: nothing left to do.
      LOG.debug("after closing the connection from {}: {}", remote(), cause.toString());
      return;
    }
    if (cause instanceof CorruptedWebSocketFrameException e) {
      // The frame decoder now discards all input; we send the close frame with its status.
      WebSocketCloseStatus status =
          e.closeStatus() != null ? e.closeStatus() : WebSocketCloseStatus.PROTOCOL_ERROR;
      boolean tooBig = status.code() == WebSocketCloseStatus.MESSAGE_TOO_BIG.code();
      context.stats().rejected(tooBig ? Rejection.MESSAGE_TOO_BIG : Rejection.PROTOCOL_ERROR);
      context.warnings().warn("closing connection (" + status.code() + ")", remote(),
          e.getMessage());
      closeWith(status, tooBig
          ? "message larger than " + context.config().maxMessageBytes() + " bytes"
          : String.valueOf(e.getMessage()));
    } else if (cause instanceof TooLongFrameException) {
      context.stats().rejected(Rejection.MESSAGE_TOO_BIG);
      context.warnings().warn("closing connection (1009)", remote(), cause.getMessage());
      closeWith(WebSocketCloseStatus.MESSAGE_TOO_BIG,
          "message larger than " + context.config().maxMessageBytes() + " bytes");
    } else if (cause instanceof IOException) {
      LOG.debug("connection from {} failed: {}", remote(), cause.toString());
      ctx.close();
    } else {
      LOG.warn("unexpected error on connection from {}, closing it", remote(), cause);
      ctx.close();
    }
  }

  @Override
  public boolean send(ServerMessage message) {
    Channel ch = channel;
    if (!canWrite(ch)) {
      return false;
    }
    boolean relay = message instanceof RelayedOffer || message instanceof RelayedAnswer;
    long startNanos = relay ? System.nanoTime() : 0;
    ByteBuf buf = ch.alloc().buffer(sizeHint(message));
    try {
      context.codec().encode(message, new ByteBufOutputStream(buf));
    } catch (IOException | RuntimeException e) {
      buf.release();
      LOG.warn("cannot encode {} for {}", message.getClass().getSimpleName(), remote(), e);
      return false;
    }
    return write(ch, buf, relay, startNanos);
  }

  @Override
  public boolean sendEncoded(byte[] json, boolean relay) {
    Channel ch = channel;
    if (!canWrite(ch)) {
      return false;
    }
    long startNanos = relay ? System.nanoTime() : 0;
    return write(ch, ch.alloc().buffer(json.length).writeBytes(json), relay, startNanos);
  }

  private boolean canWrite(Channel ch) {
    if (ch == null || !ch.isActive()) {
      return false;
    }
    if (!ch.isWritable()) {
      context.stats().rejected(Rejection.SLOW_CONSUMER);
      return false;
    }
    return true;
  }

  /** Writes one text frame of {@code buf} (which it owns from now on) within the budgets. */
  private boolean write(Channel ch, ByteBuf buf, boolean relay, long startNanos) {
    int bytes = buf.readableBytes();
    OutboundBudget budget = server.outbound();
    if (!budget.tryReserve(bytes)) {
      buf.release();
      context.stats().rejected(Rejection.QUEUED_BYTES_TOTAL);
      return false;
    }
    if (relay) {
      TrackerMetrics metrics = server.endpoints().metrics();
      ch.writeAndFlush(new TextWebSocketFrame(buf)).addListener(f -> {
        budget.release(bytes);
        if (f.isSuccess()) {
          metrics.relayWritten(System.nanoTime() - startNanos);
        }
      });
    } else {
      ch.writeAndFlush(new TextWebSocketFrame(buf)).addListener(f -> budget.release(bytes));
    }
    return true;
  }

  /** Room for the whole encoded message, so that the buffer is not grown while writing. */
  private static int sizeHint(ServerMessage message) {
    if (message instanceof RelayedOffer offer) {
      return offer.sdp().length() + 192;
    }
    if (message instanceof RelayedAnswer answer) {
      return answer.sdp().length() + 192;
    }
    return 256;
  }

  @Override
  public String describe() {
    return String.valueOf(remote());
  }

  private Object remote() {
    return channel == null ? "?" : channel.remoteAddress();
  }
}
