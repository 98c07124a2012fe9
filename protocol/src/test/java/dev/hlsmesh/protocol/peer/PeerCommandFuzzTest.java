package dev.hlsmesh.protocol.peer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hlsmesh.protocol.peer.CommandReassembler.Inbound;
import dev.hlsmesh.protocol.peer.PeerCommand.CancelSegmentRequest;
import dev.hlsmesh.protocol.peer.PeerCommand.SegmentAbsent;
import dev.hlsmesh.protocol.peer.PeerCommand.SegmentData;
import dev.hlsmesh.protocol.peer.PeerCommand.SegmentDataSendingCompleted;
import dev.hlsmesh.protocol.peer.PeerCommand.SegmentRequest;
import dev.hlsmesh.protocol.peer.PeerCommand.SegmentsAnnouncement;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

/**
 * Fuzzes the peer command decoder and the fragment reassembler (what a remote peer controls):
 * several mutations of valid commands, structured garbage, and fragment streams. Nothing but
 * {@link PeerProtocolException} may leave the decoder, whatever it accepts re-encodes to
 * something it decodes the same way, and the reassembler neither throws nor stays poisoned.
 * The regular build runs jqwik's default 1000 tries per property; {@code -Pfuzz} raises it
 * (docs/security.md, "Fuzzing").
 */
class PeerCommandFuzzTest {
  private static final int MAX_COMMAND_BYTES = 4096;

  @Property
  void decoderAcceptsOrRefusesWithItsTypedExceptionAndIsStable(@ForAll("inputs") byte[] bytes) {
    PeerCommand command;
    try {
      command = PeerCommandCodec.decode(bytes);
    } catch (PeerProtocolException refused) {
      assertThat(refused.getMessage()).isNotBlank();
      Statistics.label("decoder").collect("refused");
      return;
    }
    Statistics.label("decoder").collect("accepted " + command.getClass().getSimpleName());
    // Accepted input must be a real command: its encoding decodes to the same content (an
    // announcement's ids may come back grouped differently: the encoder writes each 256-block
    // once), and that canonical form is a fixed point.
    PeerCommand again = roundTrip(command);
    assertThat(roundTrip(again)).isEqualTo(again);
    assertThat(content(again)).isEqualTo(content(command));
  }

  private static PeerCommand roundTrip(PeerCommand command) {
    try {
      return PeerCommandCodec.decode(PeerCommandCodec.encode(command));
    } catch (PeerProtocolException e) {
      throw new AssertionError("re-encoded " + command + " does not decode", e);
    }
  }

  /** The command with announcement ids sorted (their order on the wire is not meaningful). */
  private static Object content(PeerCommand command) {
    if (command instanceof SegmentsAnnouncement a) {
      return List.of(a.loadedSegmentIds().stream().sorted().toList(),
          a.httpLoadingSegmentIds().stream().sorted().toList());
    }
    return command;
  }

  @Property
  void subRangeDecodingNeverReadsOutsideItsRange(@ForAll("inputs") byte[] bytes,
      @ForAll("offsets") int from, @ForAll("offsets") int length) {
    byte[] padded = new byte[bytes.length + 16];
    Arrays.fill(padded, (byte) 0xff);
    System.arraycopy(bytes, 0, padded, 8, bytes.length);
    int start = 8 + Math.min(from, bytes.length);
    int end = Math.min(start + length, 8 + bytes.length);
    try {
      PeerCommand inRange = PeerCommandCodec.decode(padded, start, end);
      assertThat(PeerCommandCodec.decode(Arrays.copyOfRange(padded, start, end)))
          .isEqualTo(inRange);
    } catch (PeerProtocolException refused) {
      assertThat(refused.getMessage()).isNotBlank();
    }
  }

  @Property
  void reassemblerNeverThrowsAndRecoversAfterAnyFragmentStream(
      @ForAll("fragmentStreams") List<byte[]> messages, @ForAll("commands") PeerCommand command) {
    CommandReassembler reassembler = new CommandReassembler(MAX_COMMAND_BYTES);
    for (byte[] message : messages) {
      Inbound result = reassembler.accept(ByteBuffer.wrap(message));
      assertThat(result).isNotNull();
      if (result instanceof Inbound.Dropped dropped) {
        assertThat(dropped.detail()).isNotBlank();
        Statistics.label("fragment").collect("dropped " + dropped.reason());
      } else {
        Statistics.label("fragment").collect(result.getClass().getSimpleName());
      }
    }
    // Whatever came before, a valid command sent twice gets through at the latest the second
    // time (the first may be dropped with a partial one): the state is never stuck.
    List<Inbound> results = new ArrayList<>();
    for (int copy = 0; copy < 2; copy++) {
      for (byte[] part : PeerFraming.encode(command, 64)) {
        results.add(reassembler.accept(ByteBuffer.wrap(part)));
      }
    }
    assertThat(results).last().isEqualTo(new Inbound.Command(decodeCanonical(command)));
    assertThat(reassembler.isAssembling()).isFalse();
  }

  private static PeerCommand decodeCanonical(PeerCommand command) {
    try {
      return PeerCommandCodec.decode(PeerCommandCodec.encode(command));
    } catch (PeerProtocolException e) {
      throw new AssertionError(e);
    }
  }

  // ---- generators ----

  @Provide
  Arbitrary<Integer> offsets() {
    return Arbitraries.integers().between(0, 80);
  }

  /** Valid encodings with 1-4 mutations, structured garbage, and random bytes. */
  @Provide
  Arbitrary<byte[]> inputs() {
    Arbitrary<byte[]> valid = commands().map(PeerCommandCodec::encode);
    Arbitrary<byte[]> mutated = Combinators.combine(valid, mutation().list().ofMinSize(1)
        .ofMaxSize(4)).as((bytes, mutations) -> {
          byte[] b = bytes;
          for (Mutation m : mutations) {
            b = m.apply(b);
          }
          return b;
        });
    Arbitrary<byte[]> spliced = Combinators.combine(valid, valid, Arbitraries.integers()
        .between(0, 1000)).as((a, b, cut) -> {
          int at = Math.min(cut, a.length);
          byte[] out = Arrays.copyOf(a, at + b.length);
          System.arraycopy(b, 0, out, at, b.length);
          return out;
        });
    return Arbitraries.frequencyOf(
        Tuple.of(5, mutated),
        Tuple.of(2, spliced),
        Tuple.of(1, valid),
        Tuple.of(2, Arbitraries.bytes().array(byte[].class).ofMaxSize(300)));
  }

  /** One change to a byte array: flip, overwrite with an edge value, insert, delete, cut. */
  private Arbitrary<Mutation> mutation() {
    Arbitrary<Integer> at = Arbitraries.integers().greaterOrEqual(0);
    Arbitrary<Byte> value = Arbitraries.oneOf(Arbitraries.bytes(),
        Arbitraries.of((byte) 0, (byte) 0x7f, (byte) 0x80, (byte) 0xff, (byte) 0x20, (byte) 0x40));
    return Arbitraries.oneOf(
        Combinators.combine(at, value).as((i, v) -> b -> {
          if (b.length == 0) {
            return b;
          }
          byte[] c = b.clone();
          c[Math.floorMod(i, c.length)] = v;
          return c;
        }),
        Combinators.combine(at, value).as((i, v) -> b -> {
          int p = Math.floorMod(i, b.length + 1);
          byte[] c = new byte[b.length + 1];
          System.arraycopy(b, 0, c, 0, p);
          c[p] = v;
          System.arraycopy(b, p, c, p + 1, b.length - p);
          return c;
        }),
        at.map(i -> b -> {
          if (b.length == 0) {
            return b;
          }
          int p = Math.floorMod(i, b.length);
          byte[] c = new byte[b.length - 1];
          System.arraycopy(b, 0, c, 0, p);
          System.arraycopy(b, p + 1, c, p, b.length - p - 1);
          return c;
        }),
        at.map(i -> b -> Arrays.copyOf(b, Math.floorMod(i, b.length + 1))));
  }

  @FunctionalInterface
  private interface Mutation {
    byte[] apply(byte[] bytes);
  }

  /** Fragments (valid ones, re-ordered, and made-up ones with markers) and payload messages. */
  @Provide
  Arbitrary<List<byte[]>> fragmentStreams() {
    Arbitrary<byte[]> validPart = Combinators.combine(commands(), Arbitraries.integers()
        .between(9, 200), Arbitraries.integers().greaterOrEqual(0)).as((c, max, pick) -> {
          List<byte[]> parts = PeerFraming.encode(c, max);
          return parts.get(Math.floorMod(pick, parts.size()));
        });
    Arbitrary<String> marker = Arbitraries.of("cstr", "dstr", "cend", "dend", "xstr", "");
    Arbitrary<byte[]> madeUp = Combinators.combine(marker, inputs(), marker)
        .as((start, body, end) -> concat(start.getBytes(StandardCharsets.US_ASCII), body,
            end.getBytes(StandardCharsets.US_ASCII)));
    Arbitrary<byte[]> oversized = Arbitraries.integers().between(MAX_COMMAND_BYTES - 8,
        MAX_COMMAND_BYTES + 64).map(n -> concat("dstr".getBytes(StandardCharsets.US_ASCII),
        new byte[n], "dend".getBytes(StandardCharsets.US_ASCII)));
    return Arbitraries.frequencyOf(Tuple.of(4, validPart), Tuple.of(4, madeUp),
        Tuple.of(1, oversized)).list().ofMaxSize(12);
  }

  @Provide
  Arbitrary<PeerCommand> commands() {
    Arbitrary<Long> id = Arbitraries.oneOf(
        Arbitraries.longs().between(-PeerCommand.MAX_SAFE_INTEGER, PeerCommand.MAX_SAFE_INTEGER),
        Arbitraries.of(0L, -1L, 255L, 256L, 65_535L, 65_536L, PeerCommand.MAX_SAFE_INTEGER,
            -PeerCommand.MAX_SAFE_INTEGER, 1L << 32, (1L << 32) - 1));
    Arbitrary<List<Long>> ids = id.list().ofMaxSize(40);
    return Arbitraries.oneOf(
        Combinators.combine(ids, ids).as(SegmentsAnnouncement::new),
        Combinators.combine(id, id, id).as(SegmentRequest::new),
        Combinators.combine(id, id, id).as(SegmentData::new),
        Combinators.combine(id, id).as(SegmentDataSendingCompleted::new),
        Combinators.combine(id, id).as(SegmentAbsent::new),
        Combinators.combine(id, id).as(CancelSegmentRequest::new));
  }

  private static byte[] concat(byte[]... parts) {
    int length = 0;
    for (byte[] p : parts) {
      length += p.length;
    }
    byte[] all = new byte[length];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, all, at, p.length);
      at += p.length;
    }
    return all;
  }
}
