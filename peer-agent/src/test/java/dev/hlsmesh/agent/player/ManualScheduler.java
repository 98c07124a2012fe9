package dev.hlsmesh.agent.player;

import dev.hlsmesh.cdn.TaskScheduler;
import dev.hlsmesh.testsupport.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A {@link TaskScheduler} on a {@link ManualClock}: tasks run, on the test's thread, when the
 * test advances time past their due time. Thread-safe.
 */
final class ManualScheduler implements TaskScheduler {
  private final ManualClock clock;
  private final List<Task> tasks = new ArrayList<>();
  private long sequence;

  private static final class Task {
    final long dueNanos;
    final long order;
    final Runnable action;
    boolean cancelled;

    Task(long dueNanos, long order, Runnable action) {
      this.dueNanos = dueNanos;
      this.order = order;
      this.action = action;
    }
  }

  ManualScheduler(ManualClock clock) {
    this.clock = clock;
  }

  @Override
  public synchronized Cancellable schedule(Runnable task, long delayMillis) {
    Task t = new Task(clock.nanoTime() + Math.max(0, delayMillis) * 1_000_000L, sequence++, task);
    tasks.add(t);
    return () -> {
      synchronized (this) {
        t.cancelled = true;
        tasks.remove(t);
      }
    };
  }

  /** Advances the clock by {@code amount}, running every task that falls due, at its due time. */
  void advance(Duration amount) {
    long target = clock.nanoTime() + amount.toNanos();
    while (true) {
      Task next;
      synchronized (this) {
        next = tasks.stream()
            .filter(t -> t.dueNanos <= target)
            .min(Comparator.<Task>comparingLong(t -> t.dueNanos).thenComparingLong(t -> t.order))
            .orElse(null);
        if (next == null) {
          break;
        }
        tasks.remove(next);
      }
      if (next.dueNanos > clock.nanoTime()) {
        clock.advance(Duration.ofNanos(next.dueNanos - clock.nanoTime()));
      }
      next.action.run();
    }
    if (target > clock.nanoTime()) {
      clock.advance(Duration.ofNanos(target - clock.nanoTime()));
    }
  }

  void advanceMillis(long millis) {
    advance(Duration.ofMillis(millis));
  }

  /** Tasks waiting to run. */
  synchronized int pending() {
    return tasks.size();
  }
}
