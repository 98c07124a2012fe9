package dev.hlsmesh.cdn.hls;

import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * One {@code EXT-X-STREAM-INF} entry of a master playlist.
 *
 * @param uri the variant's media playlist, resolved against the master playlist URL (query kept)
 * @param bandwidth {@code BANDWIDTH} in bits per second
 * @param averageBandwidth {@code AVERAGE-BANDWIDTH}
 * @param codecs {@code CODECS} entries in playlist order, trimmed (split on commas and spaces)
 * @param width {@code RESOLUTION} width
 * @param height {@code RESOLUTION} height
 * @param frameRate {@code FRAME-RATE}
 * @param videoRange {@code VIDEO-RANGE} ({@code SDR}, {@code PQ}, {@code HLG})
 * @param audioGroupId {@code AUDIO} group id, linking to {@link Rendition}s of type audio
 */
public record Variant(
        URI uri,
        long bandwidth,
        OptionalLong averageBandwidth,
        List<String> codecs,
        OptionalInt width,
        OptionalInt height,
        OptionalDouble frameRate,
        Optional<String> videoRange,
        Optional<String> audioGroupId) {

    public Variant {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(averageBandwidth, "averageBandwidth");
        codecs = List.copyOf(codecs);
        Objects.requireNonNull(width, "width");
        Objects.requireNonNull(height, "height");
        Objects.requireNonNull(frameRate, "frameRate");
        Objects.requireNonNull(videoRange, "videoRange");
        Objects.requireNonNull(audioGroupId, "audioGroupId");
    }
}
