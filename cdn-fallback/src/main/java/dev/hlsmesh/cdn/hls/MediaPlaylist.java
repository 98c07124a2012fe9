package dev.hlsmesh.cdn.hls;

import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A parsed media playlist.
 *
 * @param uri the URL it was loaded from (after redirects)
 * @param targetDurationSeconds {@code EXT-X-TARGETDURATION}
 * @param mediaSequence {@code EXT-X-MEDIA-SEQUENCE} (0 when absent)
 * @param discontinuitySequence {@code EXT-X-DISCONTINUITY-SEQUENCE} (0 when absent)
 * @param endList {@code EXT-X-ENDLIST} present: the playlist will not change any more
 * @param playlistType {@code EXT-X-PLAYLIST-TYPE} ({@code VOD}, {@code EVENT})
 * @param segments the complete segments in playlist order
 * @param lowLatency the LL-HLS tags: server control, parts (including those of the segment in
 *     progress, which is not among {@code segments}), preload hint, rendition reports;
 *     {@link LowLatency#NONE} for a plain playlist
 */
public record MediaPlaylist(
        URI uri,
        int targetDurationSeconds,
        long mediaSequence,
        long discontinuitySequence,
        boolean endList,
        Optional<String> playlistType,
        List<Segment> segments,
        LowLatency lowLatency) {

    public MediaPlaylist {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(playlistType, "playlistType");
        segments = List.copyOf(segments);
        Objects.requireNonNull(lowLatency, "lowLatency");
    }

    /** A plain (not LL-HLS) media playlist. */
    public MediaPlaylist(URI uri, int targetDurationSeconds, long mediaSequence, long discontinuitySequence,
            boolean endList, Optional<String> playlistType, List<Segment> segments) {
        this(uri, targetDurationSeconds, mediaSequence, discontinuitySequence, endList, playlistType, segments,
                LowLatency.NONE);
    }

    /**
     * Live as hls.js decides it (PROTOCOL.md B.6): no {@code EXT-X-ENDLIST}; an EVENT playlist is
     * live. Decides whether segment ids are media sequence numbers or positions.
     */
    public boolean live() {
        return !endList;
    }

    /** The media sequence number of the last segment, or {@code mediaSequence - 1} when empty. */
    public long lastMediaSequenceNumber() {
        return mediaSequence + segments.size() - 1;
    }

    /** The segment with this media sequence number, if the playlist still lists it. */
    public Optional<Segment> segmentByMediaSequence(long mediaSequenceNumber) {
        long index = mediaSequenceNumber - mediaSequence;
        if (index < 0 || index >= segments.size()) {
            return Optional.empty();
        }
        return Optional.of(segments.get((int) index));
    }
}
