package dev.hlsmesh.protocol.peer;

import dev.hlsmesh.protocol.peer.PeerCommand.CancelSegmentRequest;
import dev.hlsmesh.protocol.peer.PeerCommand.SegmentAbsent;
import dev.hlsmesh.protocol.peer.PeerCommand.SegmentData;
import dev.hlsmesh.protocol.peer.PeerCommand.SegmentDataSendingCompleted;
import dev.hlsmesh.protocol.peer.PeerCommand.SegmentRequest;
import dev.hlsmesh.protocol.peer.PeerCommand.SegmentsAnnouncement;
import java.io.ByteArrayOutputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Encodes and decodes the un-framed form of a peer command (PROTOCOL.md C.3): the command code
 * followed by named fields. Framing into data-channel messages is {@link PeerFraming}'s job.
 * Stateless; any thread.
 *
 * <p>Decoding follows the reference: fields may come in any order, a later duplicate replaces
 * an earlier one, and fields with unknown names are skipped once their value has been parsed.
 * Unlike the reference it rejects, with a {@link PeerProtocolException}, unknown command codes,
 * missing required fields, fields of the wrong value type and numbers outside the JavaScript
 * safe-integer range; a SimilarIntArray count of 0 is read as 256, which recovers 256-id groups
 * that the reference encoder emits and the reference decoder cannot read.
 */
public final class PeerCommandCodec {
  private static final int FIELD_SEGMENT_ID = 'i';
  private static final int FIELD_REQUEST_ID = 'r';
  private static final int FIELD_BYTE_OFFSET = 'b';
  private static final int FIELD_SIZE = 's';
  private static final int FIELD_LOADED = 'l';
  private static final int FIELD_HTTP_LOADING = 'p';

  private PeerCommandCodec() {
  }

  /**
   * Encodes a command without framing, field order as the reference emits it.
   *
   * @param command the command to encode
   * @return the un-framed command bytes, at least one byte long
   */
  public static byte[] encode(PeerCommand command) {
    Objects.requireNonNull(command, "command");
    ByteArrayOutputStream out = new ByteArrayOutputStream(32);
    out.write(command.code());
    if (command instanceof SegmentsAnnouncement a) {
      if (!a.loadedSegmentIds().isEmpty()) {
        out.write(FIELD_LOADED);
        PeerBinary.writeSimilarIntArray(out, a.loadedSegmentIds());
      }
      if (!a.httpLoadingSegmentIds().isEmpty()) {
        out.write(FIELD_HTTP_LOADING);
        PeerBinary.writeSimilarIntArray(out, a.httpLoadingSegmentIds());
      }
    } else if (command instanceof SegmentRequest r) {
      writeIntField(out, FIELD_SEGMENT_ID, r.segmentId());
      writeIntField(out, FIELD_REQUEST_ID, r.requestId());
      if (r.byteOffset() != 0) {
        writeIntField(out, FIELD_BYTE_OFFSET, r.byteOffset());
      }
    } else if (command instanceof SegmentData d) {
      writeIntField(out, FIELD_SEGMENT_ID, d.segmentId());
      writeIntField(out, FIELD_SIZE, d.sizeBytes());
      writeIntField(out, FIELD_REQUEST_ID, d.requestId());
    } else if (command instanceof SegmentDataSendingCompleted c) {
      writeIdAndRequest(out, c.segmentId(), c.requestId());
    } else if (command instanceof SegmentAbsent a) {
      writeIdAndRequest(out, a.segmentId(), a.requestId());
    } else if (command instanceof CancelSegmentRequest c) {
      writeIdAndRequest(out, c.segmentId(), c.requestId());
    } else {
      throw new AssertionError("unhandled command type " + command.getClass());
    }
    return out.toByteArray();
  }

  /**
   * Decodes an un-framed command.
   *
   * @param bytes the command bytes (not modified)
   * @return the command
   * @throws PeerProtocolException if the bytes are not a valid command
   */
  public static PeerCommand decode(byte[] bytes) throws PeerProtocolException {
    return decode(bytes, 0, bytes.length);
  }

  /**
   * Decodes an un-framed command held in {@code bytes[from..to)}.
   *
   * @param bytes the buffer (not modified)
   * @param from  index of the command code
   * @param to    index just past the last byte of the command
   * @return the command
   * @throws PeerProtocolException if the bytes are not a valid command
   */
  public static PeerCommand decode(byte[] bytes, int from, int to) throws PeerProtocolException {
    Objects.checkFromToIndex(from, to, bytes.length);
    PeerBinary.Reader reader = new PeerBinary.Reader(bytes, from, to);
    if (!reader.hasRemaining()) {
      throw new PeerProtocolException("empty command: no command code");
    }
    int code = reader.readUnsignedByte("a command code");
    if (code > 5) {
      throw new PeerProtocolException("unknown command code " + code + " (expected: 0..5)");
    }
    Map<Integer, Object> fields = new HashMap<>();
    while (reader.hasRemaining()) {
      int name = reader.readUnsignedByte("a field name");
      int valueOffset = reader.offset();
      int type = reader.peekType();
      Object value;
      switch (type) {
        case PeerBinary.TYPE_INT:
          value = reader.readInt();
          break;
        case PeerBinary.TYPE_SIMILAR_INT_ARRAY:
          value = reader.readSimilarIntArray();
          break;
        case PeerBinary.TYPE_STRING:
          value = reader.readString();
          break;
        default:
          throw new PeerProtocolException("field " + describe(name) + " at offset "
              + valueOffset + " has invalid value type " + type
              + " (expected: 0 Int, 1 SimilarIntArray, 2 String)");
      }
      fields.put(name, value);
    }
    String command = COMMAND_NAMES[code];
    switch (code) {
      case 0:
        return new SegmentsAnnouncement(
            optionalIds(fields, FIELD_LOADED, command),
            optionalIds(fields, FIELD_HTTP_LOADING, command));
      case 1:
        return new SegmentRequest(
            requiredInt(fields, FIELD_SEGMENT_ID, command),
            requiredInt(fields, FIELD_REQUEST_ID, command),
            fields.containsKey(FIELD_BYTE_OFFSET)
                ? requiredInt(fields, FIELD_BYTE_OFFSET, command) : 0);
      case 2:
        return new SegmentData(
            requiredInt(fields, FIELD_SEGMENT_ID, command),
            requiredInt(fields, FIELD_REQUEST_ID, command),
            requiredInt(fields, FIELD_SIZE, command));
      case 3:
        return new SegmentDataSendingCompleted(
            requiredInt(fields, FIELD_SEGMENT_ID, command),
            requiredInt(fields, FIELD_REQUEST_ID, command));
      case 4:
        return new SegmentAbsent(
            requiredInt(fields, FIELD_SEGMENT_ID, command),
            requiredInt(fields, FIELD_REQUEST_ID, command));
      default:
        return new CancelSegmentRequest(
            requiredInt(fields, FIELD_SEGMENT_ID, command),
            requiredInt(fields, FIELD_REQUEST_ID, command));
    }
  }

  private static final String[] COMMAND_NAMES = {
    "SegmentsAnnouncement", "SegmentRequest", "SegmentData",
    "SegmentDataSendingCompleted", "SegmentAbsent", "CancelSegmentRequest",
  };

  private static long requiredInt(Map<Integer, Object> fields, int name, String command)
      throws PeerProtocolException {
    Object value = fields.get(name);
    if (value == null) {
      throw new PeerProtocolException(command + " lacks field " + describe(name));
    }
    if (!(value instanceof Long)) {
      throw new PeerProtocolException(command + " field " + describe(name)
          + " must be an Int, got " + typeName(value));
    }
    long number = (Long) value;
    if (number > PeerCommand.MAX_SAFE_INTEGER || number < -PeerCommand.MAX_SAFE_INTEGER) {
      throw new PeerProtocolException(command + " field " + describe(name) + " = " + number
          + " is outside the JavaScript safe-integer range");
    }
    return number;
  }

  @SuppressWarnings("unchecked")
  private static List<Long> optionalIds(Map<Integer, Object> fields, int name, String command)
      throws PeerProtocolException {
    Object value = fields.get(name);
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof List)) {
      throw new PeerProtocolException(command + " field " + describe(name)
          + " must be a SimilarIntArray, got " + typeName(value));
    }
    return (List<Long>) value;
  }

  private static String typeName(Object value) {
    if (value instanceof Long) {
      return "an Int";
    }
    return value instanceof String ? "a String" : "a SimilarIntArray";
  }

  private static String describe(int name) {
    return name >= 0x21 && name <= 0x7E
        ? "'" + (char) name + "'"
        : String.format("0x%02x", name);
  }

  private static void writeIdAndRequest(ByteArrayOutputStream out, long segmentId, long requestId) {
    writeIntField(out, FIELD_SEGMENT_ID, segmentId);
    writeIntField(out, FIELD_REQUEST_ID, requestId);
  }

  private static void writeIntField(ByteArrayOutputStream out, int name, long value) {
    out.write(name);
    PeerBinary.writeInt(out, value);
  }
}
