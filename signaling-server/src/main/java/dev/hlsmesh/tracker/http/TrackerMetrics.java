package dev.hlsmesh.tracker.http;

import dev.hlsmesh.tracker.cluster.ClusterStatus;
import dev.hlsmesh.tracker.stats.TrackerStats;
import dev.hlsmesh.tracker.stats.TrackerStats.MessageType;
import dev.hlsmesh.tracker.stats.TrackerStats.Rejection;
import dev.hlsmesh.tracker.swarm.SwarmRegistry;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.io.OutputStream;

/**
 * The tracker's Prometheus metrics (docs/operations.md): one registry per tracker, read from
 * {@link TrackerStats} and the {@link SwarmRegistry} when scraped, plus the relay latency
 * histogram and the JVM metrics. Thread-safe.
 */
final class TrackerMetrics {
  /** Upper bounds of the swarm-size buckets (peers per swarm). */
  private static final double[] SWARM_SIZE_BOUNDS =
      {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000};
  /** Upper bounds of the relay latency buckets, seconds: 50 µs .. 1 s. */
  private static final double[] RELAY_LATENCY_BOUNDS = {0.00005, 0.0001, 0.00025, 0.0005, 0.001,
      0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1};
  private static final MessageType[] RECEIVED =
      {MessageType.ANNOUNCE, MessageType.ANSWER, MessageType.SCRAPE};
  private static final String TOKEN_REASON_PREFIX = "token_";

  /**
   * The JVM's metrics, once per process: JvmMetrics remembers every registry it was registered
   * with in a static set, so a registry per tracker would keep every closed tracker reachable.
   */
  private static final PrometheusRegistry JVM = jvmRegistry();

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
  private final Histogram relayLatency;

  TrackerMetrics(TrackerStats stats, SwarmRegistry swarms, ClusterStatus cluster) {
    if (cluster.enabled()) {
      GaugeWithCallback.builder().name("hlsmesh_tracker_cluster_redis_up")
          .help("1 while this cluster node reaches Redis; 0 while it serves its own swarms only")
          .callback(cb -> cb.call(cluster.redisUp() ? 1 : 0)).register(registry);
      GaugeWithCallback.builder().name("hlsmesh_tracker_cluster_nodes")
          .help("Live cluster nodes at the latest heartbeat, this one included")
          .callback(cb -> cb.call(cluster.liveNodes())).register(registry);
      GaugeWithCallback.builder().name("hlsmesh_tracker_cluster_remote_peers")
          .help("Peers connected to other nodes, as this node's replica knows them")
          .callback(cb -> cb.call(cluster.remotePeers())).register(registry);
      CounterWithCallback.builder().name("hlsmesh_tracker_cluster_relay_failures")
          .help("Offers and answers for other nodes' peers that could not be published")
          .callback(cb -> cb.call(cluster.relayFailures())).register(registry);
    }
    GaugeWithCallback.builder().name("hlsmesh_tracker_connections")
        .help("Open WebSocket connections")
        .callback(cb -> cb.call(stats.connections())).register(registry);
    GaugeWithCallback.builder().name("hlsmesh_tracker_swarms")
        .help("Swarms (info hashes) with at least one peer")
        .callback(cb -> cb.call(swarms.swarmCount())).register(registry);
    GaugeWithCallback.builder().name("hlsmesh_tracker_peers")
        .help("Peers over all swarms")
        .callback(cb -> cb.call(swarms.peerCount())).register(registry);
    registry.register(new SwarmSizes(swarms));
    CounterWithCallback.builder().name("hlsmesh_tracker_messages")
        .help("Messages received, by type (announce, answer, scrape; invalid = not decodable)"
            + " and result (ok, rejected = answered with a failure)")
        .labelNames("type", "result")
        .callback(cb -> {
          for (MessageType type : RECEIVED) {
            long received = stats.messages(type);
            long rejected = stats.rejectedMessages(type);
            cb.call(Math.max(0, received - rejected), type.key(), "ok");
            cb.call(rejected, type.key(), "rejected");
          }
          cb.call(stats.rejections(Rejection.INVALID_MESSAGE), "invalid", "rejected");
        }).register(registry);
    CounterWithCallback.builder().name("hlsmesh_tracker_relayed")
        .help("Offers and answers relayed to their target connection")
        .labelNames("type")
        .callback(cb -> {
          cb.call(stats.messages(MessageType.OFFER_RELAYED), "offer");
          cb.call(stats.messages(MessageType.ANSWER_RELAYED), "answer");
        }).register(registry);
    CounterWithCallback.builder().name("hlsmesh_tracker_rejections")
        .help("Refused input, closed connections and dropped relays, by reason")
        .labelNames("reason")
        .callback(cb -> {
          for (Rejection reason : Rejection.values()) {
            cb.call(stats.rejections(reason), reason.key());
          }
        }).register(registry);
    CounterWithCallback.builder().name("hlsmesh_tracker_token_failures")
        .help("Join-token failures by reason (the rejections whose reason starts with token_)")
        .labelNames("reason")
        .callback(cb -> {
          for (Rejection reason : Rejection.values()) {
            if (reason.key().startsWith(TOKEN_REASON_PREFIX)) {
              cb.call(stats.rejections(reason), reason.key());
            }
          }
        }).register(registry);
    CounterWithCallback.builder().name("hlsmesh_tracker_viewer_reports")
        .help("Viewer reports (x_hlsmesh) recorded")
        .callback(cb -> cb.call(stats.reports())).register(registry);
    CounterWithCallback.builder().name("hlsmesh_tracker_viewer_received_bytes")
        .help("Bytes the reporting viewers received, by source (cdn, p2p)")
        .labelNames("source")
        .callback(cb -> {
          cb.call(stats.reportedCdnBytes(), "cdn");
          cb.call(stats.reportedP2pBytes(), "p2p");
        }).register(registry);
    CounterWithCallback.builder().name("hlsmesh_tracker_viewer_uploaded_bytes")
        .help("Bytes the reporting viewers uploaded to peers")
        .callback(cb -> cb.call(stats.reportedUploadedBytes())).register(registry);
    CounterWithCallback.builder().name("hlsmesh_tracker_viewer_stalls")
        .help("Playback stalls the reporting viewers had")
        .callback(cb -> cb.call(stats.reportedStalls())).register(registry);
    CounterWithCallback.builder().name("hlsmesh_tracker_viewer_stall_seconds")
        .help("Playback stall time the reporting viewers had")
        .callback(cb -> cb.call(stats.reportedStallMillis() / 1000.0)).register(registry);
    relayLatency = Histogram.builder().name("hlsmesh_tracker_relay_latency_seconds")
        .help("From handing a relayed offer or answer to its target connection until it was"
            + " written to that socket")
        .classicOnly().classicUpperBounds(RELAY_LATENCY_BOUNDS)
        .register(registry);
  }

  private static PrometheusRegistry jvmRegistry() {
    PrometheusRegistry jvm = new PrometheusRegistry();
    JvmMetrics.builder().register(jvm);
    return jvm;
  }

  /** Records one relay's latency. */
  void relayWritten(long nanos) {
    relayLatency.observe(nanos / 1e9);
  }

  String contentType() {
    return writer.getContentType();
  }

  /** Collects every metric now (the tracker's and the JVM's) and writes them as text. */
  void writeTo(OutputStream out) throws IOException {
    MetricSnapshots.Builder all = MetricSnapshots.builder();
    for (MetricSnapshot snapshot : registry.scrape()) {
      all.metricSnapshot(snapshot);
    }
    for (MetricSnapshot snapshot : JVM.scrape()) {
      all.metricSnapshot(snapshot);
    }
    writer.write(out, all.build());
  }

  /**
   * The number of peers per swarm as a histogram taken at scrape time (one observation per
   * swarm; no per-swarm labels, so the series count stays fixed however many swarms exist).
   */
  private static final class SwarmSizes implements Collector {
    private final SwarmRegistry swarms;

    SwarmSizes(SwarmRegistry swarms) {
      this.swarms = swarms;
    }

    @Override
    public MetricSnapshot collect() {
      long[] counts = new long[SWARM_SIZE_BOUNDS.length + 1];
      long[] sum = new long[1];
      swarms.forEachSwarmSize(size -> {
        int bucket = 0;
        while (bucket < SWARM_SIZE_BOUNDS.length && size > SWARM_SIZE_BOUNDS[bucket]) {
          bucket++;
        }
        counts[bucket]++;
        sum[0] += size;
      });
      double[] bounds = new double[SWARM_SIZE_BOUNDS.length + 1];
      System.arraycopy(SWARM_SIZE_BOUNDS, 0, bounds, 0, SWARM_SIZE_BOUNDS.length);
      bounds[SWARM_SIZE_BOUNDS.length] = Double.POSITIVE_INFINITY;
      return HistogramSnapshot.builder().name("hlsmesh_tracker_swarm_size")
          .help("Peers per swarm, one observation per swarm at scrape time")
          .dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
              .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, counts))
              .sum(sum[0])
              .build())
          .build();
    }
  }
}
