package dev.hlsmesh.agent.stats;

import static java.util.Objects.requireNonNull;

import java.util.Locale;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every interval, takes a snapshot of an {@link AgentStats}, writes it as one INFO line to the
 * {@code dev.hlsmesh.agent.stats} logger and hands it to the listeners'
 * {@link AgentStatsListener#onSnapshot}.
 *
 * <p>Thread-safe. Runs on the executor it is given, which the caller keeps owning.
 */
public final class StatsReporter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger("dev.hlsmesh.agent.stats");

  private final AgentStats stats;
  private final String name;
  private final ScheduledFuture<?> task;

  private StatsReporter(AgentStats stats, String name, ScheduledExecutorService executor, long intervalMillis) {
    this.stats = stats;
    this.name = name;
    this.task = executor.scheduleAtFixedRate(this::report, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
  }

  /**
   * Starts reporting.
   *
   * @param name names the agent in the log line
   * @param intervalMillis time between reports, 100 ms .. 1 day
   */
  public static StatsReporter start(AgentStats stats, String name, ScheduledExecutorService executor,
      long intervalMillis) {
    requireNonNull(stats, "stats");
    requireNonNull(name, "name");
    requireNonNull(executor, "executor");
    if (intervalMillis < 100 || intervalMillis > TimeUnit.DAYS.toMillis(1)) {
      throw new IllegalArgumentException("intervalMillis: " + intervalMillis + " (expected: 100..86400000)");
    }
    return new StatsReporter(stats, name, executor, intervalMillis);
  }

  /** Takes, logs and publishes one snapshot now; returns it. */
  public AgentStatsSnapshot report() {
    AgentStatsSnapshot snapshot = stats.snapshot();
    if (log.isInfoEnabled()) {
      log.info(logLine(name, snapshot));
    }
    stats.publishSnapshot(snapshot);
    return snapshot;
  }

  /** The log line for a snapshot. */
  static String logLine(String name, AgentStatsSnapshot s) {
    return String.format(Locale.ROOT,
        "%s: offload %.1f%% (cdn %s, peers %s), uploaded %s, stalls %d (%d ms), startup %s, latency %s, peers %d",
        name, s.offloadRatio() * 100, bytes(s.cdnBytes()), bytes(s.peerBytes()), bytes(s.uploadedBytes()),
        s.stalls(), s.stallMillis(), millis(s.startupMillis()), millis(s.liveLatencyMillis()), s.connectedPeers());
  }

  private static String bytes(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    if (bytes < 1024 * 1024) {
      return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
    }
    return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
  }

  private static String millis(long millis) {
    return millis < 0 ? "-" : String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
  }

  /** Stops reporting (a report in progress finishes). */
  @Override
  public void close() {
    task.cancel(false);
  }
}
