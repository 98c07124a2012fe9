package dev.hlsmesh.cdn.hls;

import dev.hlsmesh.cdn.ByteRange;
import dev.hlsmesh.protocol.swarm.SegmentIds;
import java.net.URI;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One media segment of a media playlist, with every tag that applies to it already resolved
 * (keys, init section, implicit byte-range offsets and program date-times carried forward).
 *
 * @param mediaSequenceNumber {@code EXT-X-MEDIA-SEQUENCE} plus the segment's position
 * @param id the segment id on the peer wire (PROTOCOL.md B.6): the media sequence number in a
 *     live playlist, the 0-based position in a VOD playlist (one with {@code EXT-X-ENDLIST})
 * @param uri resolved against the media playlist URL; the query (CDN token) is kept
 * @param byteRange {@code EXT-X-BYTERANGE} with the offset made explicit
 * @param durationSeconds {@code EXTINF} duration
 * @param discontinuity an {@code EXT-X-DISCONTINUITY} precedes the segment
 * @param discontinuitySequence the discontinuity sequence number the segment belongs to
 * @param initSection {@code EXT-X-MAP} in effect
 * @param key {@code EXT-X-KEY} in effect; empty when the segment is not encrypted
 * @param programDateTime {@code EXT-X-PROGRAM-DATE-TIME} of the segment, explicit or derived from
 *     the previous segment's date-time plus its duration (not across discontinuities)
 */
public record Segment(
        long mediaSequenceNumber,
        long id,
        URI uri,
        Optional<ByteRange> byteRange,
        double durationSeconds,
        boolean discontinuity,
        long discontinuitySequence,
        Optional<InitSection> initSection,
        Optional<EncryptionKey> key,
        Optional<Instant> programDateTime) {

    public Segment {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(byteRange, "byteRange");
        Objects.requireNonNull(initSection, "initSection");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(programDateTime, "programDateTime");
    }

    /**
     * The segment's local id as P2PML builds it: the absolute URL, plus {@code |start-end}
     * (inclusive end) for a byte range.
     */
    public String localId() {
        return byteRange
                .map(r -> SegmentIds.runtimeId(uri.toString(), r.offset(), r.lastByteInclusive()))
                .orElse(SegmentIds.runtimeId(uri.toString()));
    }
}
