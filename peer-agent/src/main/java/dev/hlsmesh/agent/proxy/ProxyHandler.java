package dev.hlsmesh.agent.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One player connection: GET and HEAD, one request at a time (reading pauses while an answer is
 * pending, so pipelined requests are answered in order), keep-alive as HTTP/1.1 asks, a single
 * {@code Range: bytes=} range answered with 206.
 *
 * <p>Thread: the channel's event loop; answers completing elsewhere are written through the
 * channel, which hands them to the loop.
 */
final class ProxyHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final Logger log = LoggerFactory.getLogger(ProxyHandler.class);
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d{0,19})-(\\d{0,19})");

  private final ProxyCore core;
  private CompletableFuture<ProxyCore.Response> pending;

  ProxyHandler(ProxyCore core) {
    this.core = core;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    if (!request.decoderResult().isSuccess()) {
      write(ctx, text(HttpResponseStatus.BAD_REQUEST, "malformed request"), false);
      return;
    }
    HttpMethod method = request.method();
    boolean head = method.equals(HttpMethod.HEAD);
    if (!head && !method.equals(HttpMethod.GET)) {
      FullHttpResponse response = text(HttpResponseStatus.METHOD_NOT_ALLOWED, "only GET and HEAD");
      response.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
      write(ctx, response, keepAlive);
      return;
    }
    String path;
    try {
      path = new QueryStringDecoder(request.uri()).path();
    } catch (IllegalArgumentException e) {
      write(ctx, text(HttpResponseStatus.BAD_REQUEST, "bad request target"), keepAlive);
      return;
    }
    String range = request.headers().get(HttpHeaderNames.RANGE);
    ctx.channel().config().setAutoRead(false);
    CompletableFuture<ProxyCore.Response> answer = core.get(path, range);
    pending = answer;
    answer.whenComplete((response, error) -> ctx.executor().execute(() -> {
      if (pending == answer) {
        pending = null;
      }
      if (response == null) { // cancelled: the connection is gone
        return;
      }
      write(ctx, toHttp(response, range, head), keepAlive);
      ctx.channel().config().setAutoRead(true);
    }));
  }

  private static FullHttpResponse toHttp(ProxyCore.Response response, String range, boolean head) {
    byte[] body = response.body();
    HttpResponseStatus status = HttpResponseStatus.valueOf(response.status());
    int from = 0;
    int to = body.length; // exclusive
    String contentRange = response.contentRange();
    if (range != null && response.status() == 200) {
      Matcher m = RANGE.matcher(range.strip());
      if (m.matches() && !(m.group(1).isEmpty() && m.group(2).isEmpty())) {
        long first;
        long last;
        if (m.group(1).isEmpty()) { // suffix: the last N bytes
          long suffix = Long.parseLong(m.group(2));
          first = Math.max(0, body.length - suffix);
          last = body.length - 1L;
        } else {
          first = Long.parseLong(m.group(1));
          last = m.group(2).isEmpty() ? body.length - 1L : Math.min(Long.parseLong(m.group(2)), body.length - 1L);
        }
        if (first >= body.length || first > last) {
          FullHttpResponse unsatisfiable = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
              HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE, Unpooled.EMPTY_BUFFER);
          unsatisfiable.headers().set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + body.length);
          unsatisfiable.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
          return unsatisfiable;
        }
        from = (int) first;
        to = (int) last + 1;
        status = HttpResponseStatus.PARTIAL_CONTENT;
        contentRange = "bytes " + first + "-" + last + "/" + body.length;
      }
    }
    FullHttpResponse out = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
        head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body, from, to - from));
    out.headers().set(HttpHeaderNames.CONTENT_TYPE, response.contentType());
    out.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, to - from);
    out.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
    out.headers().set(HttpHeaderNames.ACCEPT_RANGES, "bytes");
    out.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
    if (contentRange != null) {
      out.headers().set(HttpHeaderNames.CONTENT_RANGE, contentRange);
    }
    return out;
  }

  private static FullHttpResponse text(HttpResponseStatus status, String message) {
    byte[] body = (message + "\n").getBytes(StandardCharsets.UTF_8);
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    return response;
  }

  private static void write(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive) {
    if (keepAlive) {
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
      ctx.writeAndFlush(response);
    } else {
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    CompletableFuture<ProxyCore.Response> answer = pending;
    pending = null;
    if (answer != null) {
      answer.cancel(false);
    }
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("player connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
    ctx.close();
  }
}
