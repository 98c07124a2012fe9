package dev.hlsmesh.protocol.peer;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Data-channel message framing (PROTOCOL.md C.2 and C.4): wraps commands in
 * {@code cstr|dstr … cend|dend}, splits large commands exactly as the reference does, tells
 * command fragments from raw payload, and cuts payload so that no chunk looks like a command.
 * Stateless; any thread.
 */
public final class PeerFraming {
  /** The reference's {@code webRtcMaxMessageSize}: the default largest message we send. */
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 65_535;

  /** Frame bytes around every fragment: a 4-byte start marker and a 4-byte end marker. */
  public static final int FRAME_OVERHEAD_BYTES = 8;

  private static final int MARKER_BYTES = 4;
  private static final byte[] COMMAND_START = {'c', 's', 't', 'r'};
  private static final byte[] CONTINUATION_START = {'d', 's', 't', 'r'};
  private static final byte[] COMMAND_END = {'c', 'e', 'n', 'd'};
  private static final byte[] CONTINUATION_END = {'d', 'e', 'n', 'd'};

  private PeerFraming() {
  }

  /**
   * Encodes a command into the data-channel messages to send, in order (never interleave them
   * with the fragments of another command).
   *
   * @param command         the command
   * @param maxMessageBytes the sender's message size limit, at least 9; see
   *                        {@link #frame(byte[], int)} for the one case it can be exceeded
   * @return one or more framed messages; each array is new and owned by the caller
   */
  public static List<byte[]> encode(PeerCommand command, int maxMessageBytes) {
    return frame(PeerCommandCodec.encode(command), maxMessageBytes);
  }

  /**
   * Frames an un-framed command, splitting it exactly as p2p-media-loader 2.3 does: one
   * {@code cstr…cend} message when it fits; otherwise {@code k = ceil(L / max)} pieces (one
   * more if a piece plus its frame would exceed {@code max}) of {@code ceil(L / k)} bytes,
   * framed {@code cstr…dend}, {@code dstr…dend}…, {@code dstr…cend}; the last piece may be
   * shorter or even empty (e.g. 297 bytes in 24 pieces of 13). Byte-identical to the
   * reference for every size; like the reference, a piece can exceed {@code maxMessageBytes}
   * only when {@code maxMessageBytes} is tiny compared with the command: never when
   * {@code maxMessageBytes ≥ 8 × (ceil(L / maxMessageBytes) + 1)}, so never for the 65,535-byte
   * default and commands under 500 MB.
   *
   * @param command         the un-framed command bytes, not empty
   * @param maxMessageBytes the sender's message size limit, at least 9
   * @return the framed messages in send order
   */
  public static List<byte[]> frame(byte[] command, int maxMessageBytes) {
    Objects.requireNonNull(command, "command");
    if (command.length == 0) {
      throw new IllegalArgumentException("command: empty (expected: at least the command code)");
    }
    if (maxMessageBytes <= FRAME_OVERHEAD_BYTES) {
      throw new IllegalArgumentException(
          "maxMessageBytes: " + maxMessageBytes + " (expected: at least 9)");
    }
    int length = command.length;
    if (length + FRAME_OVERHEAD_BYTES <= maxMessageBytes) {
      return List.of(framed(command, 0, length, COMMAND_START, COMMAND_END));
    }
    int pieces = ceilDiv(length, maxMessageBytes);
    if (ceilDiv(length, pieces) + FRAME_OVERHEAD_BYTES > maxMessageBytes) {
      pieces++;
    }
    int pieceBytes = ceilDiv(length, pieces);
    List<byte[]> messages = new ArrayList<>(pieces);
    for (int i = 0; i < pieces; i++) {
      // Always exactly `pieces` messages: when (pieces - 1) pieces already hold every byte the
      // last one is empty ("dstrcend"), as the reference sends it.
      int from = (int) Math.min(length, (long) i * pieceBytes);
      int to = (int) Math.min(length, (long) (i + 1) * pieceBytes);
      byte[] start = i == 0 ? COMMAND_START : CONTINUATION_START;
      byte[] end = i == pieces - 1 ? COMMAND_END : CONTINUATION_END;
      messages.add(framed(command, from, to, start, end));
    }
    return messages;
  }

  /**
   * Tells whether a received message is a command fragment (C.2): it starts with
   * {@code cstr} or {@code dstr} and ends with {@code cend} or {@code dend}. Anything else is
   * raw segment payload. Reads {@code message} from its position to its limit without
   * moving them.
   *
   * @param message a received data-channel message
   * @return true for a command fragment
   */
  public static boolean isCommandFragment(ByteBuffer message) {
    int from = message.position();
    int to = message.limit();
    if (to - from < MARKER_BYTES) {
      return false;
    }
    return (startsWith(message, from, COMMAND_START) || startsWith(message, from, CONTINUATION_START))
        && (startsWith(message, to - MARKER_BYTES, COMMAND_END)
            || startsWith(message, to - MARKER_BYTES, CONTINUATION_END));
  }

  /**
   * How many bytes of segment payload to put into the next payload message so that the
   * receiver cannot mistake it for a command fragment (C.2): normally
   * {@code min(remaining, maxChunkBytes)}, one byte less in the rare case (2^-62 for random
   * data) that chunk would start with {@code cstr|dstr} and end with {@code cend|dend}. Receivers only count
   * payload bytes, so chunk boundaries are free. Reads {@code payload} from its position to its
   * limit without moving them.
   *
   * @param payload       the payload still to send, from its position to its limit
   * @param maxChunkBytes the largest payload message to send, at least 1
   * @return the length of the next chunk: 0 only when nothing remains
   */
  public static int nextPayloadChunkLength(ByteBuffer payload, int maxChunkBytes) {
    if (maxChunkBytes < 1) {
      throw new IllegalArgumentException(
          "maxChunkBytes: " + maxChunkBytes + " (expected: at least 1)");
    }
    int length = Math.min(payload.remaining(), maxChunkBytes);
    ByteBuffer view = payload.duplicate();
    // An end marker cannot also end one byte earlier, so this loops at most twice.
    while (length > 0) {
      view.limit(payload.position() + length);
      if (!isCommandFragment(view)) {
        return length;
      }
      length--;
    }
    return 0;
  }

  private static boolean startsWith(ByteBuffer buffer, int at, byte[] marker) {
    for (int i = 0; i < MARKER_BYTES; i++) {
      if (buffer.get(at + i) != marker[i]) {
        return false;
      }
    }
    return true;
  }

  private static byte[] framed(byte[] command, int from, int to, byte[] start, byte[] end) {
    byte[] message = new byte[to - from + FRAME_OVERHEAD_BYTES];
    System.arraycopy(start, 0, message, 0, MARKER_BYTES);
    System.arraycopy(command, from, message, MARKER_BYTES, to - from);
    System.arraycopy(end, 0, message, message.length - MARKER_BYTES, MARKER_BYTES);
    return message;
  }

  private static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }
}
