package dev.hlsmesh.cdn.integrity;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The content of a segment-integrity sidecar (docs/security.md): for one media playlist, the
 * SHA-256 and size of each segment of a sliding window of consecutive media sequence numbers.
 * {@link SidecarCodec} turns it into signed canonical bytes and back.
 *
 * @param keyId the id of the Ed25519 key that signs it (rotation: agents may trust several)
 * @param playlistPath the raw path of the media playlist's URL as agents request it
 *     ({@code /live/360p/index.m3u8}): binds the sidecar to one stream
 * @param published when the publisher wrote it (UTC, whole seconds)
 * @param segments consecutive media sequence numbers, ascending; may be empty
 */
public record SegmentHashes(String keyId, String playlistPath, Instant published, List<Entry> segments) {

    /** Format version this code writes and reads. */
    public static final int VERSION = 1;

    static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

    public SegmentHashes {
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(playlistPath, "playlistPath");
        Objects.requireNonNull(published, "published");
        segments = List.copyOf(segments);
        if (!KEY_ID.matcher(keyId).matches()) {
            throw new IllegalArgumentException("keyId: '" + keyId + "' (expected: 1..64 of A-Z a-z 0-9 . _ -)");
        }
        if (!playlistPath.startsWith("/") || hasControlOrSpace(playlistPath)) {
            throw new IllegalArgumentException("playlistPath: '" + playlistPath
                    + "' (expected: an absolute URL path without spaces or control characters)");
        }
        if (published.getNano() != 0) {
            throw new IllegalArgumentException("published: " + published + " (expected: whole seconds)");
        }
        for (int i = 1; i < segments.size(); i++) {
            if (segments.get(i).mediaSequenceNumber() != segments.get(i - 1).mediaSequenceNumber() + 1) {
                throw new IllegalArgumentException("segments: media sequence " + segments.get(i).mediaSequenceNumber()
                        + " follows " + segments.get(i - 1).mediaSequenceNumber() + " (expected: consecutive)");
            }
        }
    }

    /** The entry of a media sequence number, if this sidecar lists it. */
    public Optional<Entry> entry(long mediaSequenceNumber) {
        if (segments.isEmpty()) {
            return Optional.empty();
        }
        long index = mediaSequenceNumber - segments.get(0).mediaSequenceNumber();
        return index < 0 || index >= segments.size() ? Optional.empty() : Optional.of(segments.get((int) index));
    }

    /**
     * One segment.
     *
     * @param mediaSequenceNumber its media sequence number
     * @param sha256Hex SHA-256 of its bytes (of its byte range, if it has one), lowercase hex
     * @param sizeBytes its size in bytes
     * @param path the raw path of its URL ({@code /live/360p/120.ts}; no host, no query: CDN
     *     hosts and tokens vary, the path names the file); agents compare it with the path of
     *     the segment they verify
     */
    public record Entry(long mediaSequenceNumber, String sha256Hex, long sizeBytes, String path) {
        public Entry {
            Objects.requireNonNull(sha256Hex, "sha256Hex");
            Objects.requireNonNull(path, "path");
            if (mediaSequenceNumber < 0) {
                throw new IllegalArgumentException("mediaSequenceNumber: " + mediaSequenceNumber + " (expected: >= 0)");
            }
            if (!SHA256_HEX.matcher(sha256Hex).matches()) {
                throw new IllegalArgumentException("sha256Hex: '" + sha256Hex + "' (expected: 64 lowercase hex digits)");
            }
            if (sizeBytes < 0) {
                throw new IllegalArgumentException("sizeBytes: " + sizeBytes + " (expected: >= 0)");
            }
            if (!path.startsWith("/") || path.indexOf('?') >= 0 || hasControlOrSpace(path)) {
                throw new IllegalArgumentException("path: '" + path
                        + "' (expected: an absolute URL path, no query, no spaces or control characters)");
            }
        }
    }

    static boolean hasControlOrSpace(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= 0x20 || c == 0x7f) {
                return true;
            }
        }
        return false;
    }
}
