package dev.hlsmesh.cdn.integrity;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Objects;

/**
 * Ed25519 keys for sidecars, with the JDK's own implementation. A public key travels as the
 * base64 of its X.509 SubjectPublicKeyInfo encoding (one line, 60 characters, starting
 * {@code MCowBQYDK2VwAyEA}): that is what agents are configured with. Files are PEM
 * ({@code PUBLIC KEY}, {@code PRIVATE KEY} in PKCS#8).
 *
 * <p>Stateless; any thread.
 */
public final class IntegrityKeys {
    private static final String ALGORITHM = "Ed25519";

    private IntegrityKeys() {}

    /** A new random key pair. */
    public static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is not available in this JDK", e);
        }
    }

    /** Whether a key id has the allowed form: 1..64 of {@code A-Z a-z 0-9 . _ -}. */
    public static boolean isValidKeyId(String keyId) {
        return keyId != null && SegmentHashes.KEY_ID.matcher(keyId).matches();
    }

    /** The one-line base64 form of a public key (what agents are configured with). */
    public static String publicKeyBase64(PublicKey key) {
        return Base64.getEncoder().encodeToString(Objects.requireNonNull(key, "key").getEncoded());
    }

    /**
     * Reads a public key from its one-line base64 form or from a PEM {@code PUBLIC KEY} block.
     *
     * @throws IllegalArgumentException with a message naming what was wrong
     */
    public static PublicKey parsePublicKey(String text) {
        byte[] der = decode(text, "PUBLIC KEY");
        try {
            PublicKey key = KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(der));
            return key;
        } catch (java.security.spec.InvalidKeySpecException e) {
            throw new IllegalArgumentException("not an Ed25519 public key (expected: base64 of X.509 SubjectPublicKeyInfo)");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is not available in this JDK", e);
        }
    }

    /**
     * Reads a private key from a PEM {@code PRIVATE KEY} block (PKCS#8) or its base64 body.
     *
     * @throws IllegalArgumentException with a message naming what was wrong
     */
    public static PrivateKey parsePrivateKey(String text) {
        byte[] der = decode(text, "PRIVATE KEY");
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (java.security.spec.InvalidKeySpecException e) {
            throw new IllegalArgumentException("not an Ed25519 private key (expected: PEM PKCS#8 'PRIVATE KEY')");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is not available in this JDK", e);
        }
    }

    /** A PEM {@code PUBLIC KEY} block. */
    public static String publicKeyPem(PublicKey key) {
        return pem("PUBLIC KEY", Objects.requireNonNull(key, "key").getEncoded());
    }

    /** A PEM {@code PRIVATE KEY} block (PKCS#8, unencrypted: protect the file). */
    public static String privateKeyPem(PrivateKey key) {
        return pem("PRIVATE KEY", Objects.requireNonNull(key, "key").getEncoded());
    }

    private static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }

    private static byte[] decode(String text, String label) {
        Objects.requireNonNull(text, "text");
        String body = text.strip();
        String begin = "-----BEGIN " + label + "-----";
        String end = "-----END " + label + "-----";
        if (body.startsWith("-----")) {
            if (!body.startsWith(begin) || !body.endsWith(end)) {
                throw new IllegalArgumentException("not a PEM '" + label + "' block");
            }
            body = body.substring(begin.length(), body.length() - end.length());
        }
        body = body.replaceAll("\\s", "");
        try {
            return Base64.getDecoder().decode(body.getBytes(StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not base64 (expected: a " + label + " in base64 or PEM)");
        }
    }
}
