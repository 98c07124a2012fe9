package dev.hlsmesh.cdn.hls;

import java.net.URI;
import java.util.List;
import java.util.Objects;

/**
 * A parsed master (multivariant) playlist.
 *
 * @param uri the URL it was loaded from (after redirects); relative URLs were resolved against it
 *     and it is the base of the swarm id (without its query)
 * @param variants {@code EXT-X-STREAM-INF} entries in playlist order
 * @param renditions {@code EXT-X-MEDIA} entries in playlist order
 */
public record MasterPlaylist(URI uri, List<Variant> variants, List<Rendition> renditions) {

    public MasterPlaylist {
        Objects.requireNonNull(uri, "uri");
        variants = List.copyOf(variants);
        renditions = List.copyOf(renditions);
    }

    /** The {@code EXT-X-MEDIA} renditions of type audio that have their own media playlist. */
    public List<Rendition> audioRenditions() {
        return renditions.stream()
                .filter(r -> r.type() == Rendition.Type.AUDIO && r.uri().isPresent())
                .toList();
    }
}
