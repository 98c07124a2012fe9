package dev.hlsmesh.cdn.hls;

import java.net.URI;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One {@code EXT-X-MEDIA} alternate rendition of a master playlist.
 *
 * @param type {@code TYPE}
 * @param groupId {@code GROUP-ID}
 * @param name {@code NAME}
 * @param language {@code LANGUAGE}, as written ({@code en-US})
 * @param channels the channel count of {@code CHANNELS} (the part before any {@code /})
 * @param uri the rendition's media playlist, resolved against the master playlist URL; empty when
 *     the rendition is carried inside the variant streams
 * @param isDefault {@code DEFAULT=YES}
 * @param autoSelect {@code AUTOSELECT=YES}
 */
public record Rendition(
        Type type,
        String groupId,
        String name,
        Optional<String> language,
        OptionalInt channels,
        Optional<URI> uri,
        boolean isDefault,
        boolean autoSelect) {

    /** Rendition types of {@code EXT-X-MEDIA}. */
    public enum Type { AUDIO, VIDEO, SUBTITLES, CLOSED_CAPTIONS }

    public Rendition {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(groupId, "groupId");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(language, "language");
        Objects.requireNonNull(channels, "channels");
        Objects.requireNonNull(uri, "uri");
    }
}
