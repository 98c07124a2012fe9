package dev.hlsmesh.cdn.hls;

import dev.hlsmesh.protocol.swarm.StreamType;
import java.net.URI;
import java.util.Objects;

/**
 * The swarm a browser peer joins for one stream of a master playlist (PROTOCOL.md part B).
 *
 * @param playlistUri the stream's media playlist (variant or audio rendition), query kept
 * @param type {@code MAIN} for a variant, {@code SECONDARY} for an audio rendition
 * @param streamIndex the 28-character stream index (B.2)
 * @param streamSwarmId {@code v2-<swarmId>-<type>-<index>} (B.3)
 * @param infoHash the 20-character tracker info hash (B.4)
 */
public record SwarmStream(URI playlistUri, StreamType type, String streamIndex, String streamSwarmId,
        String infoHash) {

    public SwarmStream {
        Objects.requireNonNull(playlistUri, "playlistUri");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(streamIndex, "streamIndex");
        Objects.requireNonNull(streamSwarmId, "streamSwarmId");
        Objects.requireNonNull(infoHash, "infoHash");
    }
}
