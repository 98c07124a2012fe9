package dev.hlsmesh.cdn;

import dev.hlsmesh.testsupport.ManualClock;
import java.time.Duration;
import java.util.Comparator;
import java.util.PriorityQueue;

/**
 * A {@link TaskScheduler} on a {@link ManualClock}: tasks run only when the test steps time with
 * {@link #runNext()} or {@link #advance(Duration)}, on the test's thread. Any thread may schedule.
 */
public final class ManualScheduler implements TaskScheduler {

    private record Task(long dueNanos, long order, Runnable runnable, boolean[] cancelled) {
    }

    private final ManualClock clock;
    private final PriorityQueue<Task> queue = new PriorityQueue<>(
            Comparator.comparingLong(Task::dueNanos).thenComparingLong(Task::order));
    private long order;

    public ManualScheduler(ManualClock clock) {
        this.clock = clock;
    }

    @Override
    public synchronized Cancellable schedule(Runnable task, long delayMillis) {
        boolean[] cancelled = {false};
        queue.add(new Task(clock.nanoTime() + Math.max(0, delayMillis) * 1_000_000L, order++, task, cancelled));
        return () -> {
            synchronized (ManualScheduler.this) {
                cancelled[0] = true;
            }
        };
    }

    /** Tasks scheduled and not cancelled. */
    public synchronized int pending() {
        queue.removeIf(t -> t.cancelled()[0]);
        return queue.size();
    }

    /** Time from now until the next task is due (zero if overdue); null when none is pending. */
    public synchronized Duration untilNext() {
        queue.removeIf(t -> t.cancelled()[0]);
        Task next = queue.peek();
        return next == null ? null : Duration.ofNanos(Math.max(0, next.dueNanos() - clock.nanoTime()));
    }

    /** Moves the clock to the next task's due time and runs it; false if none is pending. */
    public boolean runNext() {
        Task task;
        synchronized (this) {
            queue.removeIf(t -> t.cancelled()[0]);
            task = queue.poll();
            if (task == null) {
                return false;
            }
            long now = clock.nanoTime();
            if (task.dueNanos() > now) {
                clock.advance(Duration.ofNanos(task.dueNanos() - now));
            }
        }
        task.runnable().run();
        return true;
    }

    /** Moves the clock forward by {@code amount}, running every task that falls due on the way. */
    public void advance(Duration amount) {
        long target = clock.nanoTime() + amount.toNanos();
        while (true) {
            Task task;
            synchronized (this) {
                queue.removeIf(t -> t.cancelled()[0]);
                task = queue.peek();
                if (task == null || task.dueNanos() > target) {
                    break;
                }
                queue.poll();
                if (task.dueNanos() > clock.nanoTime()) {
                    clock.advance(Duration.ofNanos(task.dueNanos() - clock.nanoTime()));
                }
            }
            task.runnable().run();
        }
        long now = clock.nanoTime();
        if (target > now) {
            clock.advance(Duration.ofNanos(target - now));
        }
    }
}
