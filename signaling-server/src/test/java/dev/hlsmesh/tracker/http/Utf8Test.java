package dev.hlsmesh.tracker.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class Utf8Test {

  private static boolean jdkSaysValid(byte[] bytes) {
    try {
      StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  private static boolean check(byte[] bytes, int prefix) {
    // A non-zero reader index must be honoured.
    ByteBuf buf = Unpooled.buffer(prefix + bytes.length);
    buf.writeZero(prefix).writeBytes(bytes).readerIndex(prefix);
    return Utf8.isValid(buf);
  }

  @ParameterizedTest
  @CsvSource({
      "'', true",
      "41424344454647484950, true",
      "c280c3bf, true",
      "e282ac, true",
      "f09f9880, true",
      "c0af, false",
      "e080af, false",
      "eda080, false",
      "f4908080, false",
      "f5808080, false",
      "ff, false",
      "c3, false",
      "e282, false",
      "80, false",
      "414141414141414141c328, false"})
  void knownSequences(String hex, boolean valid) {
    byte[] bytes = HexFormat.of().parseHex(hex);
    assertThat(check(bytes, 0)).isEqualTo(valid);
    assertThat(jdkSaysValid(bytes)).isEqualTo(valid);
  }

  @Property(tries = 3000)
  void agreesWithTheJdkDecoder(@ForAll("utf8ish") byte[] bytes, @ForAll("prefixes") int prefix) {
    assertThat(check(bytes, prefix)).isEqualTo(jdkSaysValid(bytes));
  }

  @Provide
  Arbitrary<Integer> prefixes() {
    return Arbitraries.integers().between(0, 9);
  }

  /** Mostly ASCII with lead and continuation bytes sprinkled in, so both outcomes occur. */
  @Provide
  Arbitrary<byte[]> utf8ish() {
    Arbitrary<Byte> b = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(6, Arbitraries.bytes().between((byte) 0x20, (byte) 0x7E)),
        net.jqwik.api.Tuple.of(3, Arbitraries.bytes().between((byte) 0x80, (byte) 0xBF)),
        net.jqwik.api.Tuple.of(2, Arbitraries.bytes().between((byte) 0xC0, (byte) 0xF7)),
        net.jqwik.api.Tuple.of(1, Arbitraries.bytes()));
    Arbitrary<byte[]> random = b.array(byte[].class).ofMaxSize(40);
    Arbitrary<byte[]> valid = Arbitraries.strings().ofMaxLength(30)
        .map(s -> s.getBytes(StandardCharsets.UTF_8));
    return Arbitraries.oneOf(random, valid);
  }
}
