package dev.hlsmesh.agent.metrics;

import static java.util.Objects.requireNonNull;

import dev.hlsmesh.agent.stats.AgentEvent;
import dev.hlsmesh.agent.stats.AgentEventListener;
import dev.hlsmesh.agent.stats.AgentStats;
import dev.hlsmesh.agent.stats.CdnFallbackReason;
import dev.hlsmesh.agent.stats.SegmentSourceKind;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * An agent's figures as Micrometer meters in the embedding application's registry (Prometheus
 * names in brackets, as micrometer-registry-prometheus writes them):
 *
 * <ul>
 *   <li>{@code hlsmesh.agent.received} (bytes) by {@code source} = {@code p2p} | {@code cdn}
 *       [{@code hlsmesh_agent_received_bytes_total}];</li>
 *   <li>{@code hlsmesh.agent.uploaded} (bytes) [{@code hlsmesh_agent_uploaded_bytes_total}];</li>
 *   <li>{@code hlsmesh.agent.segment.fetch} timer with histogram buckets, by {@code source}
 *       [{@code hlsmesh_agent_segment_fetch_seconds_bucket}, {@code _count}, {@code _sum}];</li>
 *   <li>{@code hlsmesh.agent.cdn.fallbacks} by {@code reason} (a lower-case
 *       {@link CdnFallbackReason}) [{@code hlsmesh_agent_cdn_fallbacks_total}];</li>
 *   <li>{@code hlsmesh.agent.validation.failures}
 *       [{@code hlsmesh_agent_validation_failures_total}];</li>
 *   <li>{@code hlsmesh.agent.stalls} [{@code hlsmesh_agent_stalls_total}] and
 *       {@code hlsmesh.agent.stall.duration} (seconds)
 *       [{@code hlsmesh_agent_stall_duration_seconds_total}];</li>
 *   <li>{@code hlsmesh.agent.peers.connected} gauge [{@code hlsmesh_agent_peers_connected}];</li>
 *   <li>{@code hlsmesh.agent.events.dropped} [{@code hlsmesh_agent_events_dropped_total}]: events
 *       a slow event listener lost.</li>
 * </ul>
 *
 * <p>Counters read the stats' own counters when the registry is scraped (nothing is counted
 * twice); only the fetch-time timer is recorded per segment, on the recording thread, which
 * Micrometer's timers allow (no locks, no I/O). Several agents in one registry need a tag that
 * tells them apart (e.g. {@code agent=1}).
 *
 * <p>Thread-safe.
 */
public final class AgentMetrics implements AutoCloseable {
  /** Histogram bucket bounds of the segment fetch time. */
  private static final Duration[] FETCH_BUCKETS = {
      Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
      Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4),
      Duration.ofSeconds(8), Duration.ofSeconds(16)};

  private final AgentStats stats;
  private final MeterRegistry registry;
  private final List<Meter> meters = new ArrayList<>();
  private final Map<SegmentSourceKind, Timer> fetchTimers = new EnumMap<>(SegmentSourceKind.class);
  private final AgentEventListener listener = this::onEvent;

  private AgentMetrics(AgentStats stats, MeterRegistry registry, Tags tags) {
    this.stats = stats;
    this.registry = registry;
    for (SegmentSourceKind source : SegmentSourceKind.values()) {
      Tags bySource = tags.and("source", sourceTag(source));
      meters.add(FunctionCounter.builder("hlsmesh.agent.received", stats, s -> s.receivedBytes(source))
          .baseUnit("bytes").description("Segment bytes received for playback, by source").tags(bySource)
          .register(registry));
      Timer timer = Timer.builder("hlsmesh.agent.segment.fetch")
          .description("Time of the transfer that delivered a segment, by source").tags(bySource)
          .serviceLevelObjectives(FETCH_BUCKETS).register(registry);
      fetchTimers.put(source, timer);
      meters.add(timer);
    }
    meters.add(FunctionCounter.builder("hlsmesh.agent.uploaded", stats, AgentStats::uploadedBytes)
        .baseUnit("bytes").description("Segment bytes uploaded to peers").tags(tags).register(registry));
    for (CdnFallbackReason reason : CdnFallbackReason.values()) {
      meters.add(FunctionCounter.builder("hlsmesh.agent.cdn.fallbacks", stats, s -> s.cdnFallbacks(reason))
          .description("Segments the scheduler fetched from the CDN, by reason")
          .tags(tags.and("reason", reason.name().toLowerCase(Locale.ROOT))).register(registry));
    }
    meters.add(FunctionCounter.builder("hlsmesh.agent.validation.failures", stats, AgentStats::validationFailures)
        .description("Segments discarded because their bytes failed verification").tags(tags).register(registry));
    meters.add(FunctionCounter.builder("hlsmesh.agent.stalls", stats, AgentStats::stalls)
        .description("Playback stalls that ended").tags(tags).register(registry));
    meters.add(FunctionCounter.builder("hlsmesh.agent.stall.duration", stats, s -> s.stallMillis() / 1000.0)
        .baseUnit("seconds").description("Total time playback was stalled").tags(tags).register(registry));
    meters.add(Gauge.builder("hlsmesh.agent.peers.connected", stats, AgentStats::connectedPeers)
        .description("Peers connected now, all swarms").tags(tags).register(registry));
    meters.add(FunctionCounter.builder("hlsmesh.agent.events.dropped", stats, AgentStats::droppedEvents)
        .description("Agent events not delivered because an event listener was too slow").tags(tags)
        .register(registry));
    stats.addEventListener(listener, Runnable::run);
  }

  /** Binds {@code stats} to {@code registry} with no tags of its own (one agent per registry). */
  public static AgentMetrics bind(AgentStats stats, MeterRegistry registry) {
    return bind(stats, registry, Tags.empty());
  }

  /**
   * Binds {@code stats} to {@code registry}, every meter carrying {@code tags} (e.g.
   * {@code Tags.of("agent", "1")} when several agents share the registry).
   */
  public static AgentMetrics bind(AgentStats stats, MeterRegistry registry, Iterable<Tag> tags) {
    return new AgentMetrics(requireNonNull(stats, "stats"), requireNonNull(registry, "registry"),
        Tags.of(requireNonNull(tags, "tags")));
  }

  private void onEvent(AgentEvent event) {
    if (event instanceof AgentEvent.SegmentLoaded loaded) {
      fetchTimers.get(loaded.source()).record(loaded.fetchMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** Unbinds: the meters leave the registry and the stats' events are no longer observed. */
  @Override
  public void close() {
    stats.removeEventListener(listener);
    for (Meter meter : meters) {
      registry.remove(meter);
    }
  }

  private static String sourceTag(SegmentSourceKind source) {
    return source == SegmentSourceKind.PEER ? "p2p" : "cdn";
  }
}
