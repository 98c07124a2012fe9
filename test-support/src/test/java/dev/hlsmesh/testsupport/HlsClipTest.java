package dev.hlsmesh.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HlsClipTest {

  @Test
  void bundledClipHasTwoVariantsOfEightTwoSecondSegments() {
    HlsClip clip = HlsClip.bundled();

    assertThat(clip.variants().keySet()).containsExactly("360p", "240p");
    for (HlsClip.Variant v : clip.variants().values()) {
      assertThat(v.segments()).hasSize(8);
      assertThat(v.segments()).allSatisfy(s -> assertThat(s.durationSeconds()).isEqualTo(2.0));
      assertThat(v.mediaPlaylist()).contains("#EXT-X-ENDLIST");
    }
    assertThat(clip.segmentCount()).isEqualTo(8);
    assertThat(clip.masterPlaylist()).contains("RESOLUTION=640x360", "RESOLUTION=426x240", "mp4a.40.2");
  }

  @Test
  void everySegmentIsWholeMpegTsPackets() {
    for (HlsClip.Variant v : HlsClip.bundled().variants().values()) {
      for (HlsClip.Segment s : v.segments()) {
        byte[] b = s.bytes();
        assertThat(b.length % 188).as(v.name() + "/" + s.fileName()).isZero();
        for (int i = 0; i < b.length; i += 188) {
          assertThat(b[i]).as("sync byte at %d of %s/%s", i, v.name(), s.fileName()).isEqualTo((byte) 0x47);
        }
      }
    }
  }

  @Test
  void topVariantIsAboutOneMegabitPerSecondAndTheClipIsAFewMegabytes() {
    HlsClip clip = HlsClip.bundled();
    long topBytes = clip.variant("360p").segments().stream().mapToLong(HlsClip.Segment::length).sum();
    double topBitsPerSecond = topBytes * 8 / 16.0;
    assertThat(topBitsPerSecond).isBetween(0.8e6, 1.3e6);
    long allBytes = clip.files().values().stream().mapToLong(b -> b.length).sum();
    assertThat(allBytes).isLessThan(5L * 1024 * 1024);
  }

  @Test
  void filesAreKeyedByPathRelativeToTheClipRoot() {
    HlsClip clip = HlsClip.bundled();
    assertThat(clip.files()).containsKeys("master.m3u8", "360p/index.m3u8", "240p/seg007.ts");
    assertThat(clip.files().get("360p/seg003.ts")).isSameAs(clip.variant("360p").segments().get(3).bytes());
  }

  @Test
  void unknownVariantAndMissingClipAreClearErrors() {
    assertThatThrownBy(() -> HlsClip.bundled().variant("1080p"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1080p").hasMessageContaining("360p");
    assertThatThrownBy(() -> HlsClip.fromClasspath("no-such-clip"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("class path resource no-such-clip/master.m3u8 not found");
  }
}
