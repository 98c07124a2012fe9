package dev.hlsmesh.cdn.fetch;

import dev.hlsmesh.cdn.CdnConfig;
import dev.hlsmesh.cdn.TaskScheduler;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.function.LongSupplier;

/**
 * Fetches segments, byte ranges and playlists from one or several mirror CDNs, against a deadline.
 *
 * <ul>
 *   <li>Bytes reach the {@link BodyListener} as they arrive.</li>
 *   <li>An attempt that times out (no headers within {@code firstByteTimeoutMillis}, no body bytes
 *       for {@code stallTimeoutMillis}), cannot connect, is cut short or answers 5xx/429 marks its
 *       CDN as cooling down (tried last for {@code coolDownMillis}) and the next CDN is tried at
 *       once; once every CDN was tried, retries wait an exponential back-off with jitter.</li>
 *   <li>A retry after a partial body asks only for the missing bytes ({@code Range}), so the
 *       listener sees one contiguous body.</li>
 *   <li>4xx ends the fetch, except 404 for a {@link FetchRequest#liveSegment() live segment}
 *       that may not be published yet, which is retried with back-off.</li>
 *   <li>Every fetch ends with a {@link FetchResult} by its deadline, never exceptionally.</li>
 * </ul>
 *
 * <p>Thread-safe; one instance serves a whole agent (it holds one {@link HttpClient}, which pools
 * connections, HTTP/1.1 and HTTP/2).
 */
public final class CdnFetcher implements AutoCloseable {

    private final CdnConfig config;
    private final HttpClient client;
    private final TaskScheduler scheduler;
    private final LongSupplier nanoClock;
    private final Random random;
    private final ScheduledThreadPoolExecutor ownedTimer;
    private final CdnPool pool;
    private final Set<FetchExecution> active = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /** A fetcher with its own HTTP client and timer thread, on the system clock. */
    public static CdnFetcher create(CdnConfig config) {
        Objects.requireNonNull(config, "config");
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread t = new Thread(runnable, "hlsmesh-cdn-timer");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
        return new CdnFetcher(config, newHttpClient(config), TaskScheduler.of(timer), System::nanoTime,
                new Random(), timer);
    }

    static HttpClient newHttpClient(CdnConfig config) {
        return HttpClient.newBuilder()
                .version(config.httpVersion())
                .connectTimeout(Duration.ofMillis(config.connectTimeoutMillis()))
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    /**
     * @param scheduler runs deadlines, timeouts and retries
     * @param nanoClock monotonic time, as {@link System#nanoTime()}; decides cool-downs and stalls
     * @param random jitter of the back-off
     * @param ownedTimer shut down by {@link #close()}; null when the caller owns the scheduler
     */
    CdnFetcher(CdnConfig config, HttpClient client, TaskScheduler scheduler, LongSupplier nanoClock, Random random,
            ScheduledThreadPoolExecutor ownedTimer) {
        this.config = Objects.requireNonNull(config, "config");
        this.client = Objects.requireNonNull(client, "client");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        this.random = Objects.requireNonNull(random, "random");
        this.ownedTimer = ownedTimer;
        this.pool = new CdnPool(config.cdnBaseUrls(), config.coolDownMillis(), nanoClock);
    }

    /**
     * Starts fetching. Bytes go to {@code listener} as they arrive; the returned handle's
     * {@link Fetch#result()} completes with the outcome by the request's deadline.
     */
    public Fetch fetch(FetchRequest request, BodyListener listener) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(listener, "listener");
        FetchExecution execution = new FetchExecution(this, request, listener);
        active.add(execution);
        if (closed) {
            execution.cancel("the fetcher is closed");
            return execution;
        }
        execution.start();
        return execution;
    }

    /** Health and traffic of every CDN this fetcher used or was configured with. */
    public List<CdnStatus> cdnStatus() {
        return pool.status();
    }

    /** The configuration this fetcher runs with. */
    public CdnConfig config() {
        return config;
    }

    /** Cancels every fetch in progress and stops the fetcher's own timer thread. */
    @Override
    public void close() {
        closed = true;
        for (FetchExecution execution : List.copyOf(active)) {
            execution.cancel("the fetcher is closed");
        }
        if (ownedTimer != null) {
            ownedTimer.shutdownNow();
        }
    }

    void finished(FetchExecution execution) {
        active.remove(execution);
    }

    HttpClient client() {
        return client;
    }

    TaskScheduler scheduler() {
        return scheduler;
    }

    long nanoTime() {
        return nanoClock.getAsLong();
    }

    Random random() {
        return random;
    }

    CdnPool pool() {
        return pool;
    }
}
