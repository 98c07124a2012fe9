package dev.hlsmesh.tracker.session;

/**
 * A token bucket that holds one minute's worth of a per-minute rate and refills continuously:
 * at most {@code perMinute} events in any minute after an idle one, {@code perMinute / 60} per
 * second sustained.
 *
 * <p>Not thread-safe: a connection's buckets live on its event loop; shared ones are guarded
 * by their owner ({@link IpRates}).
 */
final class MinuteBucket {
  private final double capacity;
  private final double perMilli;
  private double tokens;
  private long lastMillis;

  MinuteBucket(int perMinute, long nowMillis) {
    this.capacity = perMinute;
    this.perMilli = perMinute / 60_000.0;
    this.tokens = perMinute;
    this.lastMillis = nowMillis;
  }

  /** Whole tokens available now. */
  int available(long nowMillis) {
    refill(nowMillis);
    return (int) Math.min(Integer.MAX_VALUE, Math.floor(tokens));
  }

  /** Takes {@code count} tokens; call with at most {@link #available}. */
  void take(int count) {
    tokens = Math.max(0, tokens - count);
  }

  /** True if the bucket is full at {@code nowMillis} (an idle entry that can be forgotten). */
  boolean isFull(long nowMillis) {
    refill(nowMillis);
    return tokens >= capacity;
  }

  private void refill(long nowMillis) {
    if (nowMillis > lastMillis) {
      tokens = Math.min(capacity, tokens + (nowMillis - lastMillis) * perMilli);
      lastMillis = nowMillis;
    }
  }
}
