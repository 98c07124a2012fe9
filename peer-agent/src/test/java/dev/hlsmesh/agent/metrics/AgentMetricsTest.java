package dev.hlsmesh.agent.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hlsmesh.agent.SwarmKey;
import dev.hlsmesh.agent.stats.AgentStats;
import dev.hlsmesh.agent.stats.CdnFallbackReason;
import dev.hlsmesh.agent.stats.SegmentSourceKind;
import dev.hlsmesh.testsupport.ManualClock;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AgentMetricsTest {
  private static final SwarmKey SWARM = SwarmKey.ofHex("abababababababababababababababababababab");
  private final AgentStats stats = new AgentStats(new ManualClock());
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  private void recordSomeDelivery() {
    stats.recordReceived(SegmentSourceKind.CDN, 1_000);
    stats.recordReceived(SegmentSourceKind.PEER, 3_000);
    stats.recordUploaded(5_000);
    stats.recordSegmentLoaded(SWARM, 1, SegmentSourceKind.CDN, null, 1_000, 120);
    stats.recordSegmentLoaded(SWARM, 2, SegmentSourceKind.PEER, "peer-a", 3_000, 40);
    stats.recordSegmentLoaded(SWARM, 3, SegmentSourceKind.PEER, "peer-b", 3_000, 600);
    stats.recordCdnFallback(SWARM, 1, CdnFallbackReason.DEADLINE);
    stats.recordCdnFallback(SWARM, 4, CdnFallbackReason.ELECTED);
    stats.recordCdnFallback(SWARM, 5, CdnFallbackReason.ELECTED);
    stats.recordValidationFailure(SWARM, 6, SegmentSourceKind.PEER, "peer-b", "sha-256 differs");
    stats.recordStall(1_500);
    stats.connectedPeers(() -> 3);
  }

  @Test
  void everyFigureIsAMeterWithItsTags() {
    AgentMetrics.bind(stats, registry, Tags.of("agent", "7"));
    recordSomeDelivery();

    assertThat(registry.get("hlsmesh.agent.received").tags("agent", "7", "source", "cdn").functionCounter().count())
        .isEqualTo(1_000);
    assertThat(registry.get("hlsmesh.agent.received").tag("source", "p2p").functionCounter().count()).isEqualTo(3_000);
    assertThat(registry.get("hlsmesh.agent.uploaded").functionCounter().count()).isEqualTo(5_000);
    Timer p2p = registry.get("hlsmesh.agent.segment.fetch").tag("source", "p2p").timer();
    assertThat(p2p.count()).isEqualTo(2);
    assertThat(p2p.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(640);
    assertThat(registry.get("hlsmesh.agent.segment.fetch").tag("source", "cdn").timer().count()).isEqualTo(1);
    assertThat(registry.get("hlsmesh.agent.cdn.fallbacks").tag("reason", "elected").functionCounter().count())
        .isEqualTo(2);
    assertThat(registry.get("hlsmesh.agent.cdn.fallbacks").tag("reason", "deadline").functionCounter().count())
        .isEqualTo(1);
    assertThat(registry.get("hlsmesh.agent.cdn.fallbacks").tag("reason", "p2p_disabled").functionCounter().count())
        .isZero();
    assertThat(registry.get("hlsmesh.agent.validation.failures").functionCounter().count()).isEqualTo(1);
    assertThat(registry.get("hlsmesh.agent.stalls").functionCounter().count()).isEqualTo(1);
    assertThat(registry.get("hlsmesh.agent.stall.duration").functionCounter().count()).isEqualTo(1.5);
    assertThat(registry.get("hlsmesh.agent.peers.connected").gauge().value()).isEqualTo(3);
    assertThat(registry.get("hlsmesh.agent.events.dropped").functionCounter().count()).isZero();
  }

  @Test
  void twoAgentsInOneRegistryAreToldApartByTheirTagsAndClosingRemovesOnlyOnesMeters() {
    AgentStats other = new AgentStats(new ManualClock());
    AgentMetrics first = AgentMetrics.bind(stats, registry, Tags.of("agent", "1"));
    AgentMetrics.bind(other, registry, Tags.of("agent", "2"));
    stats.recordUploaded(10);
    other.recordUploaded(20);
    other.recordSegmentLoaded(SWARM, 1, SegmentSourceKind.PEER, "peer-a", 1, 5);

    assertThat(registry.get("hlsmesh.agent.uploaded").tag("agent", "1").functionCounter().count()).isEqualTo(10);
    assertThat(registry.get("hlsmesh.agent.uploaded").tag("agent", "2").functionCounter().count()).isEqualTo(20);
    assertThat(registry.get("hlsmesh.agent.segment.fetch").tags("agent", "1", "source", "p2p").timer().count())
        .isZero();

    first.close();
    stats.recordSegmentLoaded(SWARM, 2, SegmentSourceKind.PEER, "peer-a", 1, 5);
    assertThat(registry.find("hlsmesh.agent.uploaded").tag("agent", "1").functionCounter()).isNull();
    assertThat(registry.get("hlsmesh.agent.uploaded").tag("agent", "2").functionCounter().count()).isEqualTo(20);
    assertThat(registry.get("hlsmesh.agent.segment.fetch").tags("agent", "2", "source", "p2p").timer().count())
        .isEqualTo(1);
  }

  @Test
  void aPrometheusScrapeHasTheDocumentedNames() {
    PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    AgentMetrics.bind(stats, prometheus);
    recordSomeDelivery();
    String scrape = prometheus.scrape();

    assertThat(scrape).contains(
        "hlsmesh_agent_received_bytes_total{source=\"cdn\"} 1000.0",
        "hlsmesh_agent_received_bytes_total{source=\"p2p\"} 3000.0",
        "hlsmesh_agent_uploaded_bytes_total 5000.0",
        "hlsmesh_agent_segment_fetch_seconds_bucket{source=\"p2p\",le=\"0.05\"} 1",
        "hlsmesh_agent_segment_fetch_seconds_bucket{source=\"p2p\",le=\"1.0\"} 2",
        "hlsmesh_agent_segment_fetch_seconds_count{source=\"cdn\"} 1",
        "hlsmesh_agent_cdn_fallbacks_total{reason=\"elected\"} 2.0",
        "hlsmesh_agent_validation_failures_total 1.0",
        "hlsmesh_agent_stalls_total 1.0",
        "hlsmesh_agent_stall_duration_seconds_total 1.5",
        "hlsmesh_agent_peers_connected 3.0",
        "hlsmesh_agent_events_dropped_total 0.0");
  }
}
