package dev.hlsmesh.cdn.integrity;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The shared sidecar vectors ({@code web/segment-integrity/test/vectors.json}): sidecar files,
 * valid and broken in every way the format forbids, with the verdict of this reader
 * ({@link SidecarCodec#verify}). The browser module (web/segment-integrity) must give the same
 * verdicts on the same bytes; e2e's {@code SegmentIntegrityBrowserTest} checks that in Chromium.
 *
 * <p>The file is generated from this class and committed; this test fails if they differ. After
 * changing a case: {@code mvn -pl cdn-fallback -am test -Dtest=SidecarVectorsTest
 * -Dhlsmesh.writeVectors=true -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class SidecarVectorsTest {
    /** RFC 8032 section 7.1, test 2: a second deterministic key (the "attacker"). */
    private static final String RFC8032_SEED_2 = "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb";
    private static final String PLAYLIST = "/live/360p/index.m3u8";
    private static final String HEADER = "#HLSMESH-SEGMENT-HASHES:1\n#KEY-ID:live-2026\n#PLAYLIST:/live/360p/index.m3u8\n";
    private static final String LINE_120 = "120 " + SidecarCodecTest.SHA_A + " 1 /live/360p/120.ts\n";
    private static final String LINE_121 = "121 " + SidecarCodecTest.SHA_B + " 1 /live/360p/121.ts\n";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Test
    void theCommittedVectorsAreThisReadersVerdicts() throws Exception {
        String generated = JSON.writeValueAsString(vectors()) + "\n";
        Path file = vectorsFile();
        if (Boolean.getBoolean("hlsmesh.writeVectors")) {
            Files.writeString(file, generated);
        }
        assertThat(Files.readString(file)).as("%s (regenerate: see this class's javadoc)", file).isEqualTo(generated);
    }

    private static ObjectNode vectors() throws Exception {
        PrivateKey rfc = SidecarCodecTest.rfcPrivateKey();
        PrivateKey attacker = privateKey(RFC8032_SEED_2);
        String published = "#PUBLISHED:2026-11-22T08:00:00Z\n";
        String body = HEADER + published + "#SEGMENTS:2\n" + LINE_120 + LINE_121;
        Map<String, byte[]> cases = new LinkedHashMap<>();
        cases.put("valid: two segments (the docs/security.md example)", signed(body, rfc));
        cases.put("valid: no segments", signed(HEADER + published + "#SEGMENTS:0\n", rfc));
        cases.put("valid: an 18-digit media sequence number", signed(HEADER + published + "#SEGMENTS:1\n"
                + "999999999999999999 " + SidecarCodecTest.SHA_A + " 1 /live/360p/a.ts\n", rfc));
        cases.put("valid: a path with percent-encoding", signed(HEADER + published + "#SEGMENTS:1\n"
                + "7 " + SidecarCodecTest.SHA_A + " 1 /live/360p/seg%20007.ts\n", rfc));
        byte[] good = signed(body, rfc);
        cases.put("tampered: a hash changed after signing", ascii(new String(good, StandardCharsets.US_ASCII)
                .replace(SidecarCodecTest.SHA_B, SidecarCodecTest.SHA_A)));
        cases.put("tampered: a size changed after signing", ascii(new String(good, StandardCharsets.US_ASCII)
                .replace(" 1 /live/360p/121.ts", " 2 /live/360p/121.ts")));
        cases.put("forged: signed by another key under the trusted key id", signed(body, attacker));
        cases.put("untrusted key id", signed(body.replace("#KEY-ID:live-2026", "#KEY-ID:other"), attacker));
        cases.put("unsigned", ascii(body));
        cases.put("signature: 63 bytes", ascii(body + "#SIGNATURE:" + Base64.getEncoder().encodeToString(new byte[63]) + "\n"));
        cases.put("signature: not base64", ascii(body + "#SIGNATURE:****\n"));
        cases.put("signature: base64 without padding", ascii(body + "#SIGNATURE:"
                + Base64.getEncoder().withoutPadding().encodeToString(sign(ascii(body), rfc)) + "\n"));
        cases.put("truncated: no LF after the signature", ascii(new String(good, StandardCharsets.US_ASCII).strip()));
        cases.put("version 2", signed(body.replace("HASHES:1", "HASHES:2"), rfc));
        cases.put("not a sidecar", ascii("#EXTM3U\n"));
        cases.put("CR LF line ends, signed", signed(body.replace("\n", "\r\n"), rfc));
        cases.put("a non-ASCII byte, signed", signed(body.replace("/live/360p/121.ts", "/live/360p/\u00e9.ts"), rfc));
        cases.put("non-canonical: uppercase hex, signed", signed(body.replace(SidecarCodecTest.SHA_A,
                SidecarCodecTest.SHA_A.toUpperCase(java.util.Locale.ROOT)), rfc));
        cases.put("non-canonical: a leading zero, signed", signed(body.replace("120 ", "0120 "), rfc));
        cases.put("non-canonical: fractional seconds, signed", signed(body.replace("08:00:00Z", "08:00:00.500Z"), rfc));
        cases.put("not a date: February 30, signed", signed(body.replace("2026-11-22", "2026-02-30"), rfc));
        cases.put("segment count says 3, signed", signed(body.replace("#SEGMENTS:2", "#SEGMENTS:3"), rfc));
        cases.put("media sequence numbers not consecutive, signed", signed(body.replace("121 ", "122 "), rfc));
        cases.put("a path with a space, signed", signed(body.replace("/live/360p/121.ts", "/live/360p/1 21.ts"), rfc));
        cases.put("a path with a query, signed", signed(body.replace("/live/360p/121.ts", "/live/360p/121.ts?t=1"), rfc));
        cases.put("a segment line with 3 fields, signed", signed(body.replace(" 1 /live/360p/121.ts", " /live/360p/121.ts"), rfc));
        cases.put("a header line missing, signed", signed(body.replace(published, ""), rfc));
        cases.put("a trailing space after the count, signed", signed(body.replace("#SEGMENTS:2\n", "#SEGMENTS:2 \n"), rfc));
        cases.put("replayed: the sidecar of another playlist", signed(body.replace("#PLAYLIST:/live/360p/", "#PLAYLIST:/live/720p/"), rfc));

        ObjectNode root = JSON.createObjectNode();
        root.put("description", "hlsmesh segment-hash sidecars and the verdicts of the Java reader (SidecarCodec.verify)"
                + " for the playlist path and trusted keys below; generated by cdn-fallback's SidecarVectorsTest."
                + " sidecarBase64 is the file's bytes; a valid case lists what was read.");
        root.put("playlistPath", PLAYLIST);
        ObjectNode keys = root.putObject("trustedKeys");
        keys.put("live-2026", IntegrityKeys.publicKeyBase64(SidecarCodecTest.rfcPublicKey()));
        ArrayNode out = root.putArray("cases");
        Map<String, PublicKey> trusted = Map.of("live-2026", SidecarCodecTest.rfcPublicKey());
        for (Map.Entry<String, byte[]> c : cases.entrySet()) {
            ObjectNode node = out.addObject();
            node.put("name", c.getKey());
            node.put("sidecarBase64", Base64.getEncoder().encodeToString(c.getValue()));
            try {
                SegmentHashes read = SidecarCodec.verify(c.getValue(), trusted, PLAYLIST);
                node.put("valid", true);
                node.put("keyId", read.keyId());
                node.put("published", read.published().toString());
                ArrayNode segments = node.putArray("segments");
                for (SegmentHashes.Entry e : read.segments()) {
                    segments.addObject().put("mediaSequenceNumber", Long.toString(e.mediaSequenceNumber()))
                            .put("sha256Hex", e.sha256Hex()).put("sizeBytes", e.sizeBytes()).put("path", e.path());
                }
            } catch (SidecarException e) {
                node.put("valid", false);
                node.put("javaError", e.getMessage());
            }
            assertThat(node.get("valid").asBoolean()).as(c.getKey()).isEqualTo(c.getKey().startsWith("valid"));
        }
        return root;
    }

    private static byte[] signed(String body, PrivateKey key) throws GeneralSecurityException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        byte[] line = ("#SIGNATURE:" + Base64.getEncoder().encodeToString(sign(bytes, key)) + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] file = java.util.Arrays.copyOf(bytes, bytes.length + line.length);
        System.arraycopy(line, 0, file, bytes.length, line.length);
        return file;
    }

    private static byte[] sign(byte[] bytes, PrivateKey key) throws GeneralSecurityException {
        Signature signer = Signature.getInstance("Ed25519");
        signer.initSign(key);
        signer.update(bytes);
        return signer.sign();
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static PrivateKey privateKey(String seedHex) {
        return IntegrityKeys.parsePrivateKey(Base64.getEncoder().encodeToString(
                HexFormat.of().parseHex("302e020100300506032b657004220420" + seedHex)));
    }

    private static Path vectorsFile() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("web/segment-integrity"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("web/segment-integrity not found above " + Path.of("").toAbsolutePath());
        }
        return dir.resolve("web/segment-integrity/test/vectors.json");
    }
}
