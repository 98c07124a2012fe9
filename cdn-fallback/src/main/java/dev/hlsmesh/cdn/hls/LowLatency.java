package dev.hlsmesh.cdn.hls;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The Low-Latency HLS side of a media playlist (RFC 8216bis): server control, parts, preload
 * hint, rendition reports. {@link #NONE} for a playlist without any of them.
 *
 * @param serverControl {@code EXT-X-SERVER-CONTROL}, {@link ServerControl#NONE} when absent
 * @param partTargetSeconds {@code EXT-X-PART-INF:PART-TARGET}
 * @param parts every {@code EXT-X-PART}, in playlist order: those of listed segments, then those
 *     of the segment in progress
 * @param preloadHint the {@code EXT-X-PRELOAD-HINT} (the parser reads one per playlist)
 * @param renditionReports {@code EXT-X-RENDITION-REPORT}s in playlist order
 */
public record LowLatency(
        ServerControl serverControl,
        OptionalDouble partTargetSeconds,
        List<Part> parts,
        Optional<PreloadHint> preloadHint,
        List<RenditionReport> renditionReports) {

    /** A playlist without LL-HLS tags. */
    public static final LowLatency NONE =
            new LowLatency(ServerControl.NONE, OptionalDouble.empty(), List.of(), Optional.empty(), List.of());

    public LowLatency {
        Objects.requireNonNull(serverControl, "serverControl");
        Objects.requireNonNull(partTargetSeconds, "partTargetSeconds");
        parts = List.copyOf(parts);
        Objects.requireNonNull(preloadHint, "preloadHint");
        renditionReports = List.copyOf(renditionReports);
    }

    /** The parts of one segment, in order (empty when none are listed). */
    public List<Part> partsOf(long mediaSequenceNumber) {
        return parts.stream().filter(p -> p.mediaSequenceNumber() == mediaSequenceNumber).toList();
    }

    /** The last listed part, if any. */
    public Optional<Part> lastPart() {
        return parts.isEmpty() ? Optional.empty() : Optional.of(parts.get(parts.size() - 1));
    }
}
