package dev.hlsmesh.cdn.fetch;

import java.net.URI;
import java.util.Objects;
import java.util.Optional;

/**
 * How a fetch ended. Every fetch ends in exactly one of these; {@link Completed} is the only success.
 * A failure that ended an attempt becomes the fetch's result when no retry is allowed or possible
 * before the deadline.
 */
public sealed interface FetchResult {

    /** Bytes handed to the {@link BodyListener}, over all attempts. */
    long bytesDelivered();

    /** HTTP attempts made (0 when the fetch ended before the first one was sent). */
    int attempts();

    /** Whether this is {@link Completed}. */
    default boolean isSuccess() {
        return this instanceof Completed;
    }

    /**
     * All requested bytes were delivered.
     *
     * @param uri the URL of the last, successful, attempt (after redirects)
     */
    record Completed(URI uri, int statusCode, long bytesDelivered, int attempts) implements FetchResult {
        public Completed {
            Objects.requireNonNull(uri, "uri");
        }
    }

    /** The server answered with a status that ends the fetch (4xx), or the last retry's (5xx, 404). */
    record HttpError(URI uri, int statusCode, long bytesDelivered, int attempts) implements FetchResult {
        public HttpError {
            Objects.requireNonNull(uri, "uri");
        }
    }

    /**
     * The body ended (closed, reset, or declared a longer {@code Content-Length} than it sent)
     * before all expected bytes arrived.
     *
     * @param expectedBytes bytes the last attempt should have delivered
     * @param receivedBytes bytes it did deliver
     */
    record Truncated(URI uri, long expectedBytes, long receivedBytes, String detail, long bytesDelivered, int attempts)
            implements FetchResult {
        public Truncated {
            Objects.requireNonNull(uri, "uri");
            Objects.requireNonNull(detail, "detail");
        }
    }

    /**
     * The attempt waited too long: for the response headers ({@code "first byte"}) or between two
     * body chunks ({@code "body stall"}).
     */
    record TimedOut(URI uri, String phase, long timeoutMillis, long bytesDelivered, int attempts)
            implements FetchResult {
        public TimedOut {
            Objects.requireNonNull(uri, "uri");
            Objects.requireNonNull(phase, "phase");
        }
    }

    /** No usable connection: refused, reset before the response, TLS failure, connect timeout. */
    record ConnectionFailed(URI uri, String reason, long bytesDelivered, int attempts) implements FetchResult {
        public ConnectionFailed {
            Objects.requireNonNull(uri, "uri");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** The response cannot be used, e.g. a {@code Content-Range} other than the one requested. */
    record InvalidResponse(URI uri, String reason, long bytesDelivered, int attempts) implements FetchResult {
        public InvalidResponse {
            Objects.requireNonNull(uri, "uri");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * The request's deadline passed first; the exchange in flight was aborted.
     *
     * @param lastFailure the failure of the last completed attempt, if any
     */
    record DeadlineExpired(long deadlineMillis, Optional<FetchResult> lastFailure, long bytesDelivered, int attempts)
            implements FetchResult {
        public DeadlineExpired {
            Objects.requireNonNull(lastFailure, "lastFailure");
        }
    }

    /** {@link Fetch#cancel()} was called, the fetcher was closed, or the listener threw. */
    record Cancelled(String reason, long bytesDelivered, int attempts) implements FetchResult {
        public Cancelled {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
