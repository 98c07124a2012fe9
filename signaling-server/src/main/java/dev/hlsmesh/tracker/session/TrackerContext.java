package dev.hlsmesh.tracker.session;

import static java.util.Objects.requireNonNull;

import dev.hlsmesh.protocol.tracker.TrackerCodec;
import dev.hlsmesh.tracker.cluster.ClusterStatus;
import dev.hlsmesh.tracker.config.TrackerConfig;
import dev.hlsmesh.tracker.stats.RateLimitedLog;
import dev.hlsmesh.tracker.stats.TrackerStats;
import dev.hlsmesh.tracker.swarm.SwarmRegistry;
import java.time.Clock;

/**
 * What every connection of one tracker shares; all members are immutable or thread-safe.
 *
 * @param config the validated configuration
 * @param registry swarms and pending offers
 * @param codec JSON codec
 * @param stats counters
 * @param warnings rate-limited WARN log for rejected input
 * @param clock the time source for expiry and rate limits (injected for tests)
 * @param cluster the cluster this node is part of, or {@link ClusterStatus#NONE}
 */
public record TrackerContext(TrackerConfig config, SwarmRegistry registry, TrackerCodec codec,
    TrackerStats stats, RateLimitedLog warnings, Clock clock, ClusterStatus cluster) {

  /** A context without a cluster. */
  public TrackerContext(TrackerConfig config, SwarmRegistry registry, TrackerCodec codec,
      TrackerStats stats, RateLimitedLog warnings, Clock clock) {
    this(config, registry, codec, stats, warnings, clock, ClusterStatus.NONE);
  }

  public TrackerContext {
    requireNonNull(config, "config");
    requireNonNull(registry, "registry");
    requireNonNull(codec, "codec");
    requireNonNull(stats, "stats");
    requireNonNull(warnings, "warnings");
    requireNonNull(clock, "clock");
    requireNonNull(cluster, "cluster");
  }
}
