package dev.hlsmesh.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The origin's small parsers: path globs and Range headers. */
class ParsingTest {

  @Test
  void singleStarStaysInOnePathSegmentDoubleStarCrossesThem() {
    assertThat(FaultRule.globToPattern("/live/360p/*.ts").matcher("/live/360p/12.ts").matches()).isTrue();
    assertThat(FaultRule.globToPattern("/live/*.ts").matcher("/live/360p/12.ts").matches()).isFalse();
    assertThat(FaultRule.globToPattern("/live/**.ts").matcher("/live/360p/12.ts").matches()).isTrue();
    assertThat(FaultRule.globToPattern("**").matcher("/anything/at/all").matches()).isTrue();
    assertThat(FaultRule.globToPattern("/live/360p/1?.ts").matcher("/live/360p/12.ts").matches()).isTrue();
    assertThat(FaultRule.globToPattern("/live/360p/1?.ts").matcher("/live/360p/123.ts").matches()).isFalse();
  }

  @Test
  void globTreatsRegexCharactersLiterally() {
    assertThat(FaultRule.globToPattern("/a.b").matcher("/axb").matches()).isFalse();
    assertThat(FaultRule.globToPattern("/a+(b)").matcher("/a+(b)").matches()).isTrue();
  }

  @Test
  void rangeForms() {
    assertThat(OriginHandler.parseRange("bytes=0-99", 1000)).containsExactly(0, 99);
    assertThat(OriginHandler.parseRange("bytes=900-", 1000)).containsExactly(900, 999);
    assertThat(OriginHandler.parseRange("bytes=-100", 1000)).containsExactly(900, 999);
    assertThat(OriginHandler.parseRange("bytes=-5000", 1000)).containsExactly(0, 999);
    assertThat(OriginHandler.parseRange("bytes=990-5000", 1000)).containsExactly(990, 999);
    assertThat(OriginHandler.parseRange("Bytes=5-5", 1000)).containsExactly(5, 5);
  }

  @Test
  void unsatisfiableRanges() {
    assertThat(OriginHandler.parseRange("bytes=1000-", 1000)).isSameAs(OriginHandler.UNSATISFIABLE);
    assertThat(OriginHandler.parseRange("bytes=1000-2000", 1000)).isSameAs(OriginHandler.UNSATISFIABLE);
    assertThat(OriginHandler.parseRange("bytes=-0", 1000)).isSameAs(OriginHandler.UNSATISFIABLE);
  }

  @Test
  void malformedOrMultipleRangesAreIgnored() {
    assertThat(OriginHandler.parseRange("bytes=0-1,5-6", 1000)).isNull();
    assertThat(OriginHandler.parseRange("bytes=5-1", 1000)).isNull();
    assertThat(OriginHandler.parseRange("bytes=a-b", 1000)).isNull();
    assertThat(OriginHandler.parseRange("items=0-1", 1000)).isNull();
    assertThat(OriginHandler.parseRange("bytes=-", 1000)).isNull();
    assertThat(OriginHandler.parseRange("bytes=99999999999999999999-", 1000)).isNull();
  }
}
