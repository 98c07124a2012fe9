package dev.hlsmesh.agent.scheduler;

import static java.util.Objects.requireNonNull;

import dev.hlsmesh.cdn.TaskScheduler;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The owner of a swarm's state: runs tasks one at a time, in submission order, now or after a
 * delay. The agent's owner thread in production; a simulated executor on a simulated clock in
 * tests and simulations. The scheduler, the peer sessions of its swarm and its in-flight
 * segments are touched only by tasks of their owner, so they need no locks.
 *
 * <p>Implementations may be called from any thread. A task submitted after shutdown is rejected
 * with {@link java.util.concurrent.RejectedExecutionException}.
 */
public interface SwarmExecutor extends Executor, TaskScheduler {

  /** An owner backed by a single-threaded {@code executor}; the caller keeps ownership of it. */
  static SwarmExecutor of(ScheduledExecutorService executor) {
    requireNonNull(executor, "executor");
    return new SwarmExecutor() {
      @Override
      public void execute(Runnable task) {
        executor.execute(task);
      }

      @Override
      public Cancellable schedule(Runnable task, long delayMillis) {
        ScheduledFuture<?> future = executor.schedule(task, Math.max(0, delayMillis), TimeUnit.MILLISECONDS);
        return () -> future.cancel(false);
      }
    };
  }
}
