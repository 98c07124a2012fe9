package dev.hlsmesh.cdn.integrity;

import dev.hlsmesh.cdn.hls.MediaPlaylist;
import dev.hlsmesh.cdn.hls.Segment;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The sliding window of segment hashes of one media playlist, as the publisher keeps it: every
 * segment the playlist lists now, plus up to {@code keepOldSegments} that left it (players and
 * peers that reloaded the playlist a little earlier may still want them). Each segment is hashed
 * once; a segment whose path changed under the same media sequence number, or a media sequence
 * going backwards (a restarted packager), is hashed again.
 *
 * <p>Not thread-safe: one publisher thread owns it.
 */
public final class HashWindow {
    private final String keyId;
    private final String playlistPath;
    private final int keepOldSegments;
    private final TreeMap<Long, SegmentHashes.Entry> entries = new TreeMap<>();

    /** Reads a segment's bytes (its byte range only, if it has one). */
    @FunctionalInterface
    public interface SegmentReader {
        byte[] read(Segment segment) throws IOException;
    }

    /**
     * @param keyId id of the key that will sign the sidecars
     * @param playlistPath raw URL path of the media playlist as agents request it
     * @param keepOldSegments segments kept after they left the playlist (0..1000)
     */
    public HashWindow(String keyId, String playlistPath, int keepOldSegments) {
        this.keyId = Objects.requireNonNull(keyId, "keyId");
        this.playlistPath = Objects.requireNonNull(playlistPath, "playlistPath");
        if (keepOldSegments < 0 || keepOldSegments > 1000) {
            throw new IllegalArgumentException("keepOldSegments: " + keepOldSegments + " (expected: 0..1000)");
        }
        this.keepOldSegments = keepOldSegments;
    }

    /**
     * Takes a new snapshot of the playlist: hashes the segments not hashed yet and returns the
     * sidecar content for it.
     *
     * @throws IOException if a segment cannot be read; the window keeps what it had
     */
    public SegmentHashes update(MediaPlaylist playlist, SegmentReader reader, Instant now) throws IOException {
        Objects.requireNonNull(playlist, "playlist");
        Objects.requireNonNull(reader, "reader");
        Objects.requireNonNull(now, "now");
        if (!entries.isEmpty() && !playlist.segments().isEmpty() && playlist.mediaSequence() < entries.firstKey()) {
            entries.clear(); // the media sequence went backwards: a restarted stream
        }
        TreeMap<Long, SegmentHashes.Entry> fresh = new TreeMap<>();
        for (Segment segment : playlist.segments()) {
            long msn = segment.mediaSequenceNumber();
            String path = segment.uri().getRawPath();
            SegmentHashes.Entry known = entries.get(msn);
            if (known != null && known.path().equals(path)) {
                continue;
            }
            byte[] bytes = reader.read(segment);
            fresh.put(msn, new SegmentHashes.Entry(msn, sha256Hex(bytes), bytes.length, path));
        }
        if (!fresh.isEmpty() && !entries.isEmpty() && entries.lastKey() >= fresh.firstKey()) {
            // A listed segment changed under a known number: everything after it is new too.
            entries.tailMap(fresh.firstKey(), true).clear();
        }
        entries.putAll(fresh);
        if (!playlist.segments().isEmpty()) {
            long oldestKept = playlist.mediaSequence() - keepOldSegments;
            entries.headMap(oldestKept, false).clear();
            entries.tailMap(playlist.lastMediaSequenceNumber(), false).clear();
        }
        // Keep only the consecutive run that ends at the newest entry.
        List<SegmentHashes.Entry> window = new ArrayList<>();
        Long expected = null;
        for (SegmentHashes.Entry e : entries.descendingMap().values()) {
            if (expected != null && e.mediaSequenceNumber() != expected) {
                break;
            }
            window.add(0, e);
            expected = e.mediaSequenceNumber() - 1;
        }
        if (window.isEmpty()) {
            entries.clear();
        } else {
            entries.headMap(window.get(0).mediaSequenceNumber(), false).clear();
        }
        return new SegmentHashes(keyId, playlistPath, now.truncatedTo(ChronoUnit.SECONDS), window);
    }

    /** Lowercase hex SHA-256 of some bytes. */
    public static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JDK", e);
        }
    }
}
