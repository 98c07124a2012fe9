package dev.hlsmesh.cdn.hls;

import dev.hlsmesh.cdn.ByteRange;
import dev.hlsmesh.cdn.fetch.FetchRequest;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * {@code EXT-X-PRELOAD-HINT}: a resource the server is producing now and will list next, which a
 * client may request at once and receive as it is produced.
 *
 * @param type {@code TYPE}
 * @param uri resolved against the media playlist URL
 * @param byteRangeStart {@code BYTERANGE-START} (0 when absent)
 * @param byteRangeLength {@code BYTERANGE-LENGTH}, when the server knows it
 * @param mediaSequenceNumber for a {@code PART} hint, the segment of the hinted part: the one in
 *     progress (the playlist's last segment plus one)
 * @param partIndex for a {@code PART} hint, the index the hinted part will have in its segment
 *     (the number of its parts already listed)
 */
public record PreloadHint(
        Type type,
        URI uri,
        long byteRangeStart,
        OptionalLong byteRangeLength,
        long mediaSequenceNumber,
        int partIndex) {

    /** Hint types of RFC 8216bis. */
    public enum Type { PART, MAP }

    public PreloadHint {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(byteRangeLength, "byteRangeLength");
        if (byteRangeStart < 0) {
            throw new IllegalArgumentException("byteRangeStart: " + byteRangeStart + " (expected: >= 0)");
        }
    }

    /**
     * A request for the hinted bytes within {@code deadline}, marked as a live segment (a 404 is
     * retried): the whole resource, or {@code BYTERANGE-START} and {@code BYTERANGE-LENGTH} of
     * it. Empty for a hint that starts inside its resource with no length, which
     * {@link FetchRequest} cannot ask for: fetch the part once it is listed instead.
     */
    public Optional<FetchRequest> fetchRequest(Duration deadline) {
        FetchRequest request = FetchRequest.of(uri, deadline).asLiveSegment();
        if (byteRangeLength.isPresent()) {
            return Optional.of(request.withByteRange(new ByteRange(byteRangeStart, byteRangeLength.getAsLong())));
        }
        return byteRangeStart == 0 ? Optional.of(request) : Optional.empty();
    }

    /** Whether {@code part} is the part this hint announced (same place, same resource and range). */
    public boolean announces(Part part) {
        if (type != Type.PART || part.mediaSequenceNumber() != mediaSequenceNumber || part.partIndex() != partIndex
                || !part.uri().equals(uri)) {
            return false;
        }
        long start = part.byteRange().map(ByteRange::offset).orElse(0L);
        return start == byteRangeStart && (byteRangeLength.isEmpty()
                || part.byteRange().map(ByteRange::length).orElse(-1L) == byteRangeLength.getAsLong());
    }
}
