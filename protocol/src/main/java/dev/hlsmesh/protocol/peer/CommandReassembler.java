package dev.hlsmesh.protocol.peer;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Reads the messages received on one data channel (PROTOCOL.md C.2 and C.4): classifies each
 * as payload or command fragment, joins fragments, and decodes complete commands.
 *
 * <p>Not thread-safe: one instance per connection, called only by that connection's owner
 * (in message order).
 *
 * <p>Errors are reported as {@link Inbound.Dropped} results, never thrown: a bad command from
 * the network is an expected event, and the caller decides what it costs the peer (the
 * reference drops the command and keeps the connection; our agent may disconnect).
 *
 * <p>State machine: <em>idle</em> until a message starts with {@code cstr}; then
 * <em>assembling</em> until a fragment ends with {@code cend}, which yields the command and
 * returns to idle. In idle a {@code dstr} fragment is dropped ({@link DropReason#NO_FIRST_CHUNK});
 * a {@code cstr} fragment while assembling drops both the partial command and the new fragment
 * ({@link DropReason#INCOMPLETE_JOINING}, as the reference); a command growing past the size
 * limit is dropped ({@link DropReason#TOO_LARGE}) and its further fragments then count as
 * {@code NO_FIRST_CHUNK}. Payload messages never change the state.
 */
public final class CommandReassembler {
  /** Default bound on one reassembled command; a full announcement is about 135 KB. */
  public static final int DEFAULT_MAX_COMMAND_BYTES = 1 << 20;

  private static final int MARKER_BYTES = 4;

  private final int maxCommandBytes;
  private ByteArrayOutputStream partial; // null when idle

  /** A reassembler bounding each command to {@link #DEFAULT_MAX_COMMAND_BYTES}. */
  public CommandReassembler() {
    this(DEFAULT_MAX_COMMAND_BYTES);
  }

  /** @param maxCommandBytes the largest un-framed command accepted, at least 1 */
  public CommandReassembler(int maxCommandBytes) {
    if (maxCommandBytes < 1) {
      throw new IllegalArgumentException(
          "maxCommandBytes: " + maxCommandBytes + " (expected: at least 1)");
    }
    this.maxCommandBytes = maxCommandBytes;
  }

  /**
   * Handles one received data-channel message.
   *
   * @param message the message from its position to its limit; not modified, and not retained
   *                unless returned as {@link Inbound.Payload}
   * @return what the message turned out to be
   */
  public Inbound accept(ByteBuffer message) {
    Objects.requireNonNull(message, "message");
    if (!PeerFraming.isCommandFragment(message)) {
      return new Inbound.Payload(message);
    }
    int from = message.position();
    int to = message.limit();
    boolean first = message.get(from) == 'c';
    boolean last = message.get(to - MARKER_BYTES) == 'c';
    if (first && partial != null) {
      partial = null;
      return new Inbound.Dropped(DropReason.INCOMPLETE_JOINING,
          "a new command started before the previous one ended; both dropped");
    }
    if (!first && partial == null) {
      return new Inbound.Dropped(DropReason.NO_FIRST_CHUNK,
          "a continuation fragment arrived with no command being assembled");
    }
    int bodyBytes = to - from - 2 * MARKER_BYTES; // >= 0: a fragment has at least 8 bytes
    ByteArrayOutputStream buffer = first ? new ByteArrayOutputStream(Math.max(bodyBytes, 16)) : partial;
    if (bodyBytes > 0) {
      if ((long) buffer.size() + bodyBytes > maxCommandBytes) {
        partial = null;
        return new Inbound.Dropped(DropReason.TOO_LARGE, "command exceeds "
            + maxCommandBytes + " bytes after " + (buffer.size() + (long) bodyBytes));
      }
      byte[] body = new byte[bodyBytes];
      message.duplicate().position(from + MARKER_BYTES).get(body);
      buffer.writeBytes(body);
    }
    if (!last) {
      partial = buffer;
      return Inbound.PartialCommand.INSTANCE;
    }
    partial = null;
    byte[] command = buffer.toByteArray();
    try {
      return new Inbound.Command(PeerCommandCodec.decode(command));
    } catch (PeerProtocolException e) {
      return new Inbound.Dropped(DropReason.MALFORMED, e.getMessage());
    }
  }

  /** Whether a command is partly assembled (some fragments received, the last one not yet). */
  public boolean isAssembling() {
    return partial != null;
  }

  /** Why a command fragment or a whole command was dropped. */
  public enum DropReason {
    /** A {@code cstr} fragment arrived while another command was still being assembled. */
    INCOMPLETE_JOINING,
    /** A {@code dstr} fragment arrived with no command being assembled. */
    NO_FIRST_CHUNK,
    /** The reassembled command grew past the configured bound. */
    TOO_LARGE,
    /** The complete command did not decode; the detail is the decoder's message. */
    MALFORMED,
  }

  /** The outcome of {@link #accept(ByteBuffer)}. */
  public sealed interface Inbound {
    /**
     * Raw segment payload for the download in progress from this peer.
     *
     * @param bytes the message buffer passed to {@code accept}, position and limit untouched
     */
    record Payload(ByteBuffer bytes) implements Inbound {
    }

    /** @param command a complete, decoded command */
    record Command(PeerCommand command) implements Inbound {
    }

    /** A fragment was buffered; the command is not complete yet. */
    final class PartialCommand implements Inbound {
      static final PartialCommand INSTANCE = new PartialCommand();

      private PartialCommand() {
      }

      @Override
      public String toString() {
        return "PartialCommand";
      }
    }

    /**
     * A fragment or a command was dropped.
     *
     * @param reason the reason
     * @param detail a sentence for the log
     */
    record Dropped(DropReason reason, String detail) implements Inbound {
    }
  }
}
