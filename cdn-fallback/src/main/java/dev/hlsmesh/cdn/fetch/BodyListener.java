package dev.hlsmesh.cdn.fetch;

import java.nio.ByteBuffer;

/**
 * Receives a fetch's body as it arrives, so the bytes can be used (re-shared with peers, written to
 * a store) before the fetch completes.
 *
 * <p>Calls come one at a time, in body order, on an HTTP client thread; never after the fetch's
 * result is complete. Across retries and failover the stream stays contiguous: a retry resumes at
 * the first byte not delivered yet (with a {@code Range} request), so no byte is delivered twice.
 * Do not block: a slow listener stalls the download. If it throws, the fetch ends as
 * {@link FetchResult.Cancelled}.
 */
@FunctionalInterface
public interface BodyListener {

    /**
     * The next bytes of the body. The buffer is read-only and only valid during the call: copy what
     * you keep.
     */
    void onData(ByteBuffer chunk);

    /**
     * How many bytes the whole fetch will deliver, as soon as a response says so
     * ({@code Content-Length}, or the length of the {@code Content-Range} asked for): at most once,
     * before the first {@link #onData}, and not at all for a body of unknown length. Lets a
     * listener that re-shares the bytes while they arrive tell its own receivers the size. Under
     * the same rules as {@link #onData}. Default: ignored.
     */
    default void onBodySize(long totalBytes) {
    }

    /** A listener that drops the bytes (for callers that only want the outcome). */
    static BodyListener discarding() {
        return chunk -> { };
    }
}
