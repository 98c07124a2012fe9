package dev.hlsmesh.protocol.peer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The value encodings of PROTOCOL.md C.3: Int (sign-magnitude), SimilarIntArray and String.
 * Stateless; any thread.
 */
final class PeerBinary {
  static final int TYPE_INT = 0;
  static final int TYPE_SIMILAR_INT_ARRAY = 1;
  static final int TYPE_STRING = 2;

  /** Most ids in one SimilarIntArray group, and most groups in one array, that we emit. */
  static final int MAX_GROUP_ENTRIES = 255;
  static final int MAX_GROUPS = 255;
  /** Longest String (in UTF-16 units) the 12-bit length field can carry. */
  static final int MAX_STRING_LENGTH = 4095;

  private PeerBinary() {
  }

  // ---------------------------------------------------------------- encoding

  static void writeInt(ByteArrayOutputStream out, long value) {
    if (value == Long.MIN_VALUE) {
      throw new IllegalArgumentException("Int: " + value + " has no sign-magnitude form");
    }
    long magnitude = Math.abs(value);
    int bitLength = magnitude == 0 ? 1 : 64 - Long.numberOfLeadingZeros(magnitude);
    int byteCount = (bitLength + 1 + 7) / 8; // one extra bit for the sign
    out.write(TYPE_INT << 4 | byteCount);
    for (int i = byteCount - 1; i >= 0; i--) {
      int b = (int) (magnitude >>> (8 * i)) & 0xFF;
      if (i == byteCount - 1 && value < 0) {
        b |= 0x80;
      }
      out.write(b);
    }
  }

  /**
   * Writes ids grouped by {@code id & ~0xFF} in order of first appearance, at most 255 ids per
   * group (a larger group continues in the next group with the same upper bits) and at most
   * 255 groups; when more groups would be needed the smallest ids are left out.
   */
  static void writeSimilarIntArray(ByteArrayOutputStream out, List<Long> ids) {
    Map<Long, List<Long>> lowBytesByCommon = new LinkedHashMap<>();
    for (long id : ids) {
      lowBytesByCommon.computeIfAbsent(id & ~0xFFL, k -> new ArrayList<>()).add(id & 0xFF);
    }
    dropSmallestIdsToFitGroupLimit(lowBytesByCommon);

    out.write(TYPE_SIMILAR_INT_ARRAY << 4);
    int groupCount = 0;
    for (List<Long> lows : lowBytesByCommon.values()) {
      groupCount += groupsFor(lows.size());
    }
    out.write(groupCount);
    for (Map.Entry<Long, List<Long>> entry : lowBytesByCommon.entrySet()) {
      List<Long> lows = entry.getValue();
      for (int from = 0; from < lows.size(); from += MAX_GROUP_ENTRIES) {
        int to = Math.min(lows.size(), from + MAX_GROUP_ENTRIES);
        writeInt(out, entry.getKey() | (to - from));
        for (long low : lows.subList(from, to)) {
          out.write((int) low);
        }
      }
    }
  }

  private static void dropSmallestIdsToFitGroupLimit(Map<Long, List<Long>> lowBytesByCommon) {
    int groupCount = 0;
    for (List<Long> lows : lowBytesByCommon.values()) {
      groupCount += groupsFor(lows.size());
    }
    if (groupCount <= MAX_GROUPS) {
      return;
    }
    TreeMap<Long, List<Long>> byValue = new TreeMap<>(lowBytesByCommon);
    while (groupCount > MAX_GROUPS) {
      Map.Entry<Long, List<Long>> smallest = byValue.firstEntry();
      List<Long> lows = smallest.getValue();
      // Removing this many of its smallest ids frees exactly one group.
      int excess = lows.size() - MAX_GROUP_ENTRIES * (groupsFor(lows.size()) - 1);
      List<Long> sorted = new ArrayList<>(lows);
      sorted.sort(null);
      for (Long low : sorted.subList(0, excess)) {
        lows.remove(low); // removes one occurrence; order of the rest is kept
      }
      if (lows.isEmpty()) {
        byValue.remove(smallest.getKey());
        lowBytesByCommon.remove(smallest.getKey());
      }
      groupCount--;
    }
  }

  private static int groupsFor(int entries) {
    return (entries + MAX_GROUP_ENTRIES - 1) / MAX_GROUP_ENTRIES;
  }

  /**
   * Writes a String as the reference does: the length field is the UTF-16 length, the bytes
   * are UTF-8 (so a non-ASCII string is cut short by a reference decoder).
   */
  static void writeString(ByteArrayOutputStream out, String value) {
    int length = value.length();
    if (length > MAX_STRING_LENGTH) {
      throw new IllegalArgumentException(
          "String length: " + length + " (expected: at most " + MAX_STRING_LENGTH + ")");
    }
    out.write(TYPE_STRING << 4 | (length >> 8 & 0x0F));
    out.write(length & 0xFF);
    out.writeBytes(value.getBytes(StandardCharsets.UTF_8));
  }

  // ---------------------------------------------------------------- decoding

  /** Reads values from a byte range, tracking the offset for error messages. Not thread-safe. */
  static final class Reader {
    private final byte[] bytes;
    private final int end;
    private final int base;
    private int position;

    Reader(byte[] bytes, int from, int to) {
      this.bytes = bytes;
      this.base = from;
      this.position = from;
      this.end = to;
    }

    boolean hasRemaining() {
      return position < end;
    }

    /** Offset of the next byte from the start of the range (the command code). */
    int offset() {
      return position - base;
    }

    private int rel(int absolute) {
      return absolute - base;
    }

    int readUnsignedByte(String what) throws PeerProtocolException {
      if (position >= end) {
        throw new PeerProtocolException("truncated command: expected " + what
            + " at offset " + rel(position) + " but the command ends there");
      }
      return bytes[position++] & 0xFF;
    }

    int peekType() throws PeerProtocolException {
      if (position >= end) {
        throw new PeerProtocolException(
            "truncated command: expected a value at offset " + rel(position));
      }
      return (bytes[position] & 0xFF) >>> 4;
    }

    /** Reads an Int into a long; magnitudes above 2^63-1 are rejected. */
    long readInt() throws PeerProtocolException {
      int start = position;
      int header = readUnsignedByte("an Int header");
      if (header >>> 4 != TYPE_INT) {
        throw new PeerProtocolException("expected an Int at offset " + rel(start)
            + " but the value type is " + (header >>> 4));
      }
      int byteCount = header & 0x0F;
      if (byteCount == 0) {
        throw new PeerProtocolException("Int at offset " + rel(start) + " has zero length");
      }
      if (end - position < byteCount) {
        throw new PeerProtocolException("truncated Int at offset " + rel(start) + ": needs "
            + byteCount + " bytes, " + (end - position) + " left");
      }
      int first = bytes[position++] & 0xFF;
      boolean negative = (first & 0x80) != 0;
      long magnitude = first & 0x7F;
      for (int i = 1; i < byteCount; i++) {
        if (magnitude > (Long.MAX_VALUE >>> 8)) {
          throw new PeerProtocolException(
              "Int at offset " + rel(start) + " does not fit in 63 bits");
        }
        magnitude = magnitude << 8 | (bytes[position++] & 0xFF);
      }
      return negative ? -magnitude : magnitude;
    }

    /** Reads a SimilarIntArray; a group count or entry count of 0 means 256 (C.3). */
    List<Long> readSimilarIntArray() throws PeerProtocolException {
      int start = position;
      int header = readUnsignedByte("a SimilarIntArray header");
      if (header >>> 4 != TYPE_SIMILAR_INT_ARRAY) {
        throw new PeerProtocolException("expected a SimilarIntArray at offset " + rel(start)
            + " but the value type is " + (header >>> 4));
      }
      int groupCount = countOf(readUnsignedByte("a SimilarIntArray group count"));
      List<Long> ids = new ArrayList<>();
      for (int g = 0; g < groupCount; g++) {
        int groupStart = position;
        long groupHeader = readInt();
        long common = groupHeader & ~0xFFL;
        int entries = countOf((int) (groupHeader & 0xFF));
        if (end - position < entries) {
          throw new PeerProtocolException("truncated SimilarIntArray group at offset "
              + rel(groupStart) + ": needs " + entries + " id bytes, "
              + (end - position) + " left");
        }
        for (int e = 0; e < entries; e++) {
          long id = common + (bytes[position++] & 0xFF);
          if (id > PeerCommand.MAX_SAFE_INTEGER || id < -PeerCommand.MAX_SAFE_INTEGER) {
            throw new PeerProtocolException("SimilarIntArray group at offset "
                + rel(groupStart) + " holds id " + id
                + " outside the JavaScript safe-integer range");
          }
          ids.add(id);
        }
      }
      return ids;
    }

    /**
     * Reads a String as the reference does: the length field counts bytes read, decoded as
     * UTF-8 (malformed sequences become U+FFFD).
     */
    String readString() throws PeerProtocolException {
      int start = position;
      int header = readUnsignedByte("a String header");
      if (header >>> 4 != TYPE_STRING) {
        throw new PeerProtocolException("expected a String at offset " + rel(start)
            + " but the value type is " + (header >>> 4));
      }
      int length = (header & 0x0F) << 8 | readUnsignedByte("a String length");
      if (end - position < length) {
        throw new PeerProtocolException("truncated String at offset " + rel(start) + ": needs "
            + length + " bytes, " + (end - position) + " left");
      }
      String value = new String(Arrays.copyOfRange(bytes, position, position + length),
          StandardCharsets.UTF_8);
      position += length;
      return value;
    }

    private static int countOf(int countByte) {
      return countByte == 0 ? 256 : countByte;
    }
  }
}
