package dev.hlsmesh.agent.scheduler;

import java.util.ArrayList;
import java.util.List;

/**
 * How the {@link HybridSegmentLoader} chooses between peers and the CDN (docs/configuration.md,
 * "Scheduler").
 *
 * @param p2pEnabled false: every segment comes from the CDN and nothing is stored or announced;
 *     the agent behaves exactly like a plain player
 * @param uploadEnabled false: segments are still taken from peers but not kept for them, so the
 *     agent announces and serves nothing
 * @param electedFetchers how many agents of a neighbourhood fetch a new segment that nobody holds
 *     from the CDN at once (rendezvous hashing over the peer ids each agent sees)
 * @param electionWaitMillis how long an agent that was not elected waits, per rank below the
 *     elected ones, for a neighbour to announce the segment before fetching it from the CDN itself
 * @param electionJitterMillis a random extra wait of up to this much, drawn per segment, so that
 *     agents of equal rank in different neighbourhoods do not all give up at once
 * @param safetyFactor the safety margin is this many times the time the CDN is expected to take
 *     for the segment (from measured CDN throughput) ...
 * @param minSafetyMarginMillis ... plus this; once the playback deadline is closer than the
 *     margin, the segment goes to the CDN
 * @param initialCdnBytesPerSecond the CDN throughput assumed before the first measurement
 * @param initialPeerBytesPerSecond a peer's throughput assumed before it delivered anything
 */
public record SchedulerSettings(boolean p2pEnabled, boolean uploadEnabled, int electedFetchers, long electionWaitMillis,
    long electionJitterMillis, double safetyFactor, long minSafetyMarginMillis, long initialCdnBytesPerSecond,
    long initialPeerBytesPerSecond) {

  /** Validates every setting and reports all problems at once. */
  public SchedulerSettings {
    List<String> problems = new ArrayList<>();
    if (electedFetchers < 1 || electedFetchers > 64) {
      problems.add("scheduler.electedFetchers: " + electedFetchers + " (expected: 1..64)");
    }
    if (electionWaitMillis < 0 || electionWaitMillis > 600_000) {
      problems.add("scheduler.electionWaitMillis: " + electionWaitMillis + " (expected: 0..600000)");
    }
    if (electionJitterMillis < 0 || electionJitterMillis > 600_000) {
      problems.add("scheduler.electionJitterMillis: " + electionJitterMillis + " (expected: 0..600000)");
    }
    if (!(safetyFactor >= 1.0 && safetyFactor <= 100.0)) {
      problems.add("scheduler.safetyFactor: " + safetyFactor + " (expected: 1.0..100.0)");
    }
    if (minSafetyMarginMillis < 0 || minSafetyMarginMillis > 600_000) {
      problems.add("scheduler.minSafetyMarginMillis: " + minSafetyMarginMillis + " (expected: 0..600000)");
    }
    if (initialCdnBytesPerSecond < 1) {
      problems.add("scheduler.initialCdnBytesPerSecond: " + initialCdnBytesPerSecond + " (expected: >= 1)");
    }
    if (initialPeerBytesPerSecond < 1) {
      problems.add("scheduler.initialPeerBytesPerSecond: " + initialPeerBytesPerSecond + " (expected: >= 1)");
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("invalid scheduler settings: " + String.join("; ", problems));
    }
  }

  /**
   * Defaults: P2P and upload on, one elected fetcher, 2.5 s wait per rank plus up to 1 s jitter,
   * margin 2 x expected CDN time + 1 s, 1 MB/s assumed for the CDN and 2 MB/s for peers.
   */
  public static SchedulerSettings defaults() {
    return new SchedulerSettings(true, true, 1, 2_500, 1_000, 2.0, 1_000, 1_000_000, 2_000_000);
  }

  /** These settings with P2P (and so upload) switched off: a plain CDN player. */
  public SchedulerSettings withP2pDisabled() {
    return new SchedulerSettings(false, false, electedFetchers, electionWaitMillis, electionJitterMillis, safetyFactor,
        minSafetyMarginMillis, initialCdnBytesPerSecond, initialPeerBytesPerSecond);
  }

  /** These settings with upload switched off (segments still come from peers). */
  public SchedulerSettings withUploadDisabled() {
    return new SchedulerSettings(p2pEnabled, false, electedFetchers, electionWaitMillis, electionJitterMillis,
        safetyFactor, minSafetyMarginMillis, initialCdnBytesPerSecond, initialPeerBytesPerSecond);
  }
}
