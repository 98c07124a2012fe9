package dev.hlsmesh.cdn.fetch;

import java.util.concurrent.CompletableFuture;

/** A fetch in progress. Any thread. */
public interface Fetch {

    /**
     * The outcome. Always completes (by the request's deadline at the latest, plus scheduling
     * latency), never exceptionally; after it completes the listener gets no more bytes.
     */
    CompletableFuture<FetchResult> result();

    /**
     * Stops the fetch and aborts its HTTP exchange; the result becomes
     * {@link FetchResult.Cancelled} unless it was already complete. Called from this fetch's own
     * listener it takes effect at once (no further bytes); from any other thread it takes effect
     * shortly after, on the fetcher's timer thread, so that it never blocks (a listener of one
     * fetch may cancel another).
     */
    void cancel();
}
