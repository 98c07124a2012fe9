package dev.hlsmesh.protocol.swarm;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;

/** Digests over the UTF-8 form of JavaScript strings. Stateless. */
final class Hashing {
  private static final byte[] REPLACEMENT_CHARACTER = {(byte) 0xEF, (byte) 0xBF, (byte) 0xBD};

  private Hashing() {
  }

  static byte[] sha1(String text) {
    return digest("SHA-1", text);
  }

  static byte[] md5(String text) {
    return digest("MD5", text);
  }

  static String base64(byte[] bytes) {
    return Base64.getEncoder().encodeToString(bytes);
  }

  /**
   * UTF-8 as a browser's TextEncoder produces it: a lone surrogate becomes U+FFFD (Java's
   * {@code getBytes} would write {@code ?}).
   */
  static byte[] utf8(String text) {
    CharsetEncoder encoder = StandardCharsets.UTF_8.newEncoder()
        .onMalformedInput(CodingErrorAction.REPLACE)
        .onUnmappableCharacter(CodingErrorAction.REPLACE)
        .replaceWith(REPLACEMENT_CHARACTER);
    try {
      ByteBuffer encoded = encoder.encode(CharBuffer.wrap(text));
      return Arrays.copyOfRange(encoded.array(), encoded.arrayOffset() + encoded.position(),
          encoded.arrayOffset() + encoded.limit());
    } catch (CharacterCodingException e) {
      throw new IllegalStateException("UTF-8 encoding with replacement cannot fail", e);
    }
  }

  private static byte[] digest(String algorithm, String text) {
    try {
      return MessageDigest.getInstance(algorithm).digest(utf8(text));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(algorithm + " is required of every Java platform", e);
    }
  }
}
