package dev.hlsmesh.protocol.swarm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StreamIndexTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "0, 0", "-0.0, 0", "30, 30", "29.97, 29.97", "59.94, 59.94", "2628000, 2628000",
    "0.1, 0.1", "1e21, 1e+21", "1.5e21, 1.5e+21", "1e20, 100000000000000000000",
    "0.000001, 0.000001", "0.0000001, 1e-7", "1.25e-7, 1.25e-7", "123456789012345680000, 123456789012345680000",
    "9007199254740993, 9007199254740992", "NaN, NaN", "Infinity, Infinity", "-Infinity, -Infinity",
    "-2.5, -2.5", "5e-324, 5e-324", "1.7976931348623157e308, 1.7976931348623157e+308",
  })
  void numbersPrintAsJavaScriptPrintsThem(double value, String expected) {
    assertThat(JsNumbers.toJsString(value)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "Number(\"{0}\") = {1}")
  @CsvSource(delimiter = '|', value = {
    "30.000|30", "29.970|29.97", "' 25 '|25", "1e3|1000", "+.5|0.5", "5.|5", "0x1A|26", "0b101|5",
    "0o17|15", "Infinity|Infinity", "-Infinity|-Infinity", "abc|NaN", "30fps|NaN", "1_000|NaN",
    "30.0d|NaN", "0x|NaN", "-0x10|NaN", "0b12|NaN", "'\u00a030\u3000'|30",
  })
  void stringsConvertAsJavaScriptNumberConvertsThem(String text, String expected) {
    assertThat(JsNumbers.toJsString(JsNumbers.stringToNumber(text))).isEqualTo(expected);
  }

  @ParameterizedTest(name = "parseInt(\"{0}\") = {1}")
  @CsvSource(delimiter = '|', value = {
    "2628000|2628000", "' 12abc'|12", "1e3|1", "-5|-5", "+7|7", "abc|NaN", "''|NaN", "0x10|0",
  })
  void parseIntTakesTheLongestDecimalPrefix(String text, String expected) {
    assertThat(JsNumbers.toJsString(JsNumbers.parseInt(text))).isEqualTo(expected);
  }

  @Test
  void fieldRulesOfThePreimage() {
    StreamProps props = new StreamProps(StreamType.SECONDARY, null, "mp4a.40.2, avc1.77.30 ,AVC.1.2, avc1.010.5",
        0.0, null, "EN-us", "6/JOC", "  Deutsch 5.1 ", "30.000", " hlg");

    // avc1.010.5 is not canonical (leading zero); AVC.1.2 lowercased is an "avc" codec and is rewritten
    assertThat(StreamIndex.preimage(props))
        .isEqualTo("0-avc.010002,avc1.010.5,avc1.4d001e,mp4a.40.2-0--en-6-deutsch 5.1-30-HLG");
  }

  @Test
  void avcRewritingAcceptsWhateverPrintsBackIdenticallyLikeTheReferenceIncludingNegatives() {
    assertThat(StreamIndex.codecs("avc1.-5.30,avc1.-0.1,avc1.1e2.3,avc1.0.4096"))
        .isEqualTo("avc1.-0.1,avc1.-5001e,avc1.00001000,avc1.1e2.3");
  }

  @Test
  void undeterminedLanguageAndFalsyValuesAreEmpty() {
    StreamProps props = new StreamProps(StreamType.SECONDARY, Double.NaN, "", null, null, "und", "", "", "abc", "");

    assertThat(StreamIndex.preimage(props)).isEqualTo("NaN--------");
  }

  @Test
  void indexIsBase64OfSha1WithPadding() {
    String index = StreamIndex.index(StreamProps.mainWithBitrateOnly(0));

    assertThat(index).isEqualTo("UYnLxGhQilEV4D0HbCx+kRv0ZF0=").hasSize(28);
  }

  @Property(tries = 200)
  void everyIndexIs28CharactersOfPaddedBase64(@ForAll String codecs, @ForAll String name, @ForAll double bitrate) {
    StreamProps props = new StreamProps(StreamType.MAIN, bitrate, codecs, null, null, name, name, name, name, name);

    assertThat(StreamIndex.index(props)).hasSize(28).endsWith("=").matches("[A-Za-z0-9+/]{27}=");
    assertThat(SwarmIds.infoHash(SwarmIds.streamSwarmId("s", props))).matches("[A-Za-z0-9+/]{20}");
  }

  @Test
  void loneSurrogatesHashAsTheReplacementCharacterLikeABrowser() {
    assertThat(Hashing.utf8("a\ud800b")).containsExactly('a', 0xEF, 0xBF, 0xBD, 'b');
  }

  @Test
  void swarmIdDropsEverythingFromTheFirstQuestionMark() {
    assertThat(SwarmIds.swarmIdFromManifestUrl("https://h/p/master.m3u8?a=1?b=2#f"))
        .isEqualTo("https://h/p/master.m3u8");
    assertThat(SwarmIds.swarmIdFromManifestUrl("https://h/p/master.m3u8#f")).isEqualTo("https://h/p/master.m3u8#f");
  }

  @Test
  void peerIdPrefixMustBePrintableAsciiOfAtMost20Characters() {
    assertThatThrownBy(() -> PeerIds.generate("-JV\u00e9-", new Random(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("printable ASCII");
    assertThatThrownBy(() -> PeerIds.generate("x".repeat(21), new Random(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(PeerIds.generate("x".repeat(20), new Random(1))).isEqualTo("x".repeat(20));
  }

  @Test
  void segmentIdsUseTheMediaSequenceOnlyWhenLive() {
    assertThat(SegmentIds.externalId(true, 17, 2)).isEqualTo(19);
    assertThat(SegmentIds.externalId(false, 17, 2)).isEqualTo(2);
    assertThatThrownBy(() -> SegmentIds.externalId(true, 0, -1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void infoHashBytesAreTheAsciiOfTheString() {
    assertThat(SwarmIds.infoHashBytes("D2L6qLdcAO0vh07WoiT4")).hasSize(20).startsWith('D', '2');
    assertThatThrownBy(() -> SwarmIds.infoHashBytes("short")).isInstanceOf(IllegalArgumentException.class);
    assertThat(List.of(StreamType.MAIN.wireName(), StreamType.SECONDARY.wireName()))
        .containsExactly("main", "secondary");
  }
}
