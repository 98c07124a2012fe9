package dev.hlsmesh.cdn.integrity;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Writes and reads the segment-integrity sidecar, version 1 (docs/security.md has the format).
 * The signature is Ed25519 over the exact bytes before the {@code #SIGNATURE:} line; there is one
 * canonical encoding of a given {@link SegmentHashes}, and a reader accepts nothing else, so what
 * is verified is exactly what is used.
 *
 * <p>Pure: no I/O; any thread.
 */
public final class SidecarCodec {
    /** The first line of every version-1 sidecar. */
    static final String MAGIC = "#HLSMESH-SEGMENT-HASHES:";
    private static final String KEY_ID = "#KEY-ID:";
    private static final String PLAYLIST = "#PLAYLIST:";
    private static final String PUBLISHED = "#PUBLISHED:";
    private static final String SEGMENTS = "#SEGMENTS:";
    private static final String SIGNATURE = "#SIGNATURE:";
    private static final int SIGNATURE_BYTES = 64;

    private SidecarCodec() {}

    /** The canonical bytes that are signed: every line of the sidecar but the signature. */
    public static byte[] canonicalBytes(SegmentHashes hashes) {
        Objects.requireNonNull(hashes, "hashes");
        StringBuilder text = new StringBuilder(128 + hashes.segments().size() * 100);
        text.append(MAGIC).append(SegmentHashes.VERSION).append('\n');
        text.append(KEY_ID).append(hashes.keyId()).append('\n');
        text.append(PLAYLIST).append(hashes.playlistPath()).append('\n');
        text.append(PUBLISHED).append(DateTimeFormatter.ISO_INSTANT.format(hashes.published())).append('\n');
        text.append(SEGMENTS).append(hashes.segments().size()).append('\n');
        for (SegmentHashes.Entry e : hashes.segments()) {
            text.append(e.mediaSequenceNumber()).append(' ').append(e.sha256Hex()).append(' ')
                    .append(e.sizeBytes()).append(' ').append(e.path()).append('\n');
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The whole sidecar file: the canonical bytes and a {@code #SIGNATURE:} line made with
     * {@code key}, which must be the private half of the key named by {@code hashes.keyId()}.
     *
     * @throws IllegalArgumentException if {@code key} is not an Ed25519 private key, or a path is
     *     not ASCII
     */
    public static byte[] sign(SegmentHashes hashes, PrivateKey key) {
        Objects.requireNonNull(key, "key");
        byte[] body = canonicalBytes(hashes);
        for (byte b : body) {
            if (b < 0) {
                throw new IllegalArgumentException("sidecar for " + hashes.playlistPath()
                        + ": a path is not ASCII (expected: percent-encoded)");
            }
        }
        byte[] signature;
        try {
            Signature signer = Signature.getInstance("Ed25519");
            signer.initSign(key);
            signer.update(body);
            signature = signer.sign();
        } catch (InvalidKeyException e) {
            throw new IllegalArgumentException("not an Ed25519 private key: " + key.getAlgorithm(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is not available in this JDK", e);
        }
        byte[] line = (SIGNATURE + Base64.getEncoder().encodeToString(signature) + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] file = Arrays.copyOf(body, body.length + line.length);
        System.arraycopy(line, 0, file, body.length, line.length);
        return file;
    }

    /**
     * Reads a sidecar and checks, in this order: its version, that its key id is trusted, the
     * signature over the bytes before the signature line, that those bytes are the canonical
     * encoding of what they say, and that it is the sidecar of {@code expectedPlaylistPath}.
     *
     * @param trustedKeys Ed25519 public keys by key id
     * @param expectedPlaylistPath the raw URL path of the media playlist the caller plays
     * @throws SidecarException with a precise message when any check fails
     */
    public static SegmentHashes verify(byte[] file, Map<String, PublicKey> trustedKeys, String expectedPlaylistPath)
            throws SidecarException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(trustedKeys, "trustedKeys");
        Objects.requireNonNull(expectedPlaylistPath, "expectedPlaylistPath");
        for (int i = 0; i < file.length; i++) {
            byte b = file[i];
            if (b < 0 || (b < 0x20 && b != '\n') || b == 0x7f) {
                throw new SidecarException("byte " + i + " is 0x" + Integer.toHexString(b & 0xff)
                        + " (expected: printable ASCII and LF line ends)");
            }
        }
        String text = new String(file, StandardCharsets.US_ASCII);
        if (!text.startsWith(MAGIC)) {
            throw new SidecarException("not a segment-hash sidecar (expected: first line " + MAGIC + "1)");
        }
        String versionLine = line(text, 0);
        String version = versionLine.substring(MAGIC.length());
        if (!version.equals(Integer.toString(SegmentHashes.VERSION))) {
            throw new SidecarException("unsupported sidecar version '" + version + "' (expected: " + SegmentHashes.VERSION + ")");
        }
        if (!text.endsWith("\n")) {
            throw new SidecarException("the last line does not end with LF (truncated?)");
        }
        int signatureStart = text.lastIndexOf("\n" + SIGNATURE, text.length() - 2) + 1;
        if (signatureStart <= 0) {
            throw new SidecarException("unsigned: no " + SIGNATURE + " line at the end");
        }
        String signatureValue = text.substring(signatureStart + SIGNATURE.length(), text.length() - 1);
        byte[] signature;
        try {
            signature = Base64.getDecoder().decode(signatureValue);
        } catch (IllegalArgumentException e) {
            throw new SidecarException("signature: not base64");
        }
        if (signature.length != SIGNATURE_BYTES || !Base64.getEncoder().encodeToString(signature).equals(signatureValue)) {
            throw new SidecarException("signature: " + signature.length + " bytes (expected: 64, canonical base64)");
        }
        String body = text.substring(0, signatureStart);
        List<String> lines = new ArrayList<>(List.of(body.split("\n", -1)));
        lines.remove(lines.size() - 1); // the empty string after the final LF
        if (lines.size() < 5) {
            throw new SidecarException("header: " + lines.size() + " lines (expected: 5 header lines)");
        }
        String keyId = field(lines.get(1), KEY_ID, 2);
        PublicKey key = trustedKeys.get(keyId);
        if (key == null) {
            throw new SidecarException("key id '" + keyId + "' is not trusted (trusted: " + new TreeSet<>(trustedKeys.keySet()) + ")");
        }
        byte[] signed = body.getBytes(StandardCharsets.US_ASCII);
        try {
            Signature verifier = Signature.getInstance("Ed25519");
            verifier.initVerify(key);
            verifier.update(signed);
            if (!verifier.verify(signature)) {
                throw new SidecarException("bad signature for key id '" + keyId + "'");
            }
        } catch (InvalidKeyException e) {
            throw new SidecarException("key id '" + keyId + "' is not an Ed25519 public key");
        } catch (SignatureException e) {
            throw new SidecarException("bad signature for key id '" + keyId + "': " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is not available in this JDK", e);
        }
        SegmentHashes hashes = parseSigned(lines, keyId);
        if (!Arrays.equals(canonicalBytes(hashes), signed)) {
            throw new SidecarException("signed bytes are not in canonical form");
        }
        if (!hashes.playlistPath().equals(expectedPlaylistPath)) {
            throw new SidecarException("sidecar of playlist " + hashes.playlistPath() + " (expected: " + expectedPlaylistPath + ")");
        }
        return hashes;
    }

    private static SegmentHashes parseSigned(List<String> lines, String keyId) throws SidecarException {
        String playlist = field(lines.get(2), PLAYLIST, 3);
        Instant published;
        try {
            published = Instant.parse(field(lines.get(3), PUBLISHED, 4));
        } catch (DateTimeParseException e) {
            throw new SidecarException("line 4: " + PUBLISHED + " is not an ISO-8601 instant");
        }
        long count = number(field(lines.get(4), SEGMENTS, 5), 5);
        if (count != lines.size() - 5) {
            throw new SidecarException(SEGMENTS + count + " but " + (lines.size() - 5) + " segment lines");
        }
        List<SegmentHashes.Entry> entries = new ArrayList<>();
        for (int i = 5; i < lines.size(); i++) {
            String[] parts = lines.get(i).split(" ", 4);
            if (parts.length != 4) {
                throw new SidecarException("line " + (i + 1) + ": expected 'MSN SHA256 SIZE PATH'");
            }
            try {
                entries.add(new SegmentHashes.Entry(number(parts[0], i + 1), parts[1], number(parts[2], i + 1), parts[3]));
            } catch (IllegalArgumentException e) {
                throw new SidecarException("line " + (i + 1) + ": " + e.getMessage());
            }
        }
        try {
            return new SegmentHashes(keyId, playlist, published, entries);
        } catch (IllegalArgumentException e) {
            throw new SidecarException(e.getMessage());
        }
    }

    private static String line(String text, int from) {
        int end = text.indexOf('\n', from);
        return end < 0 ? text.substring(from) : text.substring(from, end);
    }

    private static String field(String line, String name, int lineNumber) throws SidecarException {
        if (!line.startsWith(name)) {
            throw new SidecarException("line " + lineNumber + ": expected " + name);
        }
        return line.substring(name.length());
    }

    private static long number(String digits, int lineNumber) throws SidecarException {
        if (digits.isEmpty() || digits.length() > 18 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')
                || (digits.length() > 1 && digits.charAt(0) == '0')) {
            throw new SidecarException("line " + lineNumber + ": '" + digits + "' (expected: a decimal number)");
        }
        return Long.parseLong(digits);
    }
}
