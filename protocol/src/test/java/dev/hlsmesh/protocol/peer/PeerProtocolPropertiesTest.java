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
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class PeerProtocolPropertiesTest {

  @Property(tries = 500)
  void everyCommandSurvivesEncodeFrameReassembleDecode(
      @ForAll("commands") PeerCommand command, @ForAll @IntRange(min = 9, max = 70_000) int maxMessageBytes) {
    CommandReassembler reassembler = new CommandReassembler();
    List<byte[]> messages = PeerFraming.encode(command, maxMessageBytes);

    Inbound result = null;
    for (byte[] message : messages) {
      assertThat(result).isNull();
      Inbound r = reassembler.accept(ByteBuffer.wrap(message));
      if (!(r instanceof Inbound.PartialCommand)) {
        result = r;
      }
    }

    assertThat(result).isEqualTo(new Inbound.Command(canonical(command)));
  }

  @Property(tries = 300)
  void decodingAnEncodedCommandGivesItBack(@ForAll("commands") PeerCommand command)
      throws PeerProtocolException {
    assertThat(PeerCommandCodec.decode(PeerCommandCodec.encode(command))).isEqualTo(canonical(command));
  }

  @Property(tries = 3000)
  void decoderThrowsOnlyItsTypedExceptionOnArbitraryBytes(@ForAll @Size(max = 64) byte[] bytes) {
    try {
      PeerCommandCodec.decode(bytes);
    } catch (PeerProtocolException expected) {
      assertThat(expected.getMessage()).isNotBlank();
    }
  }

  @Property(tries = 3000)
  void decoderThrowsOnlyItsTypedExceptionOnMutatedValidCommands(
      @ForAll("commands") PeerCommand command, @ForAll int position, @ForAll byte replacement,
      @ForAll boolean truncate) {
    byte[] bytes = PeerCommandCodec.encode(command);
    int at = Math.floorMod(position, bytes.length);
    byte[] mutated = truncate ? java.util.Arrays.copyOf(bytes, at) : bytes.clone();
    if (!truncate) {
      mutated[at] = replacement;
    }
    try {
      PeerCommandCodec.decode(mutated);
    } catch (PeerProtocolException expected) {
      assertThat(expected.getMessage()).isNotBlank();
    }
  }

  @Property(tries = 2000)
  void reassemblerNeverThrowsOnArbitraryMessageSequences(@ForAll("messageSequences") List<byte[]> messages) {
    CommandReassembler reassembler = new CommandReassembler(4096);
    for (byte[] message : messages) {
      Inbound result = reassembler.accept(ByteBuffer.wrap(message));
      assertThat(result).isNotNull();
      if (result instanceof Inbound.Payload payload) {
        assertThat(PeerFraming.isCommandFragment(payload.bytes())).isFalse();
      }
    }
  }

  @Property(tries = 500)
  void payloadCutWithTheHelperIsNeverMistakenForACommand(
      @ForAll("payloads") byte[] payload, @ForAll @IntRange(min = 1, max = 64) int maxChunkBytes) {
    ByteBuffer buffer = ByteBuffer.wrap(payload);
    int total = 0;
    while (buffer.hasRemaining()) {
      int length = PeerFraming.nextPayloadChunkLength(buffer, maxChunkBytes);
      assertThat(length).isBetween(1, maxChunkBytes);
      ByteBuffer chunk = buffer.duplicate();
      chunk.limit(buffer.position() + length);
      assertThat(PeerFraming.isCommandFragment(chunk)).isFalse();
      buffer.position(buffer.position() + length);
      total += length;
    }
    assertThat(total).isEqualTo(payload.length);
  }

  @Provide
  Arbitrary<byte[]> payloads() {
    // Payloads stitched from markers and random bytes, so that marker-looking chunks occur.
    Arbitrary<byte[]> piece = Arbitraries.oneOf(
        Arbitraries.of("cstr", "dstr", "cend", "dend").map(s -> s.getBytes(java.nio.charset.StandardCharsets.US_ASCII)),
        Arbitraries.bytes().array(byte[].class).ofMaxSize(12));
    return piece.list().ofMaxSize(30).map(PeerProtocolPropertiesTest::concat);
  }

  @Provide
  Arbitrary<List<byte[]>> messageSequences() {
    Arbitrary<byte[]> body = Arbitraries.bytes().array(byte[].class).ofMaxSize(40);
    Arbitrary<String> start = Arbitraries.of("cstr", "dstr", "");
    Arbitrary<String> end = Arbitraries.of("cend", "dend", "");
    Arbitrary<byte[]> framed = Combinators.combine(start, body, end).as((s, b, e) -> concat(List.of(
        s.getBytes(java.nio.charset.StandardCharsets.US_ASCII), b,
        e.getBytes(java.nio.charset.StandardCharsets.US_ASCII))));
    Arbitrary<byte[]> valid = commands().map(c -> PeerFraming.encode(c, 16)).flatMap(
        parts -> Arbitraries.integers().between(0, parts.size() - 1).map(parts::get));
    return Arbitraries.oneOf(framed, valid).list().ofMaxSize(20);
  }

  @Provide
  Arbitrary<PeerCommand> commands() {
    Arbitrary<Long> id = Arbitraries.oneOf(
        Arbitraries.longs().between(-PeerCommand.MAX_SAFE_INTEGER, PeerCommand.MAX_SAFE_INTEGER),
        Arbitraries.longs().between(-300, 70_000));
    Arbitrary<List<Long>> ids = Arbitraries.oneOf(
        id.list().ofMaxSize(50),
        Arbitraries.longs().between(4_000_000, 4_000_700).list().ofMaxSize(600));
    return Arbitraries.oneOf(
        Combinators.combine(ids, ids).as(SegmentsAnnouncement::new),
        Combinators.combine(id, id, id).as(SegmentRequest::new),
        Combinators.combine(id, id, id).as(SegmentData::new),
        Combinators.combine(id, id).as(SegmentDataSendingCompleted::new),
        Combinators.combine(id, id).as(SegmentAbsent::new),
        Combinators.combine(id, id).as(CancelSegmentRequest::new));
  }

  /** What decoding gives back: announcement ids in group order (first appearance of each 256-block). */
  private static PeerCommand canonical(PeerCommand command) {
    if (command instanceof SegmentsAnnouncement a) {
      return new SegmentsAnnouncement(grouped(a.loadedSegmentIds()), grouped(a.httpLoadingSegmentIds()));
    }
    return command;
  }

  private static List<Long> grouped(List<Long> ids) {
    java.util.LinkedHashMap<Long, List<Long>> groups = new java.util.LinkedHashMap<>();
    for (long id : ids) {
      groups.computeIfAbsent(id & ~0xFFL, k -> new ArrayList<>()).add(id);
    }
    List<Long> result = new ArrayList<>();
    groups.values().forEach(result::addAll);
    return result;
  }

  private static byte[] concat(List<byte[]> parts) {
    int length = parts.stream().mapToInt(p -> p.length).sum();
    byte[] all = new byte[length];
    int at = 0;
    for (byte[] part : parts) {
      System.arraycopy(part, 0, all, at, part.length);
      at += part.length;
    }
    return all;
  }
}
