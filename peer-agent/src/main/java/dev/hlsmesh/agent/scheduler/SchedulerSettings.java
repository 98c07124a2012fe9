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
 * @param electionSpreadMillis every agent, elected or not, waits {@code (1 - score) x} this much
 *     (score in [0, 1), the rendezvous hash of segment and peer id) before fetching a segment nobody
 *     has: agents that each rank first in their own partial view of a large swarm then fetch one
 *     after the other, the best-scoring first, instead of all at once
 * @param electionJitterMillis a random extra wait of up to this much, drawn per segment (0: none)
 * @param safetyFactor the safety margin is this many times the time the CDN is expected to take
 *     for the segment (from measured CDN throughput) ...
 * @param minSafetyMarginMillis ... plus this; once the playback deadline is closer than the
 *     margin, the segment goes to the CDN
 * @param initialCdnBytesPerSecond the CDN throughput assumed before the first measurement
 * @param initialPeerBytesPerSecond a peer's throughput assumed before it delivered anything
 * @param joinGraceMillis for this long after the scheduler starts, a segment that no neighbour has
 *     waits (up to its safety point) while the agent has no neighbours yet: it is still connecting,
 *     and the others of a swarm that starts together are in the same situation. Later, an agent
 *     without neighbours fetches at once, like a plain player
 * @param cdnFetchTimeoutMillis one segment fetch from the CDN, its retries and failover included,
 *     ends by then (the CDN loader's deadline; the CDN configuration's timeouts apply per attempt)
 */
public record SchedulerSettings(boolean p2pEnabled, boolean uploadEnabled, int electedFetchers, long electionWaitMillis,
    long electionSpreadMillis, long electionJitterMillis, double safetyFactor, long minSafetyMarginMillis, long initialCdnBytesPerSecond,
    long initialPeerBytesPerSecond, long joinGraceMillis, long cdnFetchTimeoutMillis) {

  /** The CDN fetch deadline when none is given: 10 s. */
  static final long DEFAULT_CDN_FETCH_TIMEOUT_MILLIS = 10_000;

  /** As the canonical constructor, with the default CDN fetch deadline (10 s). */
  public SchedulerSettings(boolean p2pEnabled, boolean uploadEnabled, int electedFetchers, long electionWaitMillis,
      long electionSpreadMillis, long electionJitterMillis, double safetyFactor, long minSafetyMarginMillis,
      long initialCdnBytesPerSecond, long initialPeerBytesPerSecond, long joinGraceMillis) {
    this(p2pEnabled, uploadEnabled, electedFetchers, electionWaitMillis, electionSpreadMillis, electionJitterMillis,
        safetyFactor, minSafetyMarginMillis, initialCdnBytesPerSecond, initialPeerBytesPerSecond, joinGraceMillis,
        DEFAULT_CDN_FETCH_TIMEOUT_MILLIS);
  }

  /** Validates every setting and reports all problems at once. */
  public SchedulerSettings {
    List<String> problems = new ArrayList<>();
    if (electedFetchers < 1 || electedFetchers > 64) {
      problems.add("scheduler.electedFetchers: " + electedFetchers + " (expected: 1..64)");
    }
    if (electionWaitMillis < 0 || electionWaitMillis > 600_000) {
      problems.add("scheduler.electionWaitMillis: " + electionWaitMillis + " (expected: 0..600000)");
    }
    if (electionSpreadMillis < 0 || electionSpreadMillis > 600_000) {
      problems.add("scheduler.electionSpreadMillis: " + electionSpreadMillis + " (expected: 0..600000)");
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
    if (joinGraceMillis < 0 || joinGraceMillis > 600_000) {
      problems.add("scheduler.joinGraceMillis: " + joinGraceMillis + " (expected: 0..600000)");
    }
    if (cdnFetchTimeoutMillis < 1 || cdnFetchTimeoutMillis > 3_600_000) {
      problems.add("scheduler.cdnFetchTimeoutMillis: " + cdnFetchTimeoutMillis + " (expected: 1..3600000)");
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("invalid scheduler settings: " + String.join("; ", problems));
    }
  }

  /**
   * Defaults: P2P and upload on, one elected fetcher, 2.5 s wait per rank, 1 s spread by score, no
   * random jitter, margin 2 x expected CDN time + 1 s, 1 MB/s assumed for the CDN and 2 MB/s for
   * peers, 5 s join grace, 10 s CDN fetch deadline.
   */
  public static SchedulerSettings defaults() {
    return new SchedulerSettings(true, true, 1, 2_500, 1_000, 0, 2.0, 1_000, 1_000_000, 2_000_000, 5_000);
  }

  /** These settings with P2P (and so upload) switched off: a plain CDN player. */
  public SchedulerSettings withP2pDisabled() {
    return new SchedulerSettings(false, false, electedFetchers, electionWaitMillis, electionSpreadMillis, electionJitterMillis,
        safetyFactor, minSafetyMarginMillis, initialCdnBytesPerSecond, initialPeerBytesPerSecond,
        joinGraceMillis, cdnFetchTimeoutMillis);
  }

  /** These settings with upload switched off (segments still come from peers). */
  public SchedulerSettings withUploadDisabled() {
    return new SchedulerSettings(p2pEnabled, false, electedFetchers, electionWaitMillis, electionSpreadMillis,
        electionJitterMillis, safetyFactor, minSafetyMarginMillis, initialCdnBytesPerSecond, initialPeerBytesPerSecond,
        joinGraceMillis, cdnFetchTimeoutMillis);
  }
}
