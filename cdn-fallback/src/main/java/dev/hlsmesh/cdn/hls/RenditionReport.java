package dev.hlsmesh.cdn.hls;

import java.net.URI;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * {@code EXT-X-RENDITION-REPORT}: where another rendition's playlist stood when this one was
 * served, so a client switching to it can make its first reload a blocking one.
 *
 * @param uri the other rendition's media playlist, resolved against this playlist's URL
 * @param lastMediaSequenceNumber {@code LAST-MSN}
 * @param lastPartIndex {@code LAST-PART}
 */
public record RenditionReport(URI uri, OptionalLong lastMediaSequenceNumber, OptionalLong lastPartIndex) {

    public RenditionReport {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(lastMediaSequenceNumber, "lastMediaSequenceNumber");
        Objects.requireNonNull(lastPartIndex, "lastPartIndex");
    }
}
