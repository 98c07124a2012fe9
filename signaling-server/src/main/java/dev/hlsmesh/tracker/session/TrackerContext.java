package dev.hlsmesh.tracker.session;

import static java.util.Objects.requireNonNull;

import dev.hlsmesh.protocol.tracker.TrackerCodec;
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
 */
public record TrackerContext(TrackerConfig config, SwarmRegistry registry, TrackerCodec codec,
    TrackerStats stats, RateLimitedLog warnings, Clock clock) {
  public TrackerContext {
    requireNonNull(config, "config");
    requireNonNull(registry, "registry");
    requireNonNull(codec, "codec");
    requireNonNull(stats, "stats");
    requireNonNull(warnings, "warnings");
    requireNonNull(clock, "clock");
  }
}
