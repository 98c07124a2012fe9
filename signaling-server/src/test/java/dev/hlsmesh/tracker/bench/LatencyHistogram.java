package dev.hlsmesh.tracker.bench;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
* Latency counts in fixed buckets: 10 µs wide up to 100 ms, 1 ms wide up to 10 s, one overflow
* bucket. Enough resolution for p50/p99 of a relay that should take well under 5 ms.
*
* <p>Thread-safe: any thread records, one thread reads after the recording stopped.
*/
final class LatencyHistogram {

  private static final long FINE_WIDTH_NANOS = TimeUnit.MICROSECONDS.toNanos(10);
  private static final int FINE_BUCKETS = 10_000;
  private static final long COARSE_WIDTH_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final int COARSE_BUCKETS = 9_900;
  private static final long FINE_LIMIT_NANOS = FINE_WIDTH_NANOS * FINE_BUCKETS;

  private final AtomicLongArray counts = new AtomicLongArray(FINE_BUCKETS + COARSE_BUCKETS + 1);

  void record(long nanos) {
    counts.incrementAndGet(bucket(Math.max(0, nanos)));
  }

  long count() {
    long total = 0;
    for (int i = 0; i < counts.length(); i++) {
      total += counts.get(i);
    }
    return total;
  }

  /** Upper bound of the bucket holding the given quantile, in milliseconds; NaN when empty. */
  double quantileMillis(double quantile) {
    long total = count();
    if (total == 0) {
      return Double.NaN;
    }
    long rank = (long) Math.ceil(quantile * total);
    long seen = 0;
    for (int i = 0; i < counts.length(); i++) {
      seen += counts.get(i);
      if (seen >= rank) {
        return upperBoundNanos(i) / 1e6;
      }
    }
    return upperBoundNanos(counts.length() - 1) / 1e6;
  }

  private static int bucket(long nanos) {
    if (nanos < FINE_LIMIT_NANOS) {
      return (int) (nanos / FINE_WIDTH_NANOS);
    }
    long coarse = (nanos - FINE_LIMIT_NANOS) / COARSE_WIDTH_NANOS;
    return (int) Math.min(FINE_BUCKETS + coarse, FINE_BUCKETS + COARSE_BUCKETS);
  }

  private static long upperBoundNanos(int bucket) {
    if (bucket < FINE_BUCKETS) {
      return (bucket + 1) * FINE_WIDTH_NANOS;
    }
    return FINE_LIMIT_NANOS + (long) (bucket - FINE_BUCKETS + 1) * COARSE_WIDTH_NANOS;
  }
}
