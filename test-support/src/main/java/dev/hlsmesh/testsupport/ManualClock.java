package dev.hlsmesh.testsupport;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Clock} that only moves when a test says so, so that time-driven code (a live
 * origin's sliding window, playlist reloads, back-off) is tested by stepping time instead of
 * sleeping.
 *
 * <p>Thread-safe: any thread may read it or advance it; readers see every advance at once.
 * Resolution is one nanosecond; {@link #nanoTime()} offers the same time as a monotonic
 * nanosecond source for code that takes a {@code LongSupplier} instead of a {@code Clock}.
 */
public final class ManualClock extends Clock {

  /** 2026-01-01T00:00:00Z: a fixed, recognisable start so that test output is reproducible. */
  public static final Instant DEFAULT_START = Instant.parse("2026-01-01T00:00:00Z");

  private final AtomicLong epochNanos;
  private final ZoneId zone;

  /** A clock at {@link #DEFAULT_START}, in UTC. */
  public ManualClock() {
    this(DEFAULT_START);
  }

  /** A clock at {@code start}, in UTC. */
  public ManualClock(Instant start) {
    this(new AtomicLong(toEpochNanos(Objects.requireNonNull(start, "start"))), ZoneOffset.UTC);
  }

  private ManualClock(AtomicLong epochNanos, ZoneId zone) {
    this.epochNanos = epochNanos;
    this.zone = zone;
  }

  /**
   * Moves the clock forward.
   *
   * @param amount how far; must not be negative (time never goes back)
   * @return the new instant
   */
  public Instant advance(Duration amount) {
    Objects.requireNonNull(amount, "amount");
    if (amount.isNegative()) {
      throw new IllegalArgumentException("amount: " + amount + " (expected: >= 0, time never goes back)");
    }
    return Instant.EPOCH.plusNanos(epochNanos.addAndGet(amount.toNanos()));
  }

  /** Moves the clock forward by {@code millis} milliseconds; returns the new instant. */
  public Instant advanceMillis(long millis) {
    return advance(Duration.ofMillis(millis));
  }

  /** The current time in nanoseconds: a monotonic source that moves only with this clock. */
  public long nanoTime() {
    return epochNanos.get();
  }

  @Override
  public Instant instant() {
    return Instant.EPOCH.plusNanos(epochNanos.get());
  }

  @Override
  public long millis() {
    return Math.floorDiv(epochNanos.get(), 1_000_000L);
  }

  @Override
  public ZoneId getZone() {
    return zone;
  }

  /** A view in another zone that shares (and advances) this clock's time. */
  @Override
  public ManualClock withZone(ZoneId zone) {
    return new ManualClock(epochNanos, Objects.requireNonNull(zone, "zone"));
  }

  @Override
  public String toString() {
    return "ManualClock[" + instant() + "]";
  }

  private static long toEpochNanos(Instant instant) {
    return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
  }
}
