package dev.hlsmesh.protocol.tracker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BinaryIdTest {

  @Test
  void wireStringMapsEachCharToOneByteLatin1() {
    byte[] bytes = HexFormat.of().parseHex("00017f80ff225c0a414141414141414141414141");
    BinaryId id = BinaryId.of(bytes);

    assertThat(id.toBytes()).isEqualTo(bytes);
    assertThat(id.toWireString()).isEqualTo("\u0000\u0001\u007f\u0080\u00ff\"\\\nAAAAAAAAAAAA");
    assertThat(BinaryId.fromWireString(id.toWireString())).isEqualTo(id);
    assertThat(id.toHex()).isEqualTo("00017f80ff225c0a414141414141414141414141");
    assertThat(BinaryId.fromHex(id.toHex())).isEqualTo(id);
  }

  @Test
  void equalityIsByBytes() {
    BinaryId a = BinaryId.ofAscii("-PM0203-zw9unGhwyu7J");
    BinaryId b = BinaryId.of("-PM0203-zw9unGhwyu7J".getBytes(StandardCharsets.US_ASCII));
    BinaryId c = BinaryId.ofAscii("-PM0203-zw9unGhwyu7K");

    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b).isNotEqualTo(c);
  }

  @Test
  void everyByteValueSurvivesBothMappings() {
    Random random = new Random(42);
    for (int i = 0; i < 1000; i++) {
      BinaryId id = BinaryId.random(random);
      assertThat(BinaryId.fromWireString(id.toWireString())).isEqualTo(id);
      assertThat(BinaryId.of(id.toBytes())).isEqualTo(id);
      assertThat(id.toWireString().getBytes(StandardCharsets.ISO_8859_1)).isEqualTo(id.toBytes());
    }
  }

  @Test
  void rejectsWrongLengthWithCount() {
    assertThatThrownBy(() -> BinaryId.fromWireString("too-short"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("expected 20 characters, got 9");
    assertThatThrownBy(() -> BinaryId.fromWireString("AAAAAAAAAAAAAAAAAAAAA"))
        .hasMessage("expected 20 characters, got 21");
    assertThatThrownBy(() -> BinaryId.of(new byte[19]))
        .hasMessage("expected 20 bytes, got 19");
    assertThatThrownBy(() -> BinaryId.fromHex("abcd"))
        .hasMessage("expected 40 hex digits, got 4");
  }

  @Test
  void rejectsCharAboveU00ffWithItsPosition() {
    assertThatThrownBy(() -> BinaryId.fromWireString("AAA\u0100AAAAAAAAAAAAAAAA"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("character 3 is U+0100, expected U+0000..U+00FF");
    assertThatThrownBy(() -> BinaryId.ofAscii("AAAAAAAAAAAAAAAAAAA\u00e9"))
        .hasMessage("character 19 is U+00E9, expected ASCII");
  }
}
