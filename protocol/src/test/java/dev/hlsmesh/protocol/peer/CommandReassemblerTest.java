package dev.hlsmesh.protocol.peer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hlsmesh.protocol.peer.CommandReassembler.DropReason;
import dev.hlsmesh.protocol.peer.CommandReassembler.Inbound;
import dev.hlsmesh.protocol.peer.PeerCommand.SegmentAbsent;
import dev.hlsmesh.protocol.peer.PeerCommand.SegmentRequest;
import dev.hlsmesh.protocol.peer.PeerCommand.SegmentsAnnouncement;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class CommandReassemblerTest {
  private final CommandReassembler reassembler = new CommandReassembler();

  @Test
  void payloadInterleavedBetweenFragmentsIsReturnedAsIsAndDoesNotDisturbJoining() {
    List<byte[]> parts = PeerFraming.encode(new SegmentRequest(4000255, 999, 65535), 12);
    assertThat(parts).hasSize(3);
    ByteBuffer payload = ByteBuffer.wrap(new byte[] {1, 2, 3});

    assertThat(accept(parts.get(0))).isInstanceOf(Inbound.PartialCommand.class);
    assertThat(reassembler.accept(payload)).isEqualTo(new Inbound.Payload(payload));
    assertThat(accept(parts.get(1))).isInstanceOf(Inbound.PartialCommand.class);
    assertThat(reassembler.isAssembling()).isTrue();
    assertThat(accept(parts.get(2)))
        .isEqualTo(new Inbound.Command(new SegmentRequest(4000255, 999, 65535)));
    assertThat(payload.position()).isZero();
    assertThat(payload.limit()).isEqualTo(3);
  }

  @Test
  void newCommandStartWhileAssemblingDropsBothThenRecovers() {
    List<byte[]> first = PeerFraming.encode(new SegmentRequest(1, 2, 0), 14);
    List<byte[]> second = PeerFraming.encode(new SegmentRequest(3, 4, 0), 14);

    accept(first.get(0));
    Inbound dropped = accept(second.get(0));

    assertThat(dropped).isInstanceOfSatisfying(Inbound.Dropped.class,
        d -> assertThat(d.reason()).isEqualTo(DropReason.INCOMPLETE_JOINING));
    assertThat(reassembler.isAssembling()).isFalse();
    // the rest of the second command has lost its start
    assertThat(accept(second.get(1))).isInstanceOfSatisfying(Inbound.Dropped.class,
        d -> assertThat(d.reason()).isEqualTo(DropReason.NO_FIRST_CHUNK));
    assertThat(accept(PeerFraming.encode(new SegmentAbsent(5, 6), 65535).get(0)))
        .isEqualTo(new Inbound.Command(new SegmentAbsent(5, 6)));
  }

  @Test
  void continuationWithoutAStartIsDropped() {
    Inbound result = accept(ascii("dstr\u0004i\u0001\u0001cend"));

    assertThat(result).isEqualTo(new Inbound.Dropped(DropReason.NO_FIRST_CHUNK,
        "a continuation fragment arrived with no command being assembled"));
  }

  @Test
  void undecodableCompleteCommandIsDroppedAsMalformedWithTheDecoderMessage() {
    assertThat(accept(ascii("cstr\u0009cend"))).isEqualTo(new Inbound.Dropped(
        DropReason.MALFORMED, "unknown command code 9 (expected: 0..5)"));
    assertThat(accept(ascii("cstrcend"))).isEqualTo(new Inbound.Dropped(
        DropReason.MALFORMED, "empty command: no command code"));
  }

  @Test
  void commandGrowingPastTheBoundIsDroppedAndItsRestIsNotJoined() {
    CommandReassembler small = new CommandReassembler(100);
    List<Long> ids = LongStream.range(0, 300).map(i -> i * 1000).boxed().toList();
    List<byte[]> parts = PeerFraming.encode(new SegmentsAnnouncement(ids, List.of()), 64);

    Inbound result = null;
    int i = 0;
    while (!(result instanceof Inbound.Dropped)) {
      result = small.accept(ByteBuffer.wrap(parts.get(i++)));
    }
    assertThat(((Inbound.Dropped) result).reason()).isEqualTo(DropReason.TOO_LARGE);
    assertThat(small.isAssembling()).isFalse();
    assertThat(small.accept(ByteBuffer.wrap(parts.get(i)))).isInstanceOfSatisfying(
        Inbound.Dropped.class, d -> assertThat(d.reason()).isEqualTo(DropReason.NO_FIRST_CHUNK));
  }

  @Test
  void fragmentReadFromTheMiddleOfABufferUsesOnlyPositionToLimit() {
    byte[] message = PeerFraming.encode(new SegmentAbsent(7, 8), 65535).get(0);
    byte[] padded = new byte[message.length + 6];
    System.arraycopy(message, 0, padded, 3, message.length);
    ByteBuffer buffer = ByteBuffer.wrap(padded, 3, message.length).asReadOnlyBuffer();

    assertThat(reassembler.accept(buffer)).isEqualTo(new Inbound.Command(new SegmentAbsent(7, 8)));
    assertThat(buffer.position()).isEqualTo(3);
  }

  private Inbound accept(byte[] message) {
    return reassembler.accept(ByteBuffer.wrap(message));
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }
}
