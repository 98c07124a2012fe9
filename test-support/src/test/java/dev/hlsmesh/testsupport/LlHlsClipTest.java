package dev.hlsmesh.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The bundled LL-HLS clip: parts tile their segments, every part starts with a keyframe. */
class LlHlsClipTest {

  @Test
  void everySegmentIsTheConcatenationOfItsFourIndependentHalfSecondParts() {
    LlHlsClip clip = LlHlsClip.bundled();
    assertThat(clip.partTargetSeconds()).isEqualTo(0.5);
    assertThat(clip.clip().variants().keySet()).containsExactly("360p", "240p");
    assertThat(clip.clip().segmentCount()).isEqualTo(8);
    for (HlsClip.Variant v : clip.clip().variants().values()) {
      for (int k = 0; k < v.segments().size(); k++) {
        List<LlHlsClip.Part> parts = clip.parts(v.name(), k);
        assertThat(parts).hasSize(4);
        ByteArrayOutputStream concat = new ByteArrayOutputStream();
        for (LlHlsClip.Part p : parts) {
          assertThat(p.durationSeconds()).isEqualTo(0.5);
          assertThat(p.independent()).as("%s segment %d part %d", v.name(), k, p.index()).isTrue();
          byte[] bytes = clip.partBytes(v.name(), k, p.index());
          // Each part is a whole MPEG-TS stream piece: starts on a sync byte, whole packets.
          assertThat(bytes[0]).isEqualTo((byte) 0x47);
          assertThat(bytes.length % 188).isZero();
          concat.writeBytes(bytes);
        }
        assertThat(concat.toByteArray()).isEqualTo(v.segments().get(k).bytes());
        assertThat(v.segments().get(k).durationSeconds()).isEqualTo(2.0);
      }
    }
  }

  @Test
  void thePlainClipStillLoadsAsBefore() {
    assertThat(HlsClip.bundled().segmentCount()).isEqualTo(8);
    assertThat(HlsClip.bundled().variant("360p").segments().get(0).fileName()).isEqualTo("seg000.ts");
  }
}
