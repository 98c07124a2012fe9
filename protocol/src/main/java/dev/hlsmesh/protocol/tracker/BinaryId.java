package dev.hlsmesh.protocol.tracker;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Random;

/**
 * A 20-byte identifier of the WebTorrent tracker protocol ({@code info_hash}, {@code peer_id},
 * {@code to_peer_id}, {@code offer_id}).
 *
 * <p>On the wire it is a JSON string of exactly 20 characters where character <i>k</i> has the
 * code point of byte <i>k</i> (the ISO-8859-1 mapping, PROTOCOL.md A.2). Two ids are equal when
 * their bytes are equal. Immutable and thread-safe; stored as three primitives so that tracker
 * tables keyed by ids stay small.
 */
public final class BinaryId {

  /** Number of bytes (and wire characters) of every id. */
  public static final int LENGTH = 20;

  private final long high;
  private final long middle;
  private final int low;

  private BinaryId(long high, long middle, int low) {
    this.high = high;
    this.middle = middle;
    this.low = low;
  }

  /**
   * Returns the id with these 20 bytes.
   *
   * @throws IllegalArgumentException if {@code bytes.length != 20}
   */
  public static BinaryId of(byte[] bytes) {
    Objects.requireNonNull(bytes, "bytes");
    if (bytes.length != LENGTH) {
      throw new IllegalArgumentException(
          "expected " + LENGTH + " bytes, got " + bytes.length);
    }
    long high = 0;
    long middle = 0;
    int low = 0;
    for (int i = 0; i < 8; i++) {
      high = (high << 8) | (bytes[i] & 0xFF);
      middle = (middle << 8) | (bytes[i + 8] & 0xFF);
    }
    for (int i = 16; i < LENGTH; i++) {
      low = (low << 8) | (bytes[i] & 0xFF);
    }
    return new BinaryId(high, middle, low);
  }

  /**
   * Parses the wire form: a string of exactly 20 characters, each U+0000..U+00FF.
   *
   * @throws IllegalArgumentException with a message such as {@code expected 20 characters, got
   *     19} or {@code character 3 is U+0100, expected U+0000..U+00FF}
   */
  public static BinaryId fromWireString(String wire) {
    Objects.requireNonNull(wire, "wire");
    int length = wire.length();
    if (length != LENGTH) {
      // Count code points so that a surrogate pair reads as the one character the sender meant.
      throw new IllegalArgumentException(
          "expected " + LENGTH + " characters, got " + wire.codePointCount(0, length));
    }
    long high = 0;
    long middle = 0;
    int low = 0;
    for (int i = 0; i < LENGTH; i++) {
      char c = wire.charAt(i);
      if (c > 0xFF) {
        throw new IllegalArgumentException(String.format(
            "character %d is U+%04X, expected U+0000..U+00FF", i, wire.codePointAt(i)));
      }
      if (i < 8) {
        high = (high << 8) | c;
      } else if (i < 16) {
        middle = (middle << 8) | c;
      } else {
        low = (low << 8) | c;
      }
    }
    return new BinaryId(high, middle, low);
  }

  /**
   * Parses 40 hexadecimal digits (either case).
   *
   * @throws IllegalArgumentException if {@code hex} is not 40 hex digits
   */
  public static BinaryId fromHex(String hex) {
    Objects.requireNonNull(hex, "hex");
    if (hex.length() != 2 * LENGTH) {
      throw new IllegalArgumentException(
          "expected " + 2 * LENGTH + " hex digits, got " + hex.length());
    }
    return of(HexFormat.of().parseHex(hex));
  }

  /** Returns an id of 20 bytes drawn from {@code random}. */
  public static BinaryId random(Random random) {
    Objects.requireNonNull(random, "random");
    byte[] bytes = new byte[LENGTH];
    random.nextBytes(bytes);
    return of(bytes);
  }

  /** Returns the id whose wire string is this ASCII text (e.g. a P2PML peer id). */
  public static BinaryId ofAscii(String ascii) {
    Objects.requireNonNull(ascii, "ascii");
    for (int i = 0; i < ascii.length(); i++) {
      if (ascii.charAt(i) > 0x7F) {
        throw new IllegalArgumentException(String.format(
            "character %d is U+%04X, expected ASCII", i, (int) ascii.charAt(i)));
      }
    }
    return fromWireString(ascii);
  }

  /** Returns a fresh copy of the 20 bytes. */
  public byte[] toBytes() {
    byte[] bytes = new byte[LENGTH];
    for (int i = 0; i < 8; i++) {
      bytes[i] = (byte) (high >>> (56 - 8 * i));
      bytes[i + 8] = (byte) (middle >>> (56 - 8 * i));
    }
    for (int i = 0; i < 4; i++) {
      bytes[16 + i] = (byte) (low >>> (24 - 8 * i));
    }
    return bytes;
  }

  /** Returns the wire form: 20 characters U+0000..U+00FF, one per byte. */
  public String toWireString() {
    return new String(toBytes(), StandardCharsets.ISO_8859_1);
  }

  /** Returns the 40 lowercase hex digits of the bytes. */
  public String toHex() {
    return HexFormat.of().formatHex(toBytes());
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof BinaryId that
        && high == that.high && middle == that.middle && low == that.low;
  }

  @Override
  public int hashCode() {
    // Ids are usually random, but P2PML peer ids share an 8-byte prefix: mix all the bits.
    long h = high * 0x9E3779B97F4A7C15L ^ middle * 0xC2B2AE3D27D4EB4FL ^ low * 0x165667B19E3779F9L;
    return (int) (h ^ (h >>> 32));
  }

  /** Returns the hex form, readable in logs whatever the bytes are. */
  @Override
  public String toString() {
    return toHex();
  }

}
