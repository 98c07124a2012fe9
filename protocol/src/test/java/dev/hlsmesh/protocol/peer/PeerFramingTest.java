package dev.hlsmesh.protocol.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PeerFramingTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "cstrcend, true",
    "cstr-cend, true",
    "dstrXdend, true",
    "cstrXdend, true",
    "dstrXcend, true",
    "cstrXcenD, false",
    "xstrXcend, false",
    "cstr, false",
    "cstrend, false",
    "cend, false",
    "'', false",
  })
  void commandFragmentsAreRecognisedByBothMarkers(String message, boolean fragment) {
    ByteBuffer buffer = ByteBuffer.wrap(message.getBytes(StandardCharsets.US_ASCII));

    assertThat(PeerFraming.isCommandFragment(buffer)).isEqualTo(fragment);
  }

  @Test
  void payloadChunkThatWouldLookLikeACommandIsShortenedByOneByte() {
    byte[] payload = "cstr0123456789cend!".getBytes(StandardCharsets.US_ASCII);
    ByteBuffer buffer = ByteBuffer.wrap(payload);

    int first = PeerFraming.nextPayloadChunkLength(buffer, 18);

    assertThat(first).isEqualTo(17);
    buffer.position(first);
    assertThat(PeerFraming.nextPayloadChunkLength(buffer, 18)).isEqualTo(2);
  }

  @Test
  void ordinaryPayloadIsCutAtTheLimitAndNothingRemainingGivesZero() {
    ByteBuffer buffer = ByteBuffer.allocate(100_000);

    assertThat(PeerFraming.nextPayloadChunkLength(buffer, PeerFraming.DEFAULT_MAX_MESSAGE_BYTES))
        .isEqualTo(65_535);
    buffer.position(65_535 + 34_000);
    assertThat(PeerFraming.nextPayloadChunkLength(buffer, 65_535)).isEqualTo(465);
    buffer.position(100_000);
    assertThat(PeerFraming.nextPayloadChunkLength(buffer, 65_535)).isZero();
  }

  @Test
  void splitAlwaysYieldsTheReferencePieceCountEvenIfTheLastPieceIsEmpty() {
    // 297 bytes, max 13: 23 pieces do not fit a frame each, so 24 pieces of ceil(297/24) = 13
    // bytes; 23 of them already hold all 297 bytes and the reference still sends the 24th.
    byte[] command = new byte[297];
    java.util.Arrays.fill(command, (byte) 7);

    java.util.List<byte[]> messages = PeerFraming.frame(command, 13);

    assertThat(messages).hasSize(24);
    assertThat(new String(messages.get(23), StandardCharsets.US_ASCII)).isEqualTo("dstrcend");
    assertThat(messages.get(22)).hasSize(8 + 297 - 22 * 13);
    CommandReassembler reassembler = new CommandReassembler();
    for (byte[] message : messages) {
      reassembler.accept(ByteBuffer.wrap(message));
    }
    assertThat(reassembler.isAssembling()).isFalse();
  }

  @Test
  void framingRejectsLimitsTooSmallForAFrame() {
    assertThatThrownBy(() -> PeerFraming.frame(new byte[] {1}, 8))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxMessageBytes: 8 (expected: at least 9)");
    assertThatThrownBy(() -> PeerFraming.frame(new byte[0], 100))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void largeAnnouncementStaysWithinTheDefaultLimit() {
    java.util.List<Long> ids = new java.util.ArrayList<>();
    for (long block = 0; block < 255; block++) {
      for (long low = 0; low < 256; low++) {
        ids.add(block * 256 + low);
      }
    }
    PeerCommand.SegmentsAnnouncement announcement =
        new PeerCommand.SegmentsAnnouncement(ids, ids.subList(0, 1000));

    for (byte[] message : PeerFraming.encode(announcement, PeerFraming.DEFAULT_MAX_MESSAGE_BYTES)) {
      assertThat(message.length).isLessThanOrEqualTo(PeerFraming.DEFAULT_MAX_MESSAGE_BYTES);
    }
  }
}
