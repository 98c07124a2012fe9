package dev.hlsmesh.tracker.swarm;

import dev.hlsmesh.protocol.tracker.BinaryId;
import dev.hlsmesh.protocol.tracker.ViewerReport;
import java.util.ArrayList;
import java.util.List;

/**
 * What one swarm's viewers reported ({@code x_hlsmesh}, docs/protocol.md): the sums of the
 * latest report of each reporting peer now in the swarm, the sums of every report's increase
 * since the swarm appeared (departed peers included), and those increases over the last
 * {@link #BUCKETS} buckets of {@link #BUCKET_MILLIS} for the offload-over-time chart.
 *
 * <p>Guarded by its {@link Swarm}'s monitor. Fixed size: about 1.2 KiB per swarm with reports.
 */
final class SwarmTraffic {
  /** Width of one time-series bucket. */
  static final long BUCKET_MILLIS = 10_000;
  /** Buckets kept: ten minutes. */
  static final int BUCKETS = 60;

  // Indexes into the figure arrays, in ViewerReport's order.
  private static final int CDN = 0;
  private static final int P2P = 1;
  private static final int STALLS = 3;
  private static final int PEERS = 5;
  private static final int FIGURES = 6;

  private final long[] now = new long[FIGURES];
  private final long[] total = new long[FIGURES];
  private int reporters;
  // Ring of per-bucket increases; slot = absolute bucket index % BUCKETS.
  private final long[] cdnByBucket = new long[BUCKETS];
  private final long[] p2pByBucket = new long[BUCKETS];
  private final int[] stallsByBucket = new int[BUCKETS];
  /** Absolute index (millis / BUCKET_MILLIS) of the first and newest bucket written. */
  private long firstBucket = -1;
  private long newestBucket = -1;

  /**
   * Replaces a peer's previous report (or none) with {@code next}.
   *
   * @return the increase since {@code previous}: a figure that went down (the agent restarted
   *     its counters) counts from zero; {@code peers} is {@code next}'s own
   */
  ViewerReport update(ViewerReport previous, ViewerReport next, long nowMillis) {
    long[] before = previous == null ? new long[FIGURES] : figures(previous);
    long[] after = figures(next);
    long[] delta = new long[FIGURES];
    for (int i = 0; i < after.length; i++) {
      now[i] += after[i] - before[i];
      delta[i] = after[i] >= before[i] ? after[i] - before[i] : after[i];
      if (i != PEERS) {
        total[i] = saturatedAdd(total[i], delta[i]);
      }
    }
    if (previous == null) {
      reporters++;
    }
    total[PEERS] = now[PEERS];
    addToBucket(nowMillis, delta[CDN], delta[P2P],
        delta[STALLS]);
    return new ViewerReport(delta[0], delta[1], delta[2], delta[3], delta[4],
        after[PEERS]);
  }

  /** A reporting peer left: its latest report no longer counts as "now". */
  void forget(ViewerReport last) {
    long[] figures = figures(last);
    for (int i = 0; i < figures.length; i++) {
      now[i] -= figures[i];
    }
    total[PEERS] = now[PEERS];
    reporters--;
  }

  private void addToBucket(long nowMillis, long cdn, long p2p, long stalls) {
    long bucket = nowMillis / BUCKET_MILLIS;
    if (firstBucket < 0) {
      firstBucket = bucket;
      newestBucket = bucket;
    } else if (bucket > newestBucket) {
      // Clear the slots of the buckets skipped since the newest one (at most all of them).
      for (long b = newestBucket + 1; b <= bucket && b <= newestBucket + BUCKETS; b++) {
        int slot = slot(b);
        cdnByBucket[slot] = 0;
        p2pByBucket[slot] = 0;
        stallsByBucket[slot] = 0;
      }
      newestBucket = bucket;
    } else if (bucket <= newestBucket - BUCKETS) {
      return; // older than the window: a clock that went back far; counted in the totals only
    }
    int slot = slot(bucket);
    cdnByBucket[slot] = saturatedAdd(cdnByBucket[slot], cdn);
    p2pByBucket[slot] = saturatedAdd(p2pByBucket[slot], p2p);
    stallsByBucket[slot] = (int) Math.min(Integer.MAX_VALUE, stallsByBucket[slot] + stalls);
  }

  SwarmSummary summarize(BinaryId infoHash, int viewers, int seeders, long nowMillis) {
    long nowBucket = Math.max(nowMillis / BUCKET_MILLIS, newestBucket);
    long from = Math.max(firstBucket, nowBucket - BUCKETS + 1);
    List<SwarmSummary.Bucket> series = new ArrayList<>((int) (nowBucket - from + 1));
    for (long b = from; b <= nowBucket; b++) {
      boolean kept = b <= newestBucket && b > newestBucket - BUCKETS;
      int slot = slot(b);
      series.add(new SwarmSummary.Bucket(b * BUCKET_MILLIS,
          kept ? cdnByBucket[slot] : 0, kept ? p2pByBucket[slot] : 0,
          kept ? stallsByBucket[slot] : 0));
    }
    return new SwarmSummary(infoHash, viewers, seeders, reporters, toFigures(now),
        toFigures(total), series);
  }

  private static SwarmSummary.Figures toFigures(long[] f) {
    return new SwarmSummary.Figures(f[0], f[1], f[2], f[3], f[4], f[5]);
  }

  int reporters() {
    return reporters;
  }

  private static int slot(long bucket) {
    return (int) Math.floorMod(bucket, (long) BUCKETS);
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return sum < 0 ? Long.MAX_VALUE : sum;
  }

  private static long[] figures(ViewerReport r) {
    return new long[] {r.cdnBytes(), r.p2pBytes(), r.uploadedBytes(), r.stalls(),
        r.stallMillis(), r.peers()};
  }
}
