package dev.hlsmesh.tracker.config;

import static java.util.Objects.requireNonNull;

import java.security.MessageDigest;
import java.util.Arrays;

/**
 * One HMAC-SHA256 key that join tokens may be signed with, named by the key id that tokens carry
 * in their {@code kid} header. Several keys let a platform rotate: mint with the new key while
 * the tracker still accepts the old one, then remove the old one.
 *
 * <p>Immutable. {@link #toString()} never shows the secret.
 *
 * @param id the key id: 1 to 64 characters from {@code [A-Za-z0-9._-]}
 * @param secret the key bytes: at least 32 (256 bits, RFC 7518 section 3.2)
 */
public record JoinTokenKey(String id, byte[] secret) {
  /** Shortest accepted secret in bytes. */
  public static final int MIN_SECRET_BYTES = 32;

  /**
   * Checks and copies.
   *
   * @throws IllegalArgumentException if the id or the secret is not acceptable
   */
  public JoinTokenKey {
    requireNonNull(id, "id");
    requireNonNull(secret, "secret");
    if (!id.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new IllegalArgumentException("key id \"" + id
          + "\" (expected: 1 to 64 characters from A-Z a-z 0-9 . _ -)");
    }
    if (secret.length < MIN_SECRET_BYTES) {
      throw new IllegalArgumentException("secret of key \"" + id + "\": " + secret.length
          + " bytes (expected: at least " + MIN_SECRET_BYTES + ")");
    }
    secret = secret.clone();
  }

  /** A copy of the secret. */
  @Override
  public byte[] secret() {
    return secret.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof JoinTokenKey k && k.id.equals(id) && MessageDigest.isEqual(k.secret, secret);
  }

  @Override
  public int hashCode() {
    return id.hashCode() * 31 + Arrays.hashCode(secret);
  }

  @Override
  public String toString() {
    return "JoinTokenKey[id=" + id + ", secret=(" + secret.length + " bytes)]";
  }
}
