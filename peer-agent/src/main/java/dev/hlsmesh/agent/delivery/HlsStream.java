package dev.hlsmesh.agent.delivery;

import static java.util.Objects.requireNonNull;

import dev.hlsmesh.cdn.hls.Rendition;
import dev.hlsmesh.cdn.hls.Variant;
import java.net.URI;
import java.util.Optional;

/**
 * One media playlist a player plays: a variant of a master playlist, an alternate rendition with
 * its own playlist, or a lone media playlist. Peers share segments per stream (one swarm per
 * stream, PROTOCOL.md B): {@code masterPlaylistUri} and {@code variant}/{@code rendition} are what
 * the swarm identity is computed from.
 *
 * @param mediaPlaylistUri the upstream media playlist, absolute (CDN query kept)
 * @param masterPlaylistUri the upstream master playlist it is listed in, after redirects; empty
 *     for a lone media playlist
 * @param variant the {@code EXT-X-STREAM-INF} entry, for a main stream
 * @param rendition the {@code EXT-X-MEDIA} entry, for a secondary (alternate rendition) stream
 */
public record HlsStream(URI mediaPlaylistUri, Optional<URI> masterPlaylistUri, Optional<Variant> variant,
    Optional<Rendition> rendition) {

  public HlsStream {
    requireNonNull(mediaPlaylistUri, "mediaPlaylistUri");
    requireNonNull(masterPlaylistUri, "masterPlaylistUri");
    requireNonNull(variant, "variant");
    requireNonNull(rendition, "rendition");
    if (variant.isPresent() && rendition.isPresent()) {
      throw new IllegalArgumentException("a stream is a variant or a rendition, not both");
    }
  }

  /** A lone media playlist, not listed in a master playlist. */
  public static HlsStream ofMediaPlaylist(URI mediaPlaylistUri) {
    return new HlsStream(mediaPlaylistUri, Optional.empty(), Optional.empty(), Optional.empty());
  }

  /** A variant of a master playlist. */
  public static HlsStream ofVariant(URI masterPlaylistUri, Variant variant) {
    requireNonNull(variant, "variant");
    return new HlsStream(variant.uri(), Optional.of(masterPlaylistUri), Optional.of(variant), Optional.empty());
  }

  /** An alternate rendition with its own media playlist. */
  public static HlsStream ofRendition(URI masterPlaylistUri, Rendition rendition) {
    requireNonNull(rendition, "rendition");
    URI uri = rendition.uri().orElseThrow(
        () -> new IllegalArgumentException("rendition " + rendition.name() + " has no URI (expected: its own playlist)"));
    return new HlsStream(uri, Optional.of(masterPlaylistUri), Optional.empty(), Optional.of(rendition));
  }
}
