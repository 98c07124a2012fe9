package dev.hlsmesh.protocol.swarm;

import java.util.Objects;
import java.util.Random;

/**
 * Peer ids for the tracker (PROTOCOL.md B.5): 20 ASCII characters, a client prefix followed by
 * random letters and digits. Browsers decode peer ids as UTF-8, so ours are always ASCII.
 * Stateless; thread-safety is that of the {@link Random} passed in.
 */
public final class PeerIds {
  /** Our client prefix: {@code -JV0100-} (Java agent, version 01.00), like {@code -PM0203-}. */
  public static final String DEFAULT_PREFIX = "-JV0100-";
  /** Length of every peer id. */
  public static final int LENGTH = 20;

  private static final String ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

  private PeerIds() {
  }

  /**
   * A new peer id with {@link #DEFAULT_PREFIX}.
   *
   * @param random the randomness source (inject a seeded one in tests; a {@code SecureRandom}
   *               in production keeps ids unguessable)
   * @return 20 ASCII characters
   */
  public static String generate(Random random) {
    return generate(DEFAULT_PREFIX, random);
  }

  /**
   * A new peer id: {@code prefix} followed by random {@code [A-Za-z0-9]} up to 20 characters.
   *
   * @param prefix printable ASCII, at most 20 characters
   * @param random the randomness source
   * @return 20 ASCII characters
   */
  public static String generate(String prefix, Random random) {
    Objects.requireNonNull(prefix, "prefix");
    Objects.requireNonNull(random, "random");
    if (prefix.length() > LENGTH || !prefix.chars().allMatch(c -> c >= 0x20 && c < 0x7F)) {
      throw new IllegalArgumentException(
          "prefix: \"" + prefix + "\" (expected: at most 20 printable ASCII characters)");
    }
    StringBuilder id = new StringBuilder(LENGTH).append(prefix);
    while (id.length() < LENGTH) {
      id.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
    }
    return id.toString();
  }
}
