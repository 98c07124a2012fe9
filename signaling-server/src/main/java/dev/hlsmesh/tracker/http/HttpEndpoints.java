package dev.hlsmesh.tracker.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.hlsmesh.protocol.tracker.BinaryId;
import dev.hlsmesh.tracker.cluster.ClusterStatus;
import dev.hlsmesh.tracker.session.TrackerContext;
import dev.hlsmesh.tracker.stats.TrackerStats;
import dev.hlsmesh.tracker.swarm.SwarmRegistry;
import dev.hlsmesh.tracker.swarm.SwarmSummary;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorGroup;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP endpoints on the tracker's port (docs/operations.md): {@code /health} and
 * {@code /stats} (kept for compatibility), {@code /metrics}, {@code /healthz}, {@code /readyz},
 * {@code /swarms} and {@code /dashboard} (whose script fetches {@code swarms} relative to
 * itself). Thread-safe.
 */
final class HttpEndpoints {
  private static final JsonFactory JSON = new JsonFactory();
  /** How long every event loop has to run a no-op task before {@code /healthz} fails. */
  static final long HEALTH_TIMEOUT_MILLIS = 2_000;
  static final int DEFAULT_SWARM_LIMIT = 50;
  static final int MAX_SWARM_LIMIT = 1_000;
  private static final String DASHBOARD_RESOURCE = "dashboard.html";

  private final TrackerContext context;
  private final TrackerStats stats;
  private final SwarmRegistry registry;
  private final List<EventExecutorGroup> eventLoops;
  private final TrackerMetrics metrics;
  private final byte[] dashboard;

  /** @param eventLoops the groups whose every loop {@code /healthz} probes */
  HttpEndpoints(TrackerContext context, List<EventExecutorGroup> eventLoops) {
    this.context = context;
    this.stats = context.stats();
    this.registry = context.registry();
    this.eventLoops = List.copyOf(eventLoops);
    this.metrics = new TrackerMetrics(stats, registry, context.cluster());
    this.dashboard = readResource(DASHBOARD_RESOURCE);
  }

  private static byte[] readResource(String name) {
    try (InputStream in = HttpEndpoints.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name + " next to "
            + HttpEndpoints.class.getName());
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read resource " + name, e);
    }
  }

  TrackerMetrics metrics() {
    return metrics;
  }

  /**
   * The answer to {@code GET uri} for the endpoints added by the observability work, or
   * {@code null} if the path is none of them. Completes at once except for {@code /healthz},
   * which waits for the event loops (on another thread, at most {@link #HEALTH_TIMEOUT_MILLIS}).
   */
  CompletableFuture<FullHttpResponse> get(QueryStringDecoder uri, ByteBufAllocator alloc,
      boolean serving) {
    switch (uri.path()) {
      case "/metrics":
        return CompletableFuture.completedFuture(prometheus(alloc));
      case "/healthz":
        return healthz(alloc);
      case "/readyz":
        return CompletableFuture.completedFuture(readyz(alloc, serving));
      case "/swarms":
        return CompletableFuture.completedFuture(swarms(alloc, uri));
      case "/dashboard":
        return CompletableFuture.completedFuture(response(HttpResponseStatus.OK,
            alloc.buffer(dashboard.length).writeBytes(dashboard), "text/html; charset=utf-8"));
      default:
        return null;
    }
  }

  private FullHttpResponse prometheus(ByteBufAllocator alloc) {
    ByteBuf buf = alloc.buffer(16 * 1024);
    boolean written = false;
    try (OutputStream out = new ByteBufOutputStream(buf)) {
      metrics.writeTo(out);
      written = true;
    } catch (IOException e) {
      throw new UncheckedIOException("writing to memory cannot fail", e);
    } finally {
      if (!written) {
        buf.release();
      }
    }
    return response(HttpResponseStatus.OK, buf, metrics.contentType());
  }

  /** 200 once every event loop ran a no-op task; 503 if one did not within the timeout. */
  private CompletableFuture<FullHttpResponse> healthz(ByteBufAllocator alloc) {
    List<CompletableFuture<Void>> probes = new ArrayList<>();
    for (EventExecutorGroup group : eventLoops) {
      for (EventExecutor loop : group) {
        CompletableFuture<Void> probe = new CompletableFuture<>();
        try {
          loop.execute(() -> probe.complete(null));
        } catch (RejectedExecutionException e) {
          probe.completeExceptionally(e);
        }
        probes.add(probe);
      }
    }
    int count = probes.size();
    return CompletableFuture.allOf(probes.toArray(new CompletableFuture<?>[0]))
        .orTimeout(HEALTH_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
        .handle((ok, error) -> error == null
            ? json(alloc, HttpResponseStatus.OK,
                ("{\"status\":\"ok\",\"eventLoops\":" + count + "}")
                    .getBytes(StandardCharsets.US_ASCII))
            : json(alloc, HttpResponseStatus.SERVICE_UNAVAILABLE,
                ("{\"status\":\"an event loop did not answer within " + HEALTH_TIMEOUT_MILLIS
                    + " ms\"}").getBytes(StandardCharsets.US_ASCII)));
  }

  private FullHttpResponse readyz(ByteBufAllocator alloc, boolean serving) {
    String body = serving ? "{\"status\":\"ready\"" : "{\"status\":\"stopping\"";
    ClusterStatus cluster = context.cluster();
    if (cluster.enabled()) {
      // Still ready without Redis: this node serves its own swarms (docs/operations.md).
      body += ",\"cluster\":{\"node\":\"" + cluster.nodeId() + "\",\"redis\":\""
          + (cluster.redisUp() ? "up" : "down") + "\",\"nodes\":" + cluster.liveNodes()
          + ",\"scope\":\"" + (cluster.redisUp() ? "cluster" : "local swarms only") + "\"}";
    }
    body += "}";
    return json(alloc, serving ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
        body.getBytes(StandardCharsets.US_ASCII));
  }

  private FullHttpResponse swarms(ByteBufAllocator alloc, QueryStringDecoder uri) {
    int limit = DEFAULT_SWARM_LIMIT;
    List<String> limits = uri.parameters().get("limit");
    if (limits != null && !limits.isEmpty()) {
      String raw = limits.get(0);
      try {
        limit = Integer.parseInt(raw);
      } catch (NumberFormatException e) {
        limit = -1;
      }
      if (limit < 1 || limit > MAX_SWARM_LIMIT) {
        return text(alloc, HttpResponseStatus.BAD_REQUEST, "limit: expected 1.." + MAX_SWARM_LIMIT
            + ", got " + (raw.length() > 20 ? raw.substring(0, 20) + "..." : raw));
      }
    }
    long nowMillis = context.clock().millis();
    List<SwarmSummary> summaries = registry.largestSwarms(limit, nowMillis);
    ByteBuf buf = alloc.buffer(4096);
    try (JsonGenerator g = JSON.createGenerator((OutputStream) new ByteBufOutputStream(buf))) {
      g.writeStartObject();
      g.writeNumberField("timeMillis", nowMillis);
      g.writeNumberField("bucketSeconds", SwarmSummary.bucketMillis() / 1000);
      ClusterStatus cluster = context.cluster();
      g.writeNumberField("swarmCount", cluster.enabled() ? cluster.clusterSwarms()
          : registry.swarmCount());
      g.writeNumberField("peerCount", registry.peerCount() + cluster.remotePeers());
      g.writeNumberField("limit", limit);
      g.writeArrayFieldStart("swarms");
      for (SwarmSummary s : summaries) {
        writeSwarm(g, s);
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      buf.release();
      throw new UncheckedIOException("writing to memory cannot fail", e);
    }
    return response(HttpResponseStatus.OK, buf, "application/json");
  }

  private static void writeSwarm(JsonGenerator g, SwarmSummary s) throws IOException {
    g.writeStartObject();
    g.writeStringField("infoHash", s.infoHash().toHex());
    String name = printableName(s.infoHash());
    if (name != null) {
      g.writeStringField("name", name);
    }
    g.writeNumberField("viewers", s.viewers());
    g.writeNumberField("seeders", s.seeders());
    g.writeNumberField("reporting", s.reporters());
    g.writeObjectFieldStart("now");
    writeFigures(g, s.now());
    g.writeEndObject();
    g.writeObjectFieldStart("total");
    writeFigures(g, s.total());
    g.writeEndObject();
    g.writeArrayFieldStart("series");
    for (SwarmSummary.Bucket b : s.series()) {
      g.writeStartObject();
      g.writeNumberField("startMillis", b.startMillis());
      g.writeNumberField("cdnBytes", b.cdnBytes());
      g.writeNumberField("p2pBytes", b.p2pBytes());
      g.writeNumberField("stalls", b.stalls());
      writeRatio(g, "offload", b.offload());
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  private static void writeFigures(JsonGenerator g, SwarmSummary.Figures f) throws IOException {
    g.writeNumberField("cdnBytes", f.cdnBytes());
    g.writeNumberField("p2pBytes", f.p2pBytes());
    g.writeNumberField("uploadedBytes", f.uploadedBytes());
    g.writeNumberField("stalls", f.stalls());
    g.writeNumberField("stallMillis", f.stallMillis());
    g.writeNumberField("peers", f.peers());
    writeRatio(g, "offload", f.offload());
  }

  private static void writeRatio(JsonGenerator g, String name, double ratio) throws IOException {
    if (Double.isNaN(ratio)) {
      g.writeNullField(name);
    } else {
      g.writeNumberField(name, Math.round(ratio * 10_000) / 10_000.0);
    }
  }

  /** The info hash as text when it is printable ASCII (P2PML's are), else null. */
  private static String printableName(BinaryId infoHash) {
    String wire = infoHash.toWireString();
    for (int i = 0; i < wire.length(); i++) {
      char c = wire.charAt(i);
      if (c < 0x20 || c > 0x7E) {
        return null;
      }
    }
    return wire;
  }

  FullHttpResponse health(ByteBufAllocator alloc, boolean serving) {
    String body = serving ? "{\"status\":\"serving\"}" : "{\"status\":\"stopping\"}";
    return json(alloc, serving ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
        body.getBytes(StandardCharsets.US_ASCII));
  }

  FullHttpResponse stats(ByteBufAllocator alloc) {
    ClusterStatus cluster = context.cluster();
    List<ClusterStatus.NodeFigures> others = cluster.otherNodes();
    ByteBuf buf = alloc.buffer(1024);
    try (JsonGenerator g = JSON.createGenerator((OutputStream) new ByteBufOutputStream(buf))) {
      g.writeStartObject();
      // In cluster mode the top-level figures are the cluster's; "node" has this node's own.
      long connections = stats.connections();
      for (ClusterStatus.NodeFigures f : others) {
        connections += f.connections();
      }
      g.writeNumberField("connections", connections);
      g.writeNumberField("swarms", cluster.enabled() ? cluster.clusterSwarms()
          : registry.swarmCount());
      g.writeNumberField("peers", registry.peerCount() + cluster.remotePeers());
      g.writeObjectFieldStart("messages");
      for (TrackerStats.MessageType type : TrackerStats.MessageType.values()) {
        long n = stats.messages(type);
        for (ClusterStatus.NodeFigures f : others) {
          n += f.messages().getOrDefault(type.key(), 0L);
        }
        g.writeNumberField(type.key(), n);
      }
      g.writeEndObject();
      g.writeObjectFieldStart("rejections");
      for (TrackerStats.Rejection reason : TrackerStats.Rejection.values()) {
        long n = stats.rejections(reason);
        for (ClusterStatus.NodeFigures f : others) {
          n += f.rejections().getOrDefault(reason.key(), 0L);
        }
        g.writeNumberField(reason.key(), n);
      }
      g.writeEndObject();
      if (cluster.enabled()) {
        g.writeObjectFieldStart("cluster");
        g.writeStringField("node", cluster.nodeId());
        g.writeStringField("redis", cluster.redisUp() ? "up" : "down");
        g.writeNumberField("nodes", cluster.liveNodes());
        g.writeEndObject();
        g.writeObjectFieldStart("node");
        g.writeNumberField("connections", stats.connections());
        g.writeNumberField("swarms", registry.swarmCount());
        g.writeNumberField("peers", registry.peerCount());
        g.writeObjectFieldStart("messages");
        for (TrackerStats.MessageType type : TrackerStats.MessageType.values()) {
          g.writeNumberField(type.key(), stats.messages(type));
        }
        g.writeEndObject();
        g.writeEndObject();
      }
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
