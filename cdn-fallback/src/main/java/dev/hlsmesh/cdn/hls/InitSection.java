package dev.hlsmesh.cdn.hls;

import dev.hlsmesh.cdn.ByteRange;
import java.net.URI;
import java.util.Objects;
import java.util.Optional;

/**
 * The media initialization section of {@code EXT-X-MAP} that applies to a segment.
 *
 * @param uri resolved against the media playlist URL
 * @param byteRange the sub-range of {@code uri}; empty for the whole resource
 */
public record InitSection(URI uri, Optional<ByteRange> byteRange) {

    public InitSection {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(byteRange, "byteRange");
    }
}
