package dev.hlsmesh.cdn.integrity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SidecarCodecTest {
    /** RFC 8032 section 7.1, test 1: the private key seed and its public key. */
    static final String RFC8032_SEED = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    static final String RFC8032_PUBLIC = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

    static PrivateKey rfcPrivateKey() {
        return IntegrityKeys.parsePrivateKey(java.util.Base64.getEncoder().encodeToString(
                HexFormat.of().parseHex("302e020100300506032b657004220420" + RFC8032_SEED)));
    }

    static PublicKey rfcPublicKey() {
        return IntegrityKeys.parsePublicKey(java.util.Base64.getEncoder().encodeToString(
                HexFormat.of().parseHex("302a300506032b6570032100" + RFC8032_PUBLIC)));
    }

    static final String SHA_A = "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"; // sha256("a")
    static final String SHA_B = "3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d"; // sha256("b")

    static SegmentHashes sample() {
        return new SegmentHashes("live-2026", "/live/360p/index.m3u8", Instant.parse("2026-11-22T08:00:00Z"), List.of(
                new SegmentHashes.Entry(120, SHA_A, 1, "/live/360p/120.ts"),
                new SegmentHashes.Entry(121, SHA_B, 1, "/live/360p/121.ts")));
    }

    static final String CANONICAL = """
            #HLSMESH-SEGMENT-HASHES:1
            #KEY-ID:live-2026
            #PLAYLIST:/live/360p/index.m3u8
            #PUBLISHED:2026-11-22T08:00:00Z
            #SEGMENTS:2
            120 ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb 1 /live/360p/120.ts
            121 3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d 1 /live/360p/121.ts
            """;

    /**
     * Ed25519 is deterministic: the RFC 8032 key over {@link #CANONICAL} always gives this line
     * (cross-checked with {@code openssl pkeyutl -sign -rawin} on the same key and bytes).
     */
    static final String SIGNATURE_LINE = "#SIGNATURE:"
            + "Q7tvbtmydJwvB4xusXBVPi085kY/dgVDV+aZS3erIg+UaWaIqi4jmbtR8OuS8fXHxas9sYWMpA4ODD79cacNDQ==\n";

    @Test
    void canonicalBytesAreExactlyTheDocumentedText() {
        assertThat(new String(SidecarCodec.canonicalBytes(sample()), StandardCharsets.UTF_8)).isEqualTo(CANONICAL);
    }

    @Test
    void signatureIsTheKnownAnswerForTheRfc8032Key() {
        byte[] file = SidecarCodec.sign(sample(), rfcPrivateKey());
        assertThat(new String(file, StandardCharsets.US_ASCII)).isEqualTo(CANONICAL + SIGNATURE_LINE);
    }

    @Test
    void signedSidecarVerifiesAndReadsBackEqual() throws Exception {
        byte[] file = SidecarCodec.sign(sample(), rfcPrivateKey());
        SegmentHashes read = SidecarCodec.verify(file, Map.of("live-2026", rfcPublicKey()), "/live/360p/index.m3u8");
        assertThat(read).isEqualTo(sample());
        assertThat(read.entry(121)).map(SegmentHashes.Entry::sha256Hex).hasValue(SHA_B);
        assertThat(read.entry(122)).isEmpty();
        assertThat(read.entry(119)).isEmpty();
    }

    @Test
    void anEmptyWindowRoundTrips() throws Exception {
        SegmentHashes empty = new SegmentHashes("k", "/a/b.m3u8", Instant.parse("2026-01-01T00:00:00Z"), List.of());
        KeyPair pair = IntegrityKeys.generate();
        assertThat(SidecarCodec.verify(SidecarCodec.sign(empty, pair.getPrivate()), Map.of("k", pair.getPublic()), "/a/b.m3u8"))
                .isEqualTo(empty);
    }

    @Test
    void aTamperedHashSizeOrPathFailsTheSignature() {
        String signed = new String(SidecarCodec.sign(sample(), rfcPrivateKey()), StandardCharsets.US_ASCII);
        for (String tampered : List.of(
                signed.replace(SHA_B, SHA_A),
                signed.replace(" 1 /live/360p/121.ts", " 2 /live/360p/121.ts"),
                signed.replace("/live/360p/121.ts", "/live/360p/122.ts"),
                signed.replace("08:00:00Z", "08:00:01Z"))) {
            assertThatThrownBy(() -> verify(tampered))
                    .isInstanceOf(SidecarException.class).hasMessage("bad signature for key id 'live-2026'");
        }
    }

    @Test
    void aSidecarOfAnotherStreamIsRejectedEvenWithAGoodSignature() {
        byte[] file = SidecarCodec.sign(sample(), rfcPrivateKey());
        assertThatThrownBy(() -> SidecarCodec.verify(file, Map.of("live-2026", rfcPublicKey()), "/live/720p/index.m3u8"))
                .isInstanceOf(SidecarException.class)
                .hasMessage("sidecar of playlist /live/360p/index.m3u8 (expected: /live/720p/index.m3u8)");
    }

    @Test
    void forgedUnsignedOrUntrustedSidecarsAreRejected() {
        KeyPair attacker = IntegrityKeys.generate();
        byte[] forged = SidecarCodec.sign(sample(), attacker.getPrivate());
        assertThatThrownBy(() -> SidecarCodec.verify(forged, Map.of("live-2026", rfcPublicKey()), "/live/360p/index.m3u8"))
                .isInstanceOf(SidecarException.class).hasMessage("bad signature for key id 'live-2026'");
        assertThatThrownBy(() -> verify(CANONICAL))
                .isInstanceOf(SidecarException.class).hasMessage("unsigned: no #SIGNATURE: line at the end");
        String otherKeyId = new String(SidecarCodec.sign(new SegmentHashes("other", "/live/360p/index.m3u8",
                Instant.parse("2026-11-22T08:00:00Z"), List.of()), attacker.getPrivate()), StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> verify(otherKeyId))
                .isInstanceOf(SidecarException.class).hasMessage("key id 'other' is not trusted (trusted: [live-2026])");
    }

    @Test
    void anythingButTheCanonicalFormIsRejected() {
        String signed = new String(SidecarCodec.sign(sample(), rfcPrivateKey()), StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> verify(signed.replace("\n", "\r\n")))
                .isInstanceOf(SidecarException.class).hasMessageStartingWith("byte 25 is 0xd");
        assertThatThrownBy(() -> verify(signed.replace("#HLSMESH-SEGMENT-HASHES:1", "#HLSMESH-SEGMENT-HASHES:2")))
                .isInstanceOf(SidecarException.class).hasMessage("unsupported sidecar version '2' (expected: 1)");
        assertThatThrownBy(() -> verify("#EXTM3U\n"))
                .isInstanceOf(SidecarException.class).hasMessageStartingWith("not a segment-hash sidecar");
        assertThatThrownBy(() -> verify(signed.substring(0, signed.length() - 1)))
                .isInstanceOf(SidecarException.class).hasMessage("the last line does not end with LF (truncated?)");
        assertThatThrownBy(() -> verify(signed + "120 x\n"))
                .isInstanceOf(SidecarException.class).hasMessage("signature: not base64");
        String sigLine = signed.substring(signed.indexOf("#SIGNATURE:"));
        assertThatThrownBy(() -> verify(signed.replace(sigLine, sigLine.replace("=", ""))))
                .isInstanceOf(SidecarException.class).hasMessage("signature: 64 bytes (expected: 64, canonical base64)");
        assertThatThrownBy(() -> verify("é".repeat(3)))
                .isInstanceOf(SidecarException.class).hasMessageStartingWith("byte 0 is 0xc3");
    }

    @Test
    void correctlySignedButNonCanonicalBytesAreRejected() {
        // A signer that writes a leading zero: signed, but not the one encoding readers accept.
        String odd = CANONICAL.replace("\n120 ", "\n0120 ");
        String file = odd + signatureLine(odd);
        assertThatThrownBy(() -> verify(file))
                .isInstanceOf(SidecarException.class).hasMessage("line 6: '0120' (expected: a decimal number)");
        String gap = CANONICAL.replace("121 3e23", "122 3e23");
        assertThatThrownBy(() -> verify(gap + signatureLine(gap)))
                .isInstanceOf(SidecarException.class)
                .hasMessage("segments: media sequence 122 follows 120 (expected: consecutive)");
        String count = CANONICAL.replace("#SEGMENTS:2", "#SEGMENTS:3");
        assertThatThrownBy(() -> verify(count + signatureLine(count)))
                .isInstanceOf(SidecarException.class).hasMessage("#SEGMENTS:3 but 2 segment lines");
        String upper = CANONICAL.replace(SHA_A, SHA_A.toUpperCase());
        assertThatThrownBy(() -> verify(upper + signatureLine(upper)))
                .isInstanceOf(SidecarException.class).hasMessageStartingWith("line 6: sha256Hex:");
        String millis = CANONICAL.replace("08:00:00Z", "08:00:00.000Z");
        assertThatThrownBy(() -> verify(millis + signatureLine(millis)))
                .isInstanceOf(SidecarException.class).hasMessage("signed bytes are not in canonical form");
    }

    @Test
    void keysRoundTripThroughTheirTextForms() {
        KeyPair pair = IntegrityKeys.generate();
        String base64 = IntegrityKeys.publicKeyBase64(pair.getPublic());
        assertThat(base64).hasSize(60).startsWith("MCowBQYDK2VwAyEA");
        assertThat(IntegrityKeys.parsePublicKey(base64)).isEqualTo(pair.getPublic());
        assertThat(IntegrityKeys.parsePublicKey(IntegrityKeys.publicKeyPem(pair.getPublic()))).isEqualTo(pair.getPublic());
        assertThat(IntegrityKeys.parsePrivateKey(IntegrityKeys.privateKeyPem(pair.getPrivate()))).isEqualTo(pair.getPrivate());
        assertThatThrownBy(() -> IntegrityKeys.parsePublicKey("not base64!"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("not base64");
        assertThatThrownBy(() -> IntegrityKeys.parsePublicKey("AAAA"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("not an Ed25519 public key");
        assertThat(IntegrityKeys.isValidKeyId("live-2026.a_b")).isTrue();
        assertThat(IntegrityKeys.isValidKeyId("a b")).isFalse();
        assertThat(IntegrityKeys.isValidKeyId("")).isFalse();
    }

    /** Signs arbitrary bytes, as a careless or hostile signer holding the key could. */
    private static String signatureLine(String body) {
        try {
            java.security.Signature signer = java.security.Signature.getInstance("Ed25519");
            signer.initSign(rfcPrivateKey());
            signer.update(body.getBytes(StandardCharsets.US_ASCII));
            return "#SIGNATURE:" + java.util.Base64.getEncoder().encodeToString(signer.sign()) + "\n";
        } catch (java.security.GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    private static SegmentHashes verify(String file) throws SidecarException {
        return SidecarCodec.verify(file.getBytes(StandardCharsets.UTF_8), Map.of("live-2026", rfcPublicKey()),
                "/live/360p/index.m3u8");
    }
}
