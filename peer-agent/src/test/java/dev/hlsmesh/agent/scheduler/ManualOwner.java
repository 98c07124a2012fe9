package dev.hlsmesh.agent.scheduler;

import dev.hlsmesh.testsupport.ManualClock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;

/**
 * A {@link SwarmExecutor} on a {@link ManualClock}, run by the test's own thread: tasks submitted
 * with {@link #execute} run at once, one at a time (a task submitted by a running task runs after
 * it, as on a real single-threaded owner); delayed tasks run when the test advances time past
 * their due time. The simulation of a swarm's owner that the scheduler's tests drive.
 *
 * <p>Single-threaded: only the test's thread may use it.
 */
final class ManualOwner implements SwarmExecutor {
  private final ManualClock clock;
  private final Deque<Runnable> ready = new ArrayDeque<>();
  private final List<Timer> timers = new ArrayList<>();
  private long sequence;
  private boolean running;
  private boolean shutDown;

  private static final class Timer {
    final long dueMillis;
    final long order;
    final Runnable task;

    Timer(long dueMillis, long order, Runnable task) {
      this.dueMillis = dueMillis;
      this.order = order;
      this.task = task;
    }
  }

  ManualOwner(ManualClock clock) {
    this.clock = clock;
  }

  @Override
  public void execute(Runnable task) {
    if (shutDown) {
      throw new java.util.concurrent.RejectedExecutionException("owner shut down");
    }
    ready.add(task);
    if (running) {
      return; // runs after the current task, as on a single thread
    }
    running = true;
    try {
      Runnable next;
      while ((next = ready.poll()) != null) {
        next.run();
      }
    } finally {
      running = false;
    }
  }

  @Override
  public Cancellable schedule(Runnable task, long delayMillis) {
    Timer timer = new Timer(clock.millis() + Math.max(0, delayMillis), sequence++, task);
    timers.add(timer);
    return () -> timers.remove(timer);
  }

  /** Advances the clock by {@code millis}, running each timer that falls due at its due time. */
  void advanceMillis(long millis) {
    long target = clock.millis() + millis;
    while (true) {
      Timer next = timers.stream().filter(t -> t.dueMillis <= target)
          .min(Comparator.<Timer>comparingLong(t -> t.dueMillis).thenComparingLong(t -> t.order)).orElse(null);
      if (next == null) {
        break;
      }
      timers.remove(next);
      if (next.dueMillis > clock.millis()) {
        clock.advanceMillis(next.dueMillis - clock.millis());
      }
      execute(next.task);
    }
    if (target > clock.millis()) {
      clock.advanceMillis(target - clock.millis());
    }
  }

  /** Timers waiting to fall due. */
  int pendingTimers() {
    return timers.size();
  }

  /** From now on tasks are rejected, as by an agent that closed. */
  void shutDown() {
    shutDown = true;
  }
}
