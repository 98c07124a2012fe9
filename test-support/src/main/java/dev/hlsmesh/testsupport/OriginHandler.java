package dev.hlsmesh.testsupport;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one connection of a test origin ({@link LiveHlsOrigin}, {@link LlHlsOrigin}): asks the
 * origin's {@link Resolver} what a path is, applies an injected {@link Fault} if one matches,
 * holds a request the origin cannot answer yet, honours Range, sends a resource still being
 * produced as its bytes appear, counts body bytes as the socket takes them.
 *
 * <p>Runs on the connection's event loop only (delayed work is scheduled on that same loop).
 */
final class OriginHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

  private static final Logger log = LoggerFactory.getLogger(OriginHandler.class);

  /** Body slice per write, so the byte counters follow a long body as it leaves. */
  private static final int WRITE_SLICE_BYTES = 16 * 1024;

  /**
   * How often a held request or a growing body looks at the origin again. The origin's clock may
   * be a {@link ManualClock} that moves without telling anyone, so both are polled; 5 ms is small
   * beside LL-HLS parts (hundreds of ms) and cheap for the few requests a test holds.
   */
  static final long POLL_MILLIS = 5;

  /** What an origin answers for a request path and its query parameters. Event loop. */
  @FunctionalInterface
  interface Resolver {
    OriginAnswer resolve(String path, Map<String, List<String>> query);
  }

  private final OriginTraffic traffic;
  private final Resolver resolver;

  OriginHandler(OriginTraffic traffic, Resolver resolver) {
    this.traffic = traffic;
    this.resolver = resolver;
  }

  /** What the handler keeps of a request once the request object is released. */
  private record Request(HttpMethod method, String path, Map<String, List<String>> query, String range,
      boolean keepAlive) {}

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest msg) {
    if (!msg.decoderResult().isSuccess()) {
      log.warn("origin: bad HTTP request from {}: {}", ctx.channel().remoteAddress(), msg.decoderResult().cause().toString());
      sendStatus(ctx, HttpResponseStatus.BAD_REQUEST, false);
      return;
    }
    QueryStringDecoder uri = new QueryStringDecoder(msg.uri());
    Request req = new Request(msg.method(), uri.rawPath(), uri.parameters(),
        msg.headers().get(HttpHeaderNames.RANGE), HttpUtil.isKeepAlive(msg));
    if (req.method().equals(HttpMethod.OPTIONS)) {
      // A browser's CORS preflight (a web player on another origin asking for a Range): not a
      // request for content, so not counted.
      FullHttpResponse preflight = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT);
      preflight.headers()
          .set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, "GET, HEAD")
          .set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, "Range")
          .set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, 600)
          .set(HttpHeaderNames.CONTENT_LENGTH, 0);
      send(ctx, preflight, req.keepAlive());
      return;
    }
    traffic.countRequest(req.path());
    if (!req.method().equals(HttpMethod.GET) && !req.method().equals(HttpMethod.HEAD)) {
      sendStatus(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, req.keepAlive());
      return;
    }
    Fault fault = traffic.claimFault(req.path());
    if (fault instanceof Fault.Stall) {
      return;
    }
    if (fault instanceof Fault.ConnectionReset reset && reset.afterBodyBytes() < 0) {
      resetConnection(ctx);
      return;
    }
    if (fault instanceof Fault.Status status) {
      sendStatus(ctx, HttpResponseStatus.valueOf(status.statusCode()), req.keepAlive());
      return;
    }
    // Resolve now: a request answered late still gets what was live when it arrived.
    answerWhenReady(ctx, req, resolver.resolve(req.path(), req.query()), fault);
  }

  /** Answers at once, or polls a held answer until it is ready; then applies a slow first byte. */
  private void answerWhenReady(ChannelHandlerContext ctx, Request req, OriginAnswer answer, Fault fault) {
    if (!ctx.channel().isActive()) {
      return;
    }
    OriginAnswer ready = answer;
    if (answer instanceof OriginAnswer.Held held) {
      ready = held.poll().get();
      if (ready == null) {
        ctx.executor().schedule(() -> answerWhenReady(ctx, req, answer, fault), POLL_MILLIS, TimeUnit.MILLISECONDS);
        return;
      }
      if (ready instanceof OriginAnswer.Held) {
        throw new IllegalStateException("a held answer polled to another held answer for " + req.path());
      }
    }
    OriginAnswer toSend = ready;
    if (fault instanceof Fault.SlowFirstByte slow) {
      ctx.executor().schedule(() -> {
        if (ctx.channel().isActive()) {
          respond(ctx, req, toSend, null);
        }
      }, slow.delay().toNanos(), TimeUnit.NANOSECONDS);
      return;
    }
    respond(ctx, req, toSend, fault);
  }

  private void respond(ChannelHandlerContext ctx, Request req, OriginAnswer answer, Fault fault) {
    OriginAnswer.Resource resource;
    LongSupplier available;
    if (answer instanceof OriginAnswer.Found found) {
      resource = found.resource();
      long whole = resource.bytes().length;
      available = () -> whole;
    } else if (answer instanceof OriginAnswer.Growing growing) {
      resource = growing.resource();
      available = growing.availableBytes();
    } else if (answer instanceof OriginAnswer.Status status) {
      sendStatus(ctx, HttpResponseStatus.valueOf(status.statusCode()), req.keepAlive());
      return;
    } else {
      throw new IllegalStateException("unexpected answer " + answer + " for " + req.path());
    }
    long total = resource.bytes().length;
    long offset = 0;
    long length = total;
    HttpResponseStatus status = HttpResponseStatus.OK;
    if (req.range() != null) {
      long[] range = parseRange(req.range(), total);
      if (range == UNSATISFIABLE) {
        FullHttpResponse response = textResponse(HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE);
        response.headers().set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + total);
        send(ctx, response, req.keepAlive());
        return;
      }
      if (range != null) {
        offset = range[0];
        length = range[1] - range[0] + 1;
        status = HttpResponseStatus.PARTIAL_CONTENT;
      }
    }

    long declaredLength = length;
    long bodyBytesToSend = length;
    boolean closeAfter = !req.keepAlive();
    boolean resetAfter = false;
    if (fault instanceof Fault.TruncatedBody truncated) {
      bodyBytesToSend = Math.min(length, truncated.bodyBytes());
      closeAfter = true;
    } else if (fault instanceof Fault.WrongContentLength wrong) {
      declaredLength = wrong.declaredBytes();
      closeAfter = true;
    } else if (fault instanceof Fault.ConnectionReset reset) {
      bodyBytesToSend = Math.min(length, reset.afterBodyBytes());
      resetAfter = true;
    }

    HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
    response.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, resource.contentType())
        .set(HttpHeaderNames.CONTENT_LENGTH, declaredLength)
        .set(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES)
        .set(HttpHeaderNames.CACHE_CONTROL, resource.contentType().equals(OriginAnswer.Resource.PLAYLIST)
            ? "no-cache" : "max-age=3600");
    if (status == HttpResponseStatus.PARTIAL_CONTENT) {
      response.headers().set(HttpHeaderNames.CONTENT_RANGE,
          "bytes " + offset + "-" + (offset + length - 1) + "/" + total);
    }
    setConnection(response, !closeAfter && !resetAfter);
    ChannelFuture headersWritten = ctx.write(response);
    if (req.method().equals(HttpMethod.HEAD)) {
      bodyBytesToSend = 0;
    }
    Ending ending = resetAfter ? Ending.RESET : closeAfter ? Ending.CLOSE : Ending.KEEP_ALIVE;
    Body body = new Body(ctx, req.path(), resource.bytes(), available, (int) offset, (int) bodyBytesToSend, ending,
        headersWritten);
    if (fault instanceof Fault.SlowBody slow) {
      body.sendSlowly(slow.chunkBytes(), slow.interval().toNanos());
    } else {
      body.sendAvailable();
    }
  }

  private enum Ending { KEEP_ALIVE, CLOSE, RESET }

  /**
   * Writes a body slice by slice, counting the bytes the socket takes; of a resource still being
   * produced, only the bytes produced so far, then the rest as it appears. Event loop only.
   */
  private final class Body {
    private final ChannelHandlerContext ctx;
    private final String path;
    private final byte[] bytes;
    private final LongSupplier available;
    private final int end;
    private final Ending ending;
    private int position;
    private ChannelFuture lastWrite;

    Body(ChannelHandlerContext ctx, String path, byte[] bytes, LongSupplier available, int offset, int length,
        Ending ending, ChannelFuture headersWritten) {
      this.lastWrite = headersWritten;
      this.ctx = ctx;
      this.path = path;
      this.bytes = bytes;
      this.available = available;
      this.position = offset;
      this.end = offset + length;
      this.ending = ending;
    }

    /** Sends what is produced; comes back every {@link #POLL_MILLIS} for the rest. */
    void sendAvailable() {
      if (!ctx.channel().isActive()) {
        return;
      }
      int ready = readyEnd();
      while (position < ready) {
        writeSlice(Math.min(WRITE_SLICE_BYTES, ready - position));
      }
      if (position >= end) {
        finish();
        return;
      }
      ctx.flush();
      ctx.executor().schedule(this::sendAvailable, POLL_MILLIS, TimeUnit.MILLISECONDS);
    }

    void sendSlowly(int chunkBytes, long intervalNanos) {
      if (!ctx.channel().isActive()) {
        return;
      }
      if (position >= end) {
        finish();
        return;
      }
      int ready = readyEnd();
      if (position < ready) {
        writeSlice(Math.min(chunkBytes, ready - position));
        ctx.flush();
      }
      ctx.executor().schedule(() -> sendSlowly(chunkBytes, intervalNanos), intervalNanos, TimeUnit.NANOSECONDS);
    }

    /** The end of the bytes that may be sent now: produced, and inside this body. */
    private int readyEnd() {
      return (int) Math.min(end, Math.max(position, available.getAsLong()));
    }

    private void writeSlice(int length) {
      int sliceLength = length;
      lastWrite = ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(bytes, position, sliceLength)));
      lastWrite.addListener(f -> {
            if (f.isSuccess()) {
              traffic.countBytes(path, sliceLength);
            }
          });
      position += sliceLength;
    }

    private void finish() {
      switch (ending) {
        case KEEP_ALIVE -> ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        case CLOSE -> ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
        case RESET -> {
          // Reset only once the bytes so far have reached the socket, so the client gets them.
          ctx.flush();
          lastWrite.addListener(f -> resetConnection(ctx));
        }
      }
    }
  }

  /** Closes with SO_LINGER 0, which makes the kernel send RST instead of FIN. */
  private static void resetConnection(ChannelHandlerContext ctx) {
    ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
    ctx.channel().close();
  }

  private static void sendStatus(ChannelHandlerContext ctx, HttpResponseStatus status, boolean keepAlive) {
    send(ctx, textResponse(status), keepAlive);
  }

  private static FullHttpResponse textResponse(HttpResponseStatus status) {
    byte[] text = (status.code() + " " + status.reasonPhrase() + "\n").getBytes(StandardCharsets.US_ASCII);
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(text));
    response.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=us-ascii")
        .set(HttpHeaderNames.CONTENT_LENGTH, text.length);
    return response;
  }

  private static void send(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive) {
    setConnection(response, keepAlive);
    if (keepAlive) {
      ctx.writeAndFlush(response);
    } else {
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
  }

  private static void setConnection(HttpResponse response, boolean keepAlive) {
    response.headers().set(HttpHeaderNames.CONNECTION, keepAlive ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
    // Every answer may be read by a web player on any origin, as a CDN serving hls.js allows.
    response.headers()
        .set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*")
        .set(HttpHeaderNames.ACCESS_CONTROL_EXPOSE_HEADERS, "Content-Length, Content-Range");
  }

  /** Marker returned by {@link #parseRange} for a syntactically valid range outside the body. */
  static final long[] UNSATISFIABLE = new long[0];

  /**
   * Parses a single {@code bytes=} range against a body of {@code total} bytes (RFC 9110
   * section 14.1.2): returns {first, last} inclusive, {@link #UNSATISFIABLE}, or null when the
   * header is to be ignored (not a single valid byte range: the whole body is sent).
   */
  static long[] parseRange(String header, long total) {
    String value = header.trim();
    if (!value.regionMatches(true, 0, "bytes=", 0, 6)) {
      return null;
    }
    String spec = value.substring(6).trim();
    if (spec.contains(",")) {
      return null;
    }
    int dash = spec.indexOf('-');
    if (dash < 0) {
      return null;
    }
    String firstText = spec.substring(0, dash).trim();
    String lastText = spec.substring(dash + 1).trim();
    long first = parseNonNegative(firstText);
    long last = parseNonNegative(lastText);
    if (firstText.isEmpty()) {
      if (last < 0) {
        return null;
      }
      if (last == 0 || total == 0) {
        return UNSATISFIABLE;
      }
      return new long[] {Math.max(0, total - last), total - 1};
    }
    if (first < 0 || (!lastText.isEmpty() && (last < 0 || last < first))) {
      return null;
    }
    if (first >= total) {
      return UNSATISFIABLE;
    }
    return new long[] {first, lastText.isEmpty() ? total - 1 : Math.min(last, total - 1)};
  }

  private static long parseNonNegative(String digits) {
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

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // Clients that give up mid-body (deadlines, resets) are routine for a test origin.
    log.debug("origin: connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
    ctx.close();
  }
}
