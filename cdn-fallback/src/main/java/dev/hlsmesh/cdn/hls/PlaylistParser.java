package dev.hlsmesh.cdn.hls;

import dev.hlsmesh.cdn.ByteRange;
import dev.hlsmesh.protocol.swarm.SegmentIds;
import io.lindstrom.m3u8.model.KeyMethod;
import io.lindstrom.m3u8.parser.MasterPlaylistParser;
import io.lindstrom.m3u8.parser.MediaPlaylistParser;
import io.lindstrom.m3u8.parser.ParsingMode;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Parses HLS playlists (RFC 8216 and its LL-HLS additions) into hlsmesh's own immutable model, so
 * that nothing else depends on the parser library's types. The text is parsed by
 * io.lindstrom:m3u8-parser in lenient mode: unknown tags and attributes are skipped. What the
 * library leaves to the reader is done here: relative URLs are resolved against the playlist URL,
 * keys, init sections, byte-range offsets and program date-times are carried forward to every
 * segment they apply to, and LL-HLS parts get the media sequence number of their segment and
 * their index in it (see {@link LowLatency}).
 *
 * <p>Stateless; any thread.
 */
public final class PlaylistParser {

    private PlaylistParser() {
    }

    /**
     * Parses a master playlist.
     *
     * @param playlistUri the URL the text came from, after redirects
     * @throws PlaylistParseException when the text is not a valid master playlist
     */
    public static MasterPlaylist parseMaster(URI playlistUri, String text) throws PlaylistParseException {
        Objects.requireNonNull(playlistUri, "playlistUri");
        Objects.requireNonNull(text, "text");
        io.lindstrom.m3u8.model.MasterPlaylist parsed;
        try {
            parsed = new MasterPlaylistParser(ParsingMode.LENIENT).readPlaylist(text);
        } catch (Exception e) { // the library also throws unchecked exceptions on bad values
            throw new PlaylistParseException(playlistUri, "not a valid master playlist: " + e.getMessage(), e);
        }
        List<Variant> variants = new ArrayList<>();
        for (io.lindstrom.m3u8.model.Variant v : parsed.variants()) {
            variants.add(new Variant(
                    resolve(playlistUri, v.uri()),
                    v.bandwidth(),
                    v.averageBandwidth().map(OptionalLong::of).orElse(OptionalLong.empty()),
                    splitCodecs(v.codecs()),
                    v.resolution().map(r -> OptionalInt.of(r.width())).orElse(OptionalInt.empty()),
                    v.resolution().map(r -> OptionalInt.of(r.height())).orElse(OptionalInt.empty()),
                    v.frameRate().map(OptionalDouble::of).orElse(OptionalDouble.empty()),
                    v.videoRange().map(Enum::name),
                    v.audio()));
        }
        List<Rendition> renditions = new ArrayList<>();
        for (io.lindstrom.m3u8.model.AlternativeRendition r : parsed.alternativeRenditions()) {
            Optional<URI> uri = Optional.empty();
            if (r.uri().isPresent()) {
                uri = Optional.of(resolve(playlistUri, r.uri().get()));
            }
            renditions.add(new Rendition(
                    Rendition.Type.valueOf(r.type().name()),
                    r.groupId(),
                    r.name(),
                    r.language(),
                    r.channels().map(c -> OptionalInt.of(c.count())).orElse(OptionalInt.empty()),
                    uri,
                    r.defaultRendition().orElse(false),
                    r.autoSelect().orElse(false)));
        }
        return new MasterPlaylist(playlistUri, variants, renditions);
    }

    /**
     * Parses a media playlist.
     *
     * @param playlistUri the URL the text came from, after redirects
     * @throws PlaylistParseException when the text is not a valid media playlist
     */
    public static MediaPlaylist parseMedia(URI playlistUri, String text) throws PlaylistParseException {
        Objects.requireNonNull(playlistUri, "playlistUri");
        Objects.requireNonNull(text, "text");
        io.lindstrom.m3u8.model.MediaPlaylist parsed;
        try {
            parsed = new MediaPlaylistParser(ParsingMode.LENIENT).readPlaylist(text);
        } catch (Exception e) { // the library also throws unchecked exceptions on bad values
            throw new PlaylistParseException(playlistUri, "not a valid media playlist: " + e.getMessage(), e);
        }
        if (parsed.targetDuration() < 1) {
            throw new PlaylistParseException(playlistUri,
                    "EXT-X-TARGETDURATION: " + parsed.targetDuration() + " (expected: >= 1)", null);
        }
        boolean endList = !parsed.ongoing();
        long mediaSequence = parsed.mediaSequence();
        long discontinuitySequence = parsed.discontinuitySequence();
        List<Segment> segments = new ArrayList<>();
        Optional<EncryptionKey> key = Optional.empty();
        Optional<InitSection> init = Optional.empty();
        URI previousUri = null;
        ByteRange previousRange = null;
        Instant nextDateTime = null;
        int position = 0;
        List<Part> parts = new ArrayList<>();
        for (io.lindstrom.m3u8.model.MediaSegment s : parsed.mediaSegments()) {
            addParts(playlistUri, mediaSequence + position, s.partialSegments(), parts);
            URI uri = resolve(playlistUri, s.uri());
            if (s.segmentKey().isPresent()) {
                key = toKey(playlistUri, s.segmentKey().get());
            }
            if (s.segmentMap().isPresent()) {
                io.lindstrom.m3u8.model.SegmentMap map = s.segmentMap().get();
                Optional<ByteRange> mapRange = Optional.empty();
                if (map.byteRange().isPresent()) {
                    io.lindstrom.m3u8.model.ByteRange r = map.byteRange().get();
                    mapRange = Optional.of(byteRange(playlistUri, r.offset().orElse(0L), r.length()));
                }
                init = Optional.of(new InitSection(resolve(playlistUri, map.uri()), mapRange));
            }
            Optional<ByteRange> range = Optional.empty();
            if (s.byteRange().isPresent()) {
                io.lindstrom.m3u8.model.ByteRange r = s.byteRange().get();
                long offset;
                if (r.offset().isPresent()) {
                    offset = r.offset().get();
                } else if (previousRange != null && uri.equals(previousUri)) {
                    offset = previousRange.offset() + previousRange.length();
                } else {
                    throw new PlaylistParseException(playlistUri, "EXT-X-BYTERANGE without offset for " + uri
                            + " does not follow a sub-range of the same resource", null);
                }
                range = Optional.of(byteRange(playlistUri, offset, r.length()));
            }
            if (s.discontinuity()) {
                discontinuitySequence++;
                nextDateTime = null;
            }
            if (!Double.isFinite(s.duration()) || s.duration() < 0) {
                throw new PlaylistParseException(playlistUri, "EXTINF: " + s.duration() + " (expected: >= 0)", null);
            }
            Instant dateTime = s.programDateTime().map(t -> t.toInstant()).orElse(nextDateTime);
            long msn = mediaSequence + position;
            segments.add(new Segment(
                    msn,
                    SegmentIds.externalId(!endList, mediaSequence, position),
                    uri,
                    range,
                    s.duration(),
                    s.discontinuity(),
                    discontinuitySequence,
                    init,
                    key,
                    Optional.ofNullable(dateTime)));
            nextDateTime = dateTime == null ? null
                    : dateTime.plus(Duration.ofNanos(Math.round(s.duration() * 1_000_000_000d)));
            previousUri = uri;
            previousRange = range.orElse(null);
            position++;
        }
        long inProgressMsn = mediaSequence + position;
        addParts(playlistUri, inProgressMsn, parsed.partialSegments(), parts);
        return new MediaPlaylist(playlistUri, parsed.targetDuration(), mediaSequence, parsed.discontinuitySequence(),
                endList, parsed.playlistType().map(Enum::name), segments,
                lowLatency(playlistUri, parsed, parts, inProgressMsn));
    }

    /** Adds the parts of segment {@code msn} (in order), with byte-range offsets made explicit. */
    private static void addParts(URI playlistUri, long msn, List<io.lindstrom.m3u8.model.PartialSegment> partials,
            List<Part> out) throws PlaylistParseException {
        Part previous = null;
        for (io.lindstrom.m3u8.model.PartialSegment p : partials) {
            if (!Double.isFinite(p.duration()) || p.duration() < 0) {
                throw new PlaylistParseException(playlistUri, "EXT-X-PART DURATION: " + p.duration()
                        + " (expected: >= 0)", null);
            }
            URI uri = resolve(playlistUri, p.uri());
            Optional<ByteRange> range = Optional.empty();
            if (p.byterange().isPresent()) {
                io.lindstrom.m3u8.model.ByteRange r = p.byterange().get();
                long offset;
                if (r.offset().isPresent()) {
                    offset = r.offset().get();
                } else if (previous != null && previous.byteRange().isPresent() && uri.equals(previous.uri())) {
                    offset = previous.byteRange().get().offset() + previous.byteRange().get().length();
                } else {
                    throw new PlaylistParseException(playlistUri, "EXT-X-PART BYTERANGE without offset for " + uri
                            + " does not follow a part of the same resource", null);
                }
                range = Optional.of(byteRange(playlistUri, offset, r.length()));
            }
            int index = previous == null ? 0 : previous.partIndex() + 1;
            previous = new Part(msn, index, uri, range, p.duration(), p.independent(), p.gap());
            out.add(previous);
        }
    }

    private static LowLatency lowLatency(URI playlistUri, io.lindstrom.m3u8.model.MediaPlaylist parsed,
            List<Part> parts, long inProgressMsn) throws PlaylistParseException {
        ServerControl control = ServerControl.NONE;
        if (parsed.serverControl().isPresent()) {
            io.lindstrom.m3u8.model.ServerControl c = parsed.serverControl().get();
            control = new ServerControl(c.canBlockReload(), optional(c.holdBack()), optional(c.partHoldBack()),
                    optional(c.canSkipUntil()));
        }
        OptionalDouble partTarget = parsed.partialSegmentInformation()
                .map(i -> OptionalDouble.of(i.partTargetDuration())).orElse(OptionalDouble.empty());
        Optional<PreloadHint> hint = Optional.empty();
        if (parsed.preloadHint().isPresent()) {
            io.lindstrom.m3u8.model.PreloadHint h = parsed.preloadHint().get();
            long start = h.byteRangeStart().orElse(0L);
            if (start < 0 || h.byteRangeLength().map(length -> length < 1).orElse(false)) {
                throw new PlaylistParseException(playlistUri, "EXT-X-PRELOAD-HINT: BYTERANGE-START " + start
                        + ", BYTERANGE-LENGTH " + h.byteRangeLength().orElse(null) + " (expected: >= 0, >= 1)", null);
            }
            int listedInProgress = (int) parts.stream().filter(p -> p.mediaSequenceNumber() == inProgressMsn).count();
            hint = Optional.of(new PreloadHint(PreloadHint.Type.valueOf(h.type().name()), resolve(playlistUri, h.uri()),
                    start, h.byteRangeLength().map(OptionalLong::of).orElse(OptionalLong.empty()), inProgressMsn,
                    listedInProgress));
        }
        List<RenditionReport> reports = new ArrayList<>();
        for (io.lindstrom.m3u8.model.RenditionReport r : parsed.renditionReports()) {
            reports.add(new RenditionReport(resolve(playlistUri, r.uri()),
                    r.lastMediaSequenceNumber().map(OptionalLong::of).orElse(OptionalLong.empty()),
                    r.lastPartialSegmentIndex().map(OptionalLong::of).orElse(OptionalLong.empty())));
        }
        if (control.equals(ServerControl.NONE) && partTarget.isEmpty() && parts.isEmpty() && hint.isEmpty()
                && reports.isEmpty()) {
            return LowLatency.NONE;
        }
        return new LowLatency(control, partTarget, parts, hint, reports);
    }

    private static OptionalDouble optional(Optional<Double> value) {
        return value.map(OptionalDouble::of).orElse(OptionalDouble.empty());
    }

    private static Optional<EncryptionKey> toKey(URI playlistUri, io.lindstrom.m3u8.model.SegmentKey key)
            throws PlaylistParseException {
        if (key.method() == KeyMethod.NONE) {
            return Optional.empty();
        }
        Optional<URI> uri = Optional.empty();
        if (key.uri().isPresent()) {
            uri = Optional.of(resolve(playlistUri, key.uri().get()));
        }
        return Optional.of(new EncryptionKey(key.method().toString(), uri, key.iv(), key.keyFormat()));
    }

    private static ByteRange byteRange(URI playlistUri, long offset, long length) throws PlaylistParseException {
        try {
            return new ByteRange(offset, length);
        } catch (IllegalArgumentException e) {
            throw new PlaylistParseException(playlistUri, "bad byte range " + length + "@" + offset + ": "
                    + e.getMessage(), e);
        }
    }

    /** CODECS may be separated by commas (RFC 8216) or, in the wild, spaces, as hls.js accepts. */
    private static List<String> splitCodecs(List<String> codecs) {
        List<String> out = new ArrayList<>();
        for (String item : codecs) {
            for (String part : item.split("[\\s,]+")) {
                if (!part.isEmpty()) {
                    out.add(part);
                }
            }
        }
        return out;
    }

    static URI resolve(URI base, String reference) throws PlaylistParseException {
        try {
            URI resolved = base.resolve(reference.trim());
            String scheme = resolved.getScheme();
            if (scheme == null || !(scheme.toLowerCase(Locale.ROOT).equals("http")
                    || scheme.toLowerCase(Locale.ROOT).equals("https"))) {
                throw new PlaylistParseException(base, "URL " + reference + " (expected: http or https)", null);
            }
            return resolved;
        } catch (IllegalArgumentException e) {
            throw new PlaylistParseException(base, "bad URL " + reference + ": " + e.getMessage(), e);
        }
    }
}
