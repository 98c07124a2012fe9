package dev.hlsmesh.cdn.hls;

import dev.hlsmesh.protocol.swarm.HlsjsStreams;
import dev.hlsmesh.protocol.swarm.StreamIndex;
import dev.hlsmesh.protocol.swarm.SwarmIds;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The swarms of a master playlist's streams, computed as a browser running hls.js with
 * p2p-media-loader 2.3 computes them, so that our agents meet browser peers. This class only maps
 * the parsed playlist onto the raw attributes {@link HlsjsStreams} expects; the derivation itself
 * lives in {@code dev.hlsmesh.protocol.swarm}.
 *
 * <p>Limits inherited from parsing with m3u8-parser: a variant without {@code BANDWIDTH}, or an
 * {@code EXT-X-MEDIA} without {@code NAME}, makes the playlist unparseable, where hls.js would
 * still play it. Stateless; any thread.
 */
public final class SwarmStreams {

    private SwarmStreams() {
    }

    /**
     * The swarms, with the default swarm id: the master playlist's URL as a browser reports it
     * (lowercase scheme and host, no default port) without its query (PROTOCOL.md B.1). Main
     * variants first (playlist order, first occurrence of a URL wins), then audio renditions that
     * have their own playlist.
     */
    public static List<SwarmStream> of(MasterPlaylist master) {
        Objects.requireNonNull(master, "master");
        return of(master, SwarmIds.swarmIdFromManifestUrl(asBrowserReportsIt(master.uri())));
    }

    /** The swarms with a configured swarm id (the {@code swarmId} option of p2p-media-loader). */
    public static List<SwarmStream> of(MasterPlaylist master, String swarmId) {
        Objects.requireNonNull(master, "master");
        Objects.requireNonNull(swarmId, "swarmId");
        List<HlsjsStreams.Variant> variants = new ArrayList<>();
        for (Variant v : master.variants()) {
            String resolution = v.width().isPresent() && v.height().isPresent()
                    ? v.width().getAsInt() + "x" + v.height().getAsInt() : null;
            variants.add(new HlsjsStreams.Variant(
                    v.uri().toString(),
                    Long.toString(v.bandwidth()),
                    v.averageBandwidth().isPresent() ? Long.toString(v.averageBandwidth().getAsLong()) : null,
                    v.codecs().isEmpty() ? null : String.join(",", v.codecs()),
                    resolution,
                    // Double.toString round-trips, so JavaScript's Number() of it is the attribute's value.
                    v.frameRate().isPresent() ? Double.toString(v.frameRate().getAsDouble()) : null,
                    v.videoRange().orElse(null),
                    v.audioGroupId().orElse(null)));
        }
        List<HlsjsStreams.AudioRendition> audio = new ArrayList<>();
        for (Rendition r : master.audioRenditions()) {
            audio.add(new HlsjsStreams.AudioRendition(
                    r.uri().orElseThrow().toString(),
                    r.groupId(),
                    r.name(),
                    r.language().orElse(null),
                    r.channels().isPresent() ? Integer.toString(r.channels().getAsInt()) : null));
        }
        List<SwarmStream> streams = new ArrayList<>();
        for (HlsjsStreams.Stream stream : HlsjsStreams.derive(variants, audio)) {
            String index = StreamIndex.index(stream.props());
            String streamSwarmId = SwarmIds.streamSwarmId(swarmId, stream.props().type(), index);
            streams.add(new SwarmStream(URI.create(stream.uri()), stream.props().type(), index, streamSwarmId,
                    SwarmIds.infoHash(streamSwarmId)));
        }
        return List.copyOf(streams);
    }

    /** Scheme and host lowercased and the default port dropped, as browsers normalise URLs. */
    static String asBrowserReportsIt(URI uri) {
        if (uri.getRawAuthority() == null || uri.getHost() == null) {
            return uri.toString();
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        int port = uri.getPort();
        boolean defaultPort = port == -1 || (scheme.equals("http") && port == 80)
                || (scheme.equals("https") && port == 443);
        StringBuilder out = new StringBuilder(scheme).append("://");
        if (uri.getRawUserInfo() != null) {
            out.append(uri.getRawUserInfo()).append('@');
        }
        out.append(uri.getHost().toLowerCase(Locale.ROOT));
        if (!defaultPort) {
            out.append(':').append(port);
        }
        out.append(uri.getRawPath() == null ? "" : uri.getRawPath());
        if (uri.getRawQuery() != null) {
            out.append('?').append(uri.getRawQuery());
        }
        return out.toString();
    }
}
