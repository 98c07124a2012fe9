package dev.hlsmesh.cdn.fetch;

import dev.hlsmesh.cdn.ByteRange;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * What to fetch and by when.
 *
 * @param uri absolute http/https URL, query included (CDN tokens travel with it)
 * @param byteRange the part of the resource to fetch; empty for all of it
 * @param deadline the fetch ends by then, counted from {@link CdnFetcher#fetch}; retries and
 *     failover happen inside it
 * @param liveSegment the resource is a live segment that may not be published yet: a 404 is then
 *     retried (after back-off) instead of ending the fetch
 */
public record FetchRequest(URI uri, Optional<ByteRange> byteRange, Duration deadline, boolean liveSegment) {

    public FetchRequest {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(byteRange, "byteRange");
        Objects.requireNonNull(deadline, "deadline");
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!uri.isAbsolute() || !(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw new IllegalArgumentException("uri: " + uri + " (expected: an absolute http or https URL)");
        }
        if (deadline.isNegative() || deadline.isZero() || deadline.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("deadline: " + deadline + " (expected: more than 0, at most 1 hour)");
        }
    }

    /** Fetches all of {@code uri} within {@code deadline}. */
    public static FetchRequest of(URI uri, Duration deadline) {
        return new FetchRequest(uri, Optional.empty(), deadline, false);
    }

    /** The same request for the given part of the resource only. */
    public FetchRequest withByteRange(ByteRange range) {
        return new FetchRequest(uri, Optional.of(range), deadline, liveSegment);
    }

    /** The same request, marked as a live segment (a 404 is retried). */
    public FetchRequest asLiveSegment() {
        return new FetchRequest(uri, byteRange, deadline, true);
    }
}
