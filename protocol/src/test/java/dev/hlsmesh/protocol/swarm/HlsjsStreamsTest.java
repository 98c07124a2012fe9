package dev.hlsmesh.protocol.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hlsmesh.protocol.swarm.HlsjsStreams.AudioRendition;
import dev.hlsmesh.protocol.swarm.HlsjsStreams.Variant;
import java.util.List;
import org.junit.jupiter.api.Test;

class HlsjsStreamsTest {

  private static Variant variant(String uri, String bandwidth, String average, String codecs, String audio) {
    return new Variant(uri, bandwidth, average, codecs, "1280x720", "25", null, audio);
  }

  @Test
  void averageBandwidthIsUsedOnlyWhenBandwidthIsZeroOrUnusable() {
    List<HlsjsStreams.Stream> streams = HlsjsStreams.derive(List.of(
        variant("a", "100", "90", "avc1.4d401f", null),
        variant("b", "0", "90", "avc1.4d401f", null),
        variant("c", "x", "80", "avc1.4d401f", null),
        variant("d", null, null, "avc1.4d401f", null),
        variant("e", "99999999999999999", null, "avc1.4d401f", null)), List.of());

    assertThat(streams).extracting(s -> StreamIndex.preimage(s.props()).split("-")[0])
        .containsExactly("100", "90", "80", "NaN", "Infinity");
  }

  @Test
  void zeroBitrateLeavesEveryOtherFieldEmpty() {
    List<HlsjsStreams.Stream> streams = HlsjsStreams.derive(
        List.of(variant("a", null, "0", "avc1.4d401f", null)), List.of());

    assertThat(StreamIndex.preimage(streams.get(0).props())).isEqualTo("0--------");
  }

  @Test
  void onlyVideoCodecsAreKeptCutAtTheSlashAndInPlaylistOrder() {
    List<HlsjsStreams.Stream> streams = HlsjsStreams.derive(List.of(
        variant("a", "1", null, "mp4a.40.2 hvc1.1.6.L93.B0/dvh1.05.01,avc1.4d401f", null),
        variant("b", "1", null, "mp4a.40.2", null)), List.of());

    assertThat(streams.get(0).props().codecs()).isEqualTo("hvc1.1.6.L93.B0,avc1.4d401f");
    assertThat(streams.get(1).props().codecs()).isNull();
  }

  @Test
  void variantsWithUnknownCodecsAreDroppedWhenOthersAreAllKnown() {
    List<HlsjsStreams.Stream> streams = HlsjsStreams.derive(List.of(
        variant("a", "1", null, "avc1.4d401f,xyz1", null),
        variant("b", "2", null, "avc1.4d401f,mp4a.40.2", null),
        variant("b", "3", null, "avc1.4d401f", null)), List.of());

    assertThat(streams).extracting(HlsjsStreams.Stream::uri).containsExactly("b");
    assertThat(streams.get(0).props().bitrate()).isEqualTo(2.0);

    List<HlsjsStreams.Stream> allUnknown = HlsjsStreams.derive(
        List.of(variant("a", "1", null, "xyz1", null)), List.of());
    assertThat(allUnknown).hasSize(1);
  }

  @Test
  void audioRenditionTakesTheAudioCodecOfTheFirstVariantOfItsGroupElseOfTheFirstVariant() {
    List<Variant> variants = List.of(
        variant("v1", "1", null, "avc1.4d401f,ec-3", "surround"),
        variant("v2", "2", null, "avc1.4d401f,mp4a.40.2", "stereo"),
        variant("v3", "3", null, "avc1.4d401f,mp4a.40.5", "stereo"));
    List<AudioRendition> audio = List.of(
        new AudioRendition("en.m3u8", "stereo", null, "en", "2"),
        new AudioRendition("fr.m3u8", "other", "Fran\u00e7ais", "fr", null),
        new AudioRendition(null, "stereo", "muxed", "en", "2"),
        new AudioRendition("x.m3u8", "stereo", null, null, null));

    List<HlsjsStreams.Stream> streams = HlsjsStreams.derive(variants, audio);

    assertThat(streams).extracting(HlsjsStreams.Stream::uri)
        .containsExactly("v1", "v2", "v3", "en.m3u8", "fr.m3u8", "x.m3u8");
    assertThat(streams.get(3).props()).isEqualTo(new StreamProps(StreamType.SECONDARY, 0.0, "mp4a.40.2",
        null, null, "en", "2", "en", null, null));
    assertThat(streams.get(4).props().codecs()).isEqualTo("ec-3");
    assertThat(streams.get(4).props().name()).isEqualTo("Fran\u00e7ais");
    assertThat(StreamIndex.preimage(streams.get(5).props())).isEqualTo("0-mp4a.40.2-------");
  }

  @Test
  void malformedResolutionLeavesWidthAndHeightEmpty() {
    List<HlsjsStreams.Stream> streams = HlsjsStreams.derive(List.of(
        new Variant("a", "1", null, null, "1280x720p", null, "SDR", null)), List.of());

    assertThat(StreamIndex.preimage(streams.get(0).props())).isEqualTo("1--------SDR");
  }
}
