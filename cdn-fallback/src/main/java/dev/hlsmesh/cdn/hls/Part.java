package dev.hlsmesh.cdn.hls;

import dev.hlsmesh.cdn.ByteRange;
import dev.hlsmesh.cdn.fetch.FetchRequest;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * One LL-HLS partial segment ({@code EXT-X-PART}) of a media playlist.
 *
 * @param mediaSequenceNumber the media sequence number of the segment it belongs to (for the
 *     parts after the playlist's last segment: that segment's plus one, the segment in progress)
 * @param partIndex its position in its segment, from 0
 * @param uri resolved against the media playlist URL; the query (CDN token) is kept
 * @param byteRange {@code BYTERANGE} with the offset made explicit
 * @param durationSeconds {@code DURATION}
 * @param independent {@code INDEPENDENT=YES}: it starts with an independent frame
 * @param gap {@code GAP=YES}: not available, do not fetch
 */
public record Part(
        long mediaSequenceNumber,
        int partIndex,
        URI uri,
        Optional<ByteRange> byteRange,
        double durationSeconds,
        boolean independent,
        boolean gap) {

    public Part {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(byteRange, "byteRange");
        if (partIndex < 0) {
            throw new IllegalArgumentException("partIndex: " + partIndex + " (expected: >= 0)");
        }
    }

    /** Whether this part comes after part {@code partIndex} of segment {@code mediaSequenceNumber}. */
    public boolean isAfter(long mediaSequenceNumber, int partIndex) {
        return this.mediaSequenceNumber > mediaSequenceNumber
                || (this.mediaSequenceNumber == mediaSequenceNumber && this.partIndex > partIndex);
    }

    /**
     * A request for this part's bytes within {@code deadline}, marked as a live segment (a 404
     * from an edge that has not got it yet is retried).
     */
    public FetchRequest fetchRequest(Duration deadline) {
        FetchRequest request = FetchRequest.of(uri, deadline).asLiveSegment();
        return byteRange.isPresent() ? request.withByteRange(byteRange.get()) : request;
    }
}
