package dev.hlsmesh.agent.scheduler;

/**
 * An exponentially weighted moving average of a source's delivery rate in bytes per second,
 * whole transfers (latency included), starting from an assumed value.
 *
 * <p>Not thread-safe: the scheduler calls it under its lock.
 */
final class Throughput {
  private static final double WEIGHT = 0.3;
  private double bytesPerSecond;
  private boolean measured;

  Throughput(double initialBytesPerSecond) {
    this.bytesPerSecond = initialBytesPerSecond;
  }

  /** One finished transfer. Tiny transfers say little about the rate and count as 4 KiB. */
  void record(long bytes, long elapsedMillis) {
    double rate = Math.max(bytes, 4096) * 1000.0 / Math.max(1, elapsedMillis);
    bytesPerSecond = measured ? WEIGHT * rate + (1 - WEIGHT) * bytesPerSecond : rate;
    measured = true;
  }

  /** Expected milliseconds to deliver {@code bytes}. */
  long millisFor(long bytes) {
    return (long) Math.ceil(bytes * 1000.0 / bytesPerSecond);
  }

  double bytesPerSecond() {
    return bytesPerSecond;
  }

  boolean measured() {
    return measured;
  }
}
