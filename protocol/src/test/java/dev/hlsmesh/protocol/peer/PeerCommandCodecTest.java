package dev.hlsmesh.protocol.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hlsmesh.protocol.peer.PeerCommand.SegmentAbsent;
import dev.hlsmesh.protocol.peer.PeerCommand.SegmentData;
import dev.hlsmesh.protocol.peer.PeerCommand.SegmentRequest;
import dev.hlsmesh.protocol.peer.PeerCommand.SegmentsAnnouncement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PeerCommandCodecTest {
  private static final HexFormat HEX = HexFormat.of();

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(delimiter = '|', value = {
    "''                           | empty command: no command code",
    "09                           | unknown command code 9 (expected: 0..5)",
    "0169                         | truncated command: expected a value at offset 2",
    "016901                       | truncated Int at offset 2: needs 1 bytes, 0 left",
    "01690300ff                   | truncated Int at offset 2: needs 3 bytes, 2 left",
    "01690101                     | SegmentRequest lacks field 'r'",
    "0169010172300102             | field 'r' at offset 5 has invalid value type 3 (expected: 0 Int, 1 SimilarIntArray, 2 String)",
    "0169f00172010203             | field 'i' at offset 2 has invalid value type 15 (expected: 0 Int, 1 SimilarIntArray, 2 String)",
    "01691001010101720102         | SegmentRequest field 'i' must be an Int, got a SimilarIntArray",
    "0469010172200141             | SegmentAbsent field 'r' must be an Int, got a String",
    "006c0101                     | SegmentsAnnouncement field 'l' must be a SimilarIntArray, got an Int",
    "0469080020000000000000720101 | SegmentAbsent field 'i' = 9007199254740992 is outside the JavaScript safe-integer range",
    "04690f010000000000000000000000000000720101 | Int at offset 2 does not fit in 63 bits",
    "006c10010101                 | truncated SimilarIntArray group at offset 4: needs 1 id bytes, 0 left",
    "006c1002010101               | truncated command: expected an Int header at offset 7 but the command ends there",
    "006c100120                   | expected an Int at offset 4 but the value type is 2",
    "02690101720101               | SegmentData lacks field 's'",
    "0178220a                     | truncated String at offset 2: needs 522 bytes, 0 left",
    "01690101720101620220         | truncated Int at offset 8: needs 2 bytes, 1 left",
    "0105300101                   | field 0x05 at offset 2 has invalid value type 3 (expected: 0 Int, 1 SimilarIntArray, 2 String)",
    "006c1001079fffffffffffff00   | SimilarIntArray group at offset 4 holds id -9007199254740992 outside the JavaScript safe-integer range",
  })
  void malformedCommandsAreRejectedWithAPreciseMessage(String hex, String message) {
    byte[] bytes = HEX.parseHex(hex);

    assertThatThrownBy(() -> PeerCommandCodec.decode(bytes))
        .isInstanceOf(PeerProtocolException.class)
        .hasMessage(message);
  }

  @Test
  void offsetsInMessagesCountFromTheCommandCodeWhenDecodingPartOfABuffer() {
    byte[] padded = HEX.parseHex("ffff" + "0169030001" + "ffff");

    assertThatThrownBy(() -> PeerCommandCodec.decode(padded, 2, 7))
        .isInstanceOf(PeerProtocolException.class)
        .hasMessage("truncated Int at offset 2: needs 3 bytes, 2 left");
  }

  @Test
  void zeroLengthIntIsRejected() {
    assertThatThrownBy(() -> PeerCommandCodec.decode(HEX.parseHex("016900720101")))
        .isInstanceOf(PeerProtocolException.class)
        .hasMessage("Int at offset 2 has zero length");
  }

  @Test
  void decoderIsOrderIndependentAndLaterDuplicatesWin() throws PeerProtocolException {
    // r=1, i=5, r=2, b=7, plus an unknown field 'x' holding a String
    byte[] bytes = HEX.parseHex("0172010169010578200161" + "720102" + "620107");

    assertThat(PeerCommandCodec.decode(bytes)).isEqualTo(new SegmentRequest(5, 2, 7));
  }

  @Test
  void negativeZeroDecodesAsZero() throws PeerProtocolException {
    assertThat(PeerCommandCodec.decode(HEX.parseHex("04690180720101")))
        .isEqualTo(new SegmentAbsent(0, 1));
  }

  @Test
  void leadingZeroBytesInAnIntAreAccepted() throws PeerProtocolException {
    assertThat(PeerCommandCodec.decode(HEX.parseHex("02690400000005730101720101")))
        .isEqualTo(new SegmentData(5, 1, 1));
  }

  @Test
  void groupCountZeroIsReadAs256Groups() throws PeerProtocolException {
    StringBuilder hex = new StringBuilder("006c1000");
    List<Long> expected = new ArrayList<>();
    for (int g = 0; g < 256; g++) {
      hex.append(String.format("03%06x", (g << 8) | 1)).append("07");
      expected.add((long) (g << 8) + 7);
    }
    assertThat(PeerCommandCodec.decode(HEX.parseHex(hex.toString())))
        .isEqualTo(new SegmentsAnnouncement(expected, List.of()));
  }

  @Test
  void moreIdsThan255GroupsCanHoldDropTheSmallestIds() throws PeerProtocolException {
    // 300 ids, each in its own 256-block: 300 groups needed, 255 allowed
    List<Long> ids = new ArrayList<>();
    for (long block = 299; block >= 0; block--) {
      ids.add(block * 256 + 3);
    }

    byte[] encoded = PeerCommandCodec.encode(new SegmentsAnnouncement(ids, List.of()));

    SegmentsAnnouncement decoded = (SegmentsAnnouncement) PeerCommandCodec.decode(encoded);
    assertThat(decoded.loadedSegmentIds()).isEqualTo(ids.subList(0, 255));
    assertThat(decoded.loadedSegmentIds()).doesNotContain(3L, 44 * 256 + 3L).contains(45 * 256 + 3L);
  }

  @Test
  void droppingForTheGroupLimitRemovesOnlyAsFewIdsAsNeeded() throws PeerProtocolException {
    // 254 single-id blocks plus one full block of 256 ids (which needs 2 groups): 256 groups;
    // leaving out the single smallest id of the full block is enough.
    List<Long> ids = new ArrayList<>(LongStream.range(0, 256).boxed().toList());
    for (long block = 1; block <= 254; block++) {
      ids.add(block * 256);
    }

    SegmentsAnnouncement decoded = (SegmentsAnnouncement) PeerCommandCodec.decode(
        PeerCommandCodec.encode(new SegmentsAnnouncement(ids, List.of())));

    List<Long> expected = new ArrayList<>(ids);
    expected.remove(0L);
    assertThat(decoded.loadedSegmentIds()).isEqualTo(expected);
  }

  @Test
  void commandsRejectNumbersABrowserCannotRepresent() {
    assertThatThrownBy(() -> new SegmentRequest(PeerCommand.MAX_SAFE_INTEGER + 1, 0, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("segmentId: 9007199254740992 (expected: within ±9007199254740991)");
    assertThatThrownBy(() -> new SegmentsAnnouncement(List.of(1L, Long.MIN_VALUE), List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("loadedSegmentIds element: ");
  }
}
