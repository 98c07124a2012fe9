package dev.hlsmesh.tracker.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.hlsmesh.tracker.stats.TrackerStats;
import dev.hlsmesh.tracker.swarm.SwarmRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Bodies of {@code /health} and {@code /stats}. Thread-safe. */
final class HttpEndpoints {
  private static final JsonFactory JSON = new JsonFactory();

  private final TrackerStats stats;
  private final SwarmRegistry registry;

  HttpEndpoints(TrackerStats stats, SwarmRegistry registry) {
    this.stats = stats;
    this.registry = registry;
  }

  FullHttpResponse health(ByteBufAllocator alloc, boolean serving) {
    String body = serving ? "{\"status\":\"serving\"}" : "{\"status\":\"stopping\"}";
    return json(alloc, serving ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
        body.getBytes(StandardCharsets.US_ASCII));
  }

  FullHttpResponse stats(ByteBufAllocator alloc) {
    ByteBuf buf = alloc.buffer(1024);
    try (JsonGenerator g = JSON.createGenerator((OutputStream) new ByteBufOutputStream(buf))) {
      g.writeStartObject();
      g.writeNumberField("connections", stats.connections());
      g.writeNumberField("swarms", registry.swarmCount());
      g.writeNumberField("peers", registry.peerCount());
      g.writeObjectFieldStart("messages");
      for (TrackerStats.MessageType type : TrackerStats.MessageType.values()) {
        g.writeNumberField(type.key(), stats.messages(type));
      }
      g.writeEndObject();
      g.writeObjectFieldStart("rejections");
      for (TrackerStats.Rejection reason : TrackerStats.Rejection.values()) {
        g.writeNumberField(reason.key(), stats.rejections(reason));
      }
      g.writeEndObject();
      g.writeEndObject();
    } catch (IOException e) {
      buf.release();
      throw new UncheckedIOException("writing to memory cannot fail", e);
    }
    return response(HttpResponseStatus.OK, buf, "application/json");
  }

  FullHttpResponse text(ByteBufAllocator alloc, HttpResponseStatus status, String text) {
    byte[] bytes = (text + "\n").getBytes(StandardCharsets.UTF_8);
    return response(status, alloc.buffer(bytes.length).writeBytes(bytes), "text/plain; charset=utf-8");
  }

  private static FullHttpResponse json(ByteBufAllocator alloc, HttpResponseStatus status,
      byte[] body) {
    return response(status, alloc.buffer(body.length).writeBytes(body), "application/json");
  }

  private static FullHttpResponse response(HttpResponseStatus status, ByteBuf body,
      String contentType) {
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
    response.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, contentType)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
        .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
    return response;
  }
}
