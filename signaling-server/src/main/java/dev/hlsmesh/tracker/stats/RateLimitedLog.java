package dev.hlsmesh.tracker.stats;

import java.time.Clock;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * WARN lines about rejected input, at most {@code perSecond} per second so that a flood of bad
 * messages cannot flood the log; the number of suppressed lines is logged when the next second
 * starts logging again. Thread-safe and lock-free.
 */
public final class RateLimitedLog {
  private final Logger logger;
  private final Clock clock;
  private final int perSecond;
  private final AtomicLong windowSecond = new AtomicLong(Long.MIN_VALUE);
  private final AtomicInteger usedInWindow = new AtomicInteger();
  private final AtomicLong suppressed = new AtomicLong();

  public RateLimitedLog(Logger logger, Clock clock, int perSecond) {
    this.logger = logger;
    this.clock = clock;
    this.perSecond = perSecond;
  }

  /** Logs {@code "<what> from <remote>: <detail>"} at WARN unless over the rate. */
  public void warn(String what, Object remote, String detail) {
    if (!logger.isWarnEnabled()) {
      return;
    }
    long second = Math.floorDiv(clock.millis(), 1000L);
    long window = windowSecond.get();
    if (second != window && windowSecond.compareAndSet(window, second)) {
      usedInWindow.set(0);
      long dropped = suppressed.getAndSet(0);
      if (dropped > 0) {
        logger.warn("{} similar warnings suppressed in the last second(s)", dropped);
      }
    }
    if (usedInWindow.incrementAndGet() <= perSecond) {
      logger.warn("{} from {}: {}", what, remote, detail);
    } else {
      suppressed.incrementAndGet();
    }
  }
}
