package dev.hlsmesh.cdn;

import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a task once after a delay. The playlist follower and the fetcher take one so that tests
 * can step time by hand instead of sleeping; production code wraps a
 * {@link ScheduledExecutorService} with {@link #of(ScheduledExecutorService)}.
 *
 * <p>Implementations must be callable from any thread.
 */
@FunctionalInterface
public interface TaskScheduler {

    /**
     * Schedules {@code task} to run once, {@code delayMillis} from now (0 or less: as soon as possible).
     *
     * @return a handle that cancels the task if it has not started yet
     */
    Cancellable schedule(Runnable task, long delayMillis);

    /** Handle to a scheduled task. */
    @FunctionalInterface
    interface Cancellable {
        /** Stops the task from running if it has not started; does nothing otherwise. */
        void cancel();
    }

    /** A scheduler backed by {@code executor}; the caller keeps ownership of the executor. */
    static TaskScheduler of(ScheduledExecutorService executor) {
        Objects.requireNonNull(executor, "executor");
        return (task, delayMillis) -> {
            ScheduledFuture<?> future = executor.schedule(task, Math.max(0, delayMillis), TimeUnit.MILLISECONDS);
            return () -> future.cancel(false);
        };
    }
}
