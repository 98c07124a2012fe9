package dev.hlsmesh.cdn.fetch;

import dev.hlsmesh.cdn.ByteRange;
import dev.hlsmesh.cdn.CdnConfig;
import dev.hlsmesh.cdn.TaskScheduler;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One fetch: a sequence of HTTP attempts across CDNs until success, a final failure, the deadline
 * or cancellation.
 *
 * <p>Threads: HTTP client threads (headers, body, exchange completion), the timer thread
 * (deadline, timeouts, retries) and the caller ({@link #cancel()}) all enter through methods that
 * take {@link #lock}; state is only touched under it. Work that calls into the HTTP client
 * (sending, aborting an exchange) and completing the result future happen after the lock is
 * released, so the HTTP client's internal locks are never taken while holding ours. Listener
 * calls happen under the lock, which is what guarantees no byte after the result is complete.
 */
final class FetchExecution implements Fetch {

    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)");

    private final CdnFetcher fetcher;
    private final CdnConfig config;
    private final FetchRequest request;
    private final BodyListener listener;
    private final List<CdnPool.Source> sources;
    private final long deadlineNanos;
    private final CompletableFuture<FetchResult> result = new CompletableFuture<>();
    private final Object lock = new Object();

    // All below guarded by lock.
    private final Map<CdnPool.Cdn, Integer> triesThisFetch = new HashMap<>();
    private final List<Attempt> toAbort = new ArrayList<>();
    private Attempt toSend;
    private Attempt current;
    private FetchResult outcome;
    private FetchResult lastFailure;
    private TaskScheduler.Cancellable deadlineTimer;
    private TaskScheduler.Cancellable retryTimer;
    private long delivered;
    private boolean bodySizeTold;
    private int attempts;
    private int backoffs;

    FetchExecution(CdnFetcher fetcher, FetchRequest request, BodyListener listener) {
        this.fetcher = fetcher;
        this.config = fetcher.config();
        this.request = request;
        this.listener = listener;
        this.sources = fetcher.pool().sourcesFor(request.uri());
        this.deadlineNanos = fetcher.nanoTime() + request.deadline().toNanos();
    }

    @Override
    public CompletableFuture<FetchResult> result() {
        return result;
    }

    @Override
    public void cancel() {
        if (Thread.holdsLock(lock)) {
            cancel("cancelled by the caller"); // from this fetch's own listener
            return;
        }
        // From anywhere else, possibly another fetch's listener holding that fetch's lock: never
        // block on ours here, or two fetches cancelling each other could deadlock.
        try {
            fetcher.scheduler().schedule(() -> cancel("cancelled by the caller"), 0);
        } catch (RejectedExecutionException e) {
            cancel("cancelled by the caller");
        }
    }

    void cancel(String reason) {
        synchronized (lock) {
            finish(new FetchResult.Cancelled(reason, delivered, attempts));
        }
        afterUnlock();
    }

    void start() {
        synchronized (lock) {
            deadlineTimer = fetcher.scheduler().schedule(this::onDeadline, request.deadline().toMillis());
            prepareAttempt();
        }
        afterUnlock();
    }

    // ---- attempt lifecycle (under lock) ----

    /** Chooses the next CDN and builds its request; {@link #afterUnlock()} sends it. */
    private void prepareAttempt() {
        if (outcome != null) {
            return;
        }
        CdnPool.Source source = fetcher.pool().pick(sources, triesThisFetch);
        triesThisFetch.merge(source.cdn(), 1, Integer::sum);
        attempts++;
        Optional<ByteRange> range = request.byteRange();
        long start = range.map(ByteRange::offset).orElse(0L) + delivered;
        long wanted = range.map(r -> r.length() - delivered).orElse(-1L);
        HttpRequest.Builder builder = HttpRequest.newBuilder(source.uri()).GET();
        if (range.isPresent() || delivered > 0) {
            builder.header("Range", "bytes=" + start + "-" + range.map(r -> Long.toString(r.lastByteInclusive())).orElse(""));
        }
        Attempt attempt = new Attempt(source, builder.build(), start, wanted);
        current = attempt;
        attempt.firstByteTimer = fetcher.scheduler().schedule(
                () -> onFirstByteTimeout(attempt), config.firstByteTimeoutMillis());
        toSend = attempt;
    }

    private void attemptFailed(Attempt attempt, FetchResult failure, boolean cdnFault, boolean retryable) {
        endAttempt(attempt);
        if (cdnFault) {
            fetcher.pool().recordFailure(attempt.source.cdn());
        }
        lastFailure = failure;
        if (!retryable || attempts >= config.maxAttempts()) {
            finish(failure);
            return;
        }
        CdnPool.Source next = fetcher.pool().pick(sources, triesThisFetch);
        long delayMillis = 0;
        if (triesThisFetch.getOrDefault(next.cdn(), 0) > 0) {
            // Every CDN worth trying was tried: wait before going round again.
            long base = Math.min(config.maxBackoffMillis(), config.initialBackoffMillis() << Math.min(backoffs, 20));
            delayMillis = base / 2 + (long) (fetcher.random().nextDouble() * (base / 2 + 1));
            backoffs++;
        }
        if (fetcher.nanoTime() + delayMillis * 1_000_000L >= deadlineNanos) {
            // No retry can start before the deadline: report the real cause now rather than wait.
            finish(failure);
            return;
        }
        retryTimer = fetcher.scheduler().schedule(this::onRetryDue, delayMillis);
    }

    private void attemptCompleted(Attempt attempt, URI uri) {
        endAttempt(attempt);
        fetcher.pool().recordSuccess(attempt.source.cdn());
        finish(new FetchResult.Completed(uri, attempt.status, delivered, attempts));
    }

    private void endAttempt(Attempt attempt) {
        if (!attempt.finished) {
            attempt.finished = true;
            attempt.cancelTimers();
            toAbort.add(attempt);
        }
    }

    private void finish(FetchResult r) {
        if (outcome != null) {
            return;
        }
        outcome = r;
        if (deadlineTimer != null) {
            deadlineTimer.cancel();
        }
        if (retryTimer != null) {
            retryTimer.cancel();
        }
        if (current != null) {
            endAttempt(current);
        }
    }

    private boolean isLive(Attempt attempt) {
        return attempt == current && !attempt.finished && outcome == null;
    }

    /** Sends a prepared attempt, aborts ended ones and publishes the outcome, all outside the lock. */
    private void afterUnlock() {
        Attempt send;
        List<Attempt> aborts;
        FetchResult done;
        synchronized (lock) {
            send = toSend;
            toSend = null;
            aborts = new ArrayList<>(toAbort);
            toAbort.clear();
            done = outcome;
        }
        for (Attempt a : aborts) {
            a.abort();
        }
        if (send != null) {
            send(send);
        }
        if (done != null && result.complete(done)) {
            fetcher.finished(this);
        }
    }

    private void send(Attempt attempt) {
        CompletableFuture<HttpResponse<Void>> future;
        try {
            future = fetcher.client().sendAsync(attempt.request, info -> onHeaders(attempt, info));
        } catch (RuntimeException e) {
            synchronized (lock) {
                if (isLive(attempt)) {
                    attemptFailed(attempt, new FetchResult.ConnectionFailed(attempt.source.uri(), describe(e),
                            delivered, attempts), true, true);
                }
            }
            afterUnlock();
            return;
        }
        boolean abortNow;
        synchronized (lock) {
            attempt.sendFuture = future;
            abortNow = attempt.finished;
        }
        if (abortNow) {
            future.cancel(true);
        }
        future.whenComplete((response, error) -> onExchangeDone(attempt, response, error));
    }

    // ---- events ----

    private void onRetryDue() {
        synchronized (lock) {
            retryTimer = null;
            prepareAttempt();
        }
        afterUnlock();
    }

    private void onDeadline() {
        synchronized (lock) {
            finish(new FetchResult.DeadlineExpired(request.deadline().toMillis(), Optional.ofNullable(lastFailure),
                    delivered, attempts));
        }
        afterUnlock();
    }

    private void onFirstByteTimeout(Attempt attempt) {
        synchronized (lock) {
            if (isLive(attempt) && !attempt.headersReceived) {
                attemptFailed(attempt, new FetchResult.TimedOut(attempt.source.uri(), "first byte",
                        config.firstByteTimeoutMillis(), delivered, attempts), true, true);
            }
        }
        afterUnlock();
    }

    private void onStallCheck(Attempt attempt) {
        synchronized (lock) {
            if (isLive(attempt)) {
                long idleNanos = fetcher.nanoTime() - attempt.lastProgressNanos;
                long stallNanos = config.stallTimeoutMillis() * 1_000_000L;
                if (idleNanos >= stallNanos) {
                    attemptFailed(attempt, new FetchResult.TimedOut(attempt.source.uri(), "body stall",
                            config.stallTimeoutMillis(), delivered, attempts), true, true);
                } else {
                    long waitMillis = Math.max(1, (stallNanos - idleNanos + 999_999) / 1_000_000L);
                    attempt.stallTimer = fetcher.scheduler().schedule(() -> onStallCheck(attempt), waitMillis);
                }
            }
        }
        afterUnlock();
    }

    private HttpResponse.BodySubscriber<Void> onHeaders(Attempt attempt, HttpResponse.ResponseInfo info) {
        try {
            synchronized (lock) {
                if (!isLive(attempt)) {
                    return new AttemptSubscriber(attempt);
                }
                attempt.headersReceived = true;
                attempt.firstByteTimer.cancel();
                attempt.status = info.statusCode();
                attempt.contentLength = info.headers().firstValueAsLong("Content-Length").orElse(-1L);
                URI uri = attempt.source.uri();
                int status = info.statusCode();
                if (status == 206) {
                    String problem = checkContentRange(attempt, info.headers().firstValue("Content-Range"));
                    if (problem != null) {
                        attemptFailed(attempt, new FetchResult.InvalidResponse(uri, problem, delivered, attempts),
                                true, true);
                        return new AttemptSubscriber(attempt);
                    }
                } else if (status == 200) {
                    // The server ignored Range (or none was sent): skip what we already have.
                    attempt.skip = attempt.start;
                } else {
                    boolean serverFault = status >= 500 || status == 429;
                    boolean notPublishedYet = status == 404 && request.liveSegment();
                    attemptFailed(attempt, new FetchResult.HttpError(uri, status, delivered, attempts),
                            serverFault, serverFault || notPublishedYet);
                    return new AttemptSubscriber(attempt);
                }
                long expected = expectedBytes(attempt);
                if (!bodySizeTold && expected >= 0) {
                    bodySizeTold = true;
                    try {
                        listener.onBodySize(delivered + expected);
                    } catch (RuntimeException e) {
                        finish(new FetchResult.Cancelled("the listener threw " + describe(e), delivered, attempts));
                        return new AttemptSubscriber(attempt);
                    }
                }
                attempt.lastProgressNanos = fetcher.nanoTime();
                attempt.stallTimer = fetcher.scheduler().schedule(
                        () -> onStallCheck(attempt), config.stallTimeoutMillis());
                return new AttemptSubscriber(attempt);
            }
        } finally {
            afterUnlock();
        }
    }

    private static String checkContentRange(Attempt attempt, Optional<String> header) {
        if (header.isEmpty()) {
            return "206 without Content-Range";
        }
        Matcher m = CONTENT_RANGE.matcher(header.get().trim());
        if (!m.matches()) {
            return "unreadable Content-Range: " + header.get();
        }
        long first;
        try {
            first = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            return "unreadable Content-Range: " + header.get();
        }
        if (first != attempt.start) {
            return "Content-Range " + header.get() + " does not start at the requested byte " + attempt.start;
        }
        return null;
    }

    private void onBody(Attempt attempt, List<ByteBuffer> buffers) {
        boolean more = false;
        synchronized (lock) {
            if (isLive(attempt)) {
                more = deliver(attempt, buffers);
            } else {
                toAbort.add(attempt);
            }
        }
        afterUnlock();
        if (more) {
            attempt.subscription.request(1);
        }
    }

    /** Hands the bytes to the listener; returns whether the attempt wants more. Under lock. */
    private boolean deliver(Attempt attempt, List<ByteBuffer> buffers) {
        attempt.lastProgressNanos = fetcher.nanoTime();
        for (ByteBuffer buffer : buffers) {
            int n = buffer.remaining();
            attempt.received += n;
            attempt.source.cdn().bytesReceived.addAndGet(n);
            if (attempt.skip > 0) {
                int skipped = (int) Math.min(attempt.skip, n);
                buffer.position(buffer.position() + skipped);
                attempt.skip -= skipped;
            }
            if (attempt.wanted >= 0) {
                long left = attempt.wanted - attempt.deliveredThisAttempt;
                if (buffer.remaining() > left) {
                    buffer.limit(buffer.position() + (int) left);
                }
            }
            int k = buffer.remaining();
            if (k == 0) {
                continue;
            }
            // Counted before the call: the bytes are handed over even if the listener then
            // cancels the fetch or throws.
            delivered += k;
            attempt.deliveredThisAttempt += k;
            try {
                listener.onData(buffer.asReadOnlyBuffer());
            } catch (RuntimeException e) {
                finish(new FetchResult.Cancelled("the listener threw " + describe(e), delivered, attempts));
                return false;
            }
            if (!isLive(attempt)) {
                return false; // the listener cancelled the fetch
            }
        }
        boolean moreBodyComing = attempt.contentLength < 0 || attempt.received < attempt.contentLength;
        if (attempt.wanted >= 0 && attempt.deliveredThisAttempt >= attempt.wanted && moreBodyComing) {
            // A server that ignored Range sends more than asked for: stop reading, we are done.
            attemptCompleted(attempt, attempt.source.uri());
            return false;
        }
        return true;
    }

    private void onExchangeDone(Attempt attempt, HttpResponse<Void> response, Throwable error) {
        synchronized (lock) {
            if (isLive(attempt)) {
                URI uri = attempt.source.uri();
                if (error == null) {
                    long expected = expectedBytes(attempt);
                    if (expected >= 0 && attempt.deliveredThisAttempt < expected) {
                        attemptFailed(attempt, new FetchResult.Truncated(uri, expected, attempt.deliveredThisAttempt,
                                "the body ended early", delivered, attempts), true, true);
                    } else {
                        attemptCompleted(attempt, response.uri());
                    }
                } else {
                    Throwable cause = unwrap(error);
                    if (!(cause instanceof CancellationException)) {
                        FetchResult failure;
                        if (!attempt.headersReceived) {
                            String reason = cause instanceof HttpConnectTimeoutException
                                    ? "connect timed out after " + config.connectTimeoutMillis() + " ms"
                                    : describe(cause);
                            failure = new FetchResult.ConnectionFailed(uri, reason, delivered, attempts);
                        } else {
                            failure = new FetchResult.Truncated(uri, expectedBytes(attempt),
                                    attempt.deliveredThisAttempt, describe(cause), delivered, attempts);
                        }
                        attemptFailed(attempt, failure, true, true);
                    }
                }
            }
        }
        afterUnlock();
    }

    /** Bytes this attempt should deliver to the listener, or -1 when the server did not say. */
    private static long expectedBytes(Attempt attempt) {
        if (attempt.wanted >= 0) {
            return attempt.wanted;
        }
        if (attempt.contentLength >= 0) {
            return Math.max(0, attempt.contentLength - (attempt.status == 200 ? attempt.start : 0));
        }
        return -1;
    }

    private static Throwable unwrap(Throwable t) {
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static String describe(Throwable t) {
        String name = t.getClass().getSimpleName();
        return t.getMessage() == null ? name : name + ": " + t.getMessage();
    }

    // ---- per-attempt state ----

    /** One HTTP exchange with one CDN. Fields guarded by the execution's lock except where noted. */
    private static final class Attempt {
        final CdnPool.Source source;
        final HttpRequest request;
        /** First byte of the resource this attempt asks for. */
        final long start;
        /** Bytes this attempt must deliver, -1 for "to the end of the resource". */
        final long wanted;
        boolean finished;
        boolean headersReceived;
        int status;
        long contentLength = -1;
        long skip;
        long received;
        long deliveredThisAttempt;
        long lastProgressNanos;
        TaskScheduler.Cancellable firstByteTimer;
        TaskScheduler.Cancellable stallTimer;
        CompletableFuture<HttpResponse<Void>> sendFuture;
        volatile Flow.Subscription subscription;
        /** Set once abort() ran; read by the subscriber, which may be subscribed afterwards. */
        volatile boolean aborted;

        Attempt(CdnPool.Source source, HttpRequest request, long start, long wanted) {
            this.source = source;
            this.request = request;
            this.start = start;
            this.wanted = wanted;
        }

        void cancelTimers() {
            if (firstByteTimer != null) {
                firstByteTimer.cancel();
            }
            if (stallTimer != null) {
                stallTimer.cancel();
            }
        }

        /** Stops the exchange. Outside the lock: it calls into the HTTP client. */
        void abort() {
            aborted = true;
            Flow.Subscription s = subscription;
            if (s != null) {
                s.cancel();
            }
            CompletableFuture<HttpResponse<Void>> f = sendFuture;
            if (f != null) {
                f.cancel(true);
            }
        }
    }

    /** Receives one attempt's body from the HTTP client and hands it to the execution. */
    private final class AttemptSubscriber implements HttpResponse.BodySubscriber<Void> {
        private final Attempt attempt;
        private final CompletableFuture<Void> body = new CompletableFuture<>();

        AttemptSubscriber(Attempt attempt) {
            this.attempt = attempt;
        }

        @Override
        public CompletionStage<Void> getBody() {
            return body;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            attempt.subscription = subscription;
            if (attempt.aborted || !isLiveLocked()) {
                subscription.cancel();
                body.completeExceptionally(new CancellationException("attempt ended"));
                return;
            }
            subscription.request(1);
        }

        private boolean isLiveLocked() {
            synchronized (lock) {
                return isLive(attempt);
            }
        }

        @Override
        public void onNext(List<ByteBuffer> item) {
            onBody(attempt, item);
        }

        @Override
        public void onError(Throwable throwable) {
            body.completeExceptionally(throwable);
        }

        @Override
        public void onComplete() {
            body.complete(null);
        }
    }

    @Override
    public String toString() {
        return "fetch of " + request.uri();
    }

}
