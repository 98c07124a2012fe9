package dev.hlsmesh.tracker.http;

import io.netty.buffer.ByteBuf;

/**
 * UTF-8 validation of a whole text message (RFC 3629: no overlong forms, no surrogates, nothing
 * above U+10FFFF). Runs of ASCII, which is most of an SDP, are skipped eight bytes at a time;
 * profiling showed Netty's byte-at-a-time validator as the tracker's largest CPU cost.
 * Stateless; any thread.
 */
final class Utf8 {
  private static final long NON_ASCII = 0x8080808080808080L;

  private Utf8() {}

  /** True if the readable bytes of {@code buf} are valid UTF-8. */
  static boolean isValid(ByteBuf buf) {
    int i = buf.readerIndex();
    int end = buf.writerIndex();
    while (i < end) {
      while (i + 8 <= end && (buf.getLong(i) & NON_ASCII) == 0) {
        i += 8;
      }
      if (i == end) {
        return true;
      }
      int b = buf.getByte(i) & 0xFF;
      if (b < 0x80) {
        i++;
        continue;
      }
      int continuation;
      int low = 0x80;
      int high = 0xBF;
      if (b >= 0xC2 && b <= 0xDF) {
        continuation = 1;
      } else if (b >= 0xE0 && b <= 0xEF) {
        continuation = 2;
        if (b == 0xE0) {
          low = 0xA0; // overlong
        } else if (b == 0xED) {
          high = 0x9F; // surrogates
        }
      } else if (b >= 0xF0 && b <= 0xF4) {
        continuation = 3;
        if (b == 0xF0) {
          low = 0x90; // overlong
        } else if (b == 0xF4) {
          high = 0x8F; // above U+10FFFF
        }
      } else {
        return false;
      }
      if (end - i <= continuation) {
        return false;
      }
      int c = buf.getByte(i + 1) & 0xFF;
      if (c < low || c > high) {
        return false;
      }
      for (int k = 2; k <= continuation; k++) {
        c = buf.getByte(i + k) & 0xFF;
        if (c < 0x80 || c > 0xBF) {
          return false;
        }
      }
      i += continuation + 1;
    }
    return true;
  }
}
