package dev.hlsmesh.protocol.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every vector of {@code swarmIdentity} and {@code segmentIds} in protocol-vectors.json.
 *
 * <p>The master and media playlists in the vectors are read with a minimal attribute-list reader
 * below (test code only): the product takes already-parsed attributes ({@link HlsjsStreams.Variant},
 * {@link HlsjsStreams.AudioRendition}); cdn-fallback maps its M3U8 parser's objects onto them.
 */
class SwarmIdentityVectorsTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final JsonNode VECTORS = load();

  private static JsonNode load() {
    try (InputStream in = SwarmIdentityVectorsTest.class.getResourceAsStream("/protocol-vectors.json")) {
      return new ObjectMapper().readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Stream<Arguments> pipelines() {
    List<Arguments> all = new ArrayList<>();
    VECTORS.get("swarmIdentity").get("hlsjsPipeline")
        .forEach(p -> all.add(Arguments.of(Named.of(p.get("name").asText(), p))));
    assertThat(all).hasSize(5);
    return all.stream();
  }

  @ParameterizedTest
  @MethodSource("pipelines")
  void swarmIdIsTheConfiguredOneOrTheManifestUrlWithoutQuery(JsonNode pipeline) {
    String fromUrl = SwarmIds.swarmIdFromManifestUrl(pipeline.get("manifestResponseUrl").asText());
    assertThat(fromUrl).isEqualTo(pipeline.get("manifestUrlAfterCore").asText());
    String effective = pipeline.get("swarmIdOption").isNull() ? fromUrl : pipeline.get("swarmIdOption").asText();
    assertThat(effective).isEqualTo(pipeline.get("effectiveSwarmId").asText());
  }

  @ParameterizedTest
  @MethodSource("pipelines")
  void propsGiveTheReferencePreimageIndexStreamSwarmIdAndInfoHash(JsonNode pipeline) {
    String swarmId = pipeline.get("effectiveSwarmId").asText();
    int position = 0;
    StreamType previousType = null;
    for (JsonNode stream : pipeline.get("streams")) {
      StreamType type = type(stream);
      position = type == previousType ? position + 1 : 0;
      previousType = type;
      // In these vectors a JSON null bitrate is JavaScript NaN (JSON.stringify writes NaN as null).
      StreamProps props = props(type, stream.get("generateStreamShortIdProps"), Double.NaN);

      assertIdentity(swarmId, props, stream);
      JsonNode v22 = stream.get("v2_2_x");
      assertThat(v22.get("index").asInt()).isEqualTo(position);
      String v22SwarmId = SwarmIds.streamSwarmId(swarmId, type, String.valueOf(position));
      assertThat(v22SwarmId).isEqualTo(v22.get("streamSwarmId").asText());
      assertThat(SwarmIds.infoHashV22(v22SwarmId)).isEqualTo(v22.get("infoHash").asText());
      assertThat(HEX.formatHex(SwarmIds.infoHashBytes(SwarmIds.infoHashV22(v22SwarmId))))
          .isEqualTo(v22.get("infoHashBytesHex").asText());
    }
  }

  @ParameterizedTest
  @MethodSource("pipelines")
  void masterPlaylistAttributesDeriveTheSamePropsAsHlsjs(JsonNode pipeline) {
    String master = pipeline.get("masterPlaylist").asText();
    URI base = URI.create(pipeline.get("manifestResponseUrl").asText());

    List<HlsjsStreams.Stream> derived = HlsjsStreams.derive(variants(master), audioRenditions(master));

    JsonNode expected = pipeline.get("streams");
    assertThat(derived).hasSize(expected.size());
    for (int i = 0; i < derived.size(); i++) {
      JsonNode stream = expected.get(i);
      HlsjsStreams.Stream actual = derived.get(i);
      assertThat(base.resolve(actual.uri()).toString()).isEqualTo(stream.get("streamUrl").asText());
      assertThat(actual.props()).isEqualTo(props(type(stream), stream.get("generateStreamShortIdProps"), Double.NaN));
      assertThat(StreamIndex.preimage(actual.props())).isEqualTo(stream.get("shortIdPreimage").asText());
    }
  }

  static Stream<Arguments> shakaCalls() {
    List<Arguments> all = new ArrayList<>();
    VECTORS.get("swarmIdentity").get("shakaStyleDirectCalls")
        .forEach(c -> all.add(Arguments.of(Named.of(c.get("note").asText(), c))));
    assertThat(all).hasSize(4);
    return all.stream();
  }

  @ParameterizedTest
  @MethodSource("shakaCalls")
  void directPropsGiveTheReferenceIdentity(JsonNode call) {
    // No bitrate in these props means undefined, which counts as 0.
    StreamProps props = props(type(call), call.get("props"), null);

    assertIdentity(call.get("swarmId").asText(), props, call);
  }

  @Test
  void peerIdsLookLikeTheReferenceOnesWithOurPrefix() {
    JsonNode peerId = VECTORS.get("swarmIdentity").get("peerId");
    Pattern shape = Pattern.compile("-[A-Z]{2}\\d{4}-[A-Za-z0-9]{12}");
    for (JsonNode sample : peerId.get("samples")) {
      assertThat(sample.asText()).matches(shape).startsWith(peerId.get("prefix").asText());
    }

    String ours = PeerIds.generate(new Random(42));

    assertThat(ours).matches(shape).startsWith("-JV0100-").hasSize(20);
    assertThat(PeerIds.generate(new Random(42))).isEqualTo(ours);
    assertThat(PeerIds.generate(new Random(43))).isNotEqualTo(ours);
    assertThat(PeerIds.generate(peerId.get("prefix").asText(), new Random(1))).startsWith("-PM0203-").hasSize(20);
  }

  static Stream<Arguments> segmentCases() {
    List<Arguments> all = new ArrayList<>();
    VECTORS.get("segmentIds").get("cases")
        .forEach(c -> all.add(Arguments.of(Named.of(c.get("name").asText(), c))));
    assertThat(all).hasSize(2);
    return all.stream();
  }

  @ParameterizedTest
  @MethodSource("segmentCases")
  void segmentIdsAreMediaSequenceNumbersWhenLiveAndPositionsWhenVod(JsonNode testCase) {
    String playlist = testCase.get("mediaPlaylist").asText();
    boolean live = !playlist.contains("#EXT-X-ENDLIST");
    assertThat(live).isEqualTo(testCase.get("live").asBoolean());
    Matcher sequence = Pattern.compile("#EXT-X-MEDIA-SEQUENCE:(\\d+)").matcher(playlist);
    long mediaSequence = sequence.find() ? Long.parseLong(sequence.group(1)) : 0;

    JsonNode segments = testCase.get("segments");
    for (int position = 0; position < segments.size(); position++) {
      JsonNode segment = segments.get(position);
      assertThat(SegmentIds.externalId(live, mediaSequence, position))
          .isEqualTo(segment.get("externalId").asLong());
      JsonNode range = segment.get("byteRange");
      String runtimeId = range.isNull()
          ? SegmentIds.runtimeId(segment.get("url").asText())
          : SegmentIds.runtimeId(segment.get("url").asText(), range.get("start").asLong(), range.get("end").asLong());
      assertThat(runtimeId).isEqualTo(segment.get("runtimeId").asText());
    }
  }

  private static void assertIdentity(String swarmId, StreamProps props, JsonNode expected) {
    assertThat(StreamIndex.preimage(props)).isEqualTo(expected.get("shortIdPreimage").asText());
    assertThat(StreamIndex.index(props)).isEqualTo(expected.get("index").asText());
    String streamSwarmId = SwarmIds.streamSwarmId(swarmId, props);
    assertThat(streamSwarmId).isEqualTo(expected.get("streamSwarmId").asText());
    if (expected.has("sha1OfStreamSwarmIdHex")) {
      assertThat(HEX.formatHex(Hashing.sha1(streamSwarmId)))
          .isEqualTo(expected.get("sha1OfStreamSwarmIdHex").asText());
    }
    String infoHash = SwarmIds.infoHash(streamSwarmId);
    assertThat(infoHash).isEqualTo(expected.get("infoHash").asText()).hasSize(20);
    assertThat(HEX.formatHex(SwarmIds.infoHashBytes(infoHash)))
        .isEqualTo(expected.get("infoHashBytesHex").asText());
  }

  private static StreamType type(JsonNode stream) {
    return stream.get("type").asText().equals("main") ? StreamType.MAIN : StreamType.SECONDARY;
  }

  private static StreamProps props(StreamType type, JsonNode json, Double nullBitrate) {
    JsonNode bitrate = json.get("bitrate");
    return new StreamProps(type,
        bitrate == null ? null : bitrate.isNull() ? nullBitrate : bitrate.asDouble(),
        text(json, "codecs"),
        json.has("width") ? json.get("width").asDouble() : null,
        json.has("height") ? json.get("height").asDouble() : null,
        text(json, "language"),
        text(json, "channels"),
        text(json, "name"),
        text(json, "frameRate"),
        text(json, "videoRange"));
  }

  /** A JSON string as is, a JSON number in its JavaScript spelling, absent as null. */
  private static String text(JsonNode json, String field) {
    JsonNode value = json.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    return value.isNumber() ? JsNumbers.toJsString(value.asDouble()) : value.asText();
  }

  // ---- minimal reading of the vectors' master playlists (test only)

  private static final Pattern ATTRIBUTE = Pattern.compile("([A-Z0-9-]+)=(\"[^\"]*\"|[^,]*)");

  private static Map<String, String> attributes(String list) {
    Map<String, String> attributes = new HashMap<>();
    Matcher m = ATTRIBUTE.matcher(list);
    while (m.find()) {
      String value = m.group(2);
      attributes.put(m.group(1), value.startsWith("\"") ? value.substring(1, value.length() - 1) : value);
    }
    return attributes;
  }

  private static List<HlsjsStreams.Variant> variants(String master) {
    List<HlsjsStreams.Variant> variants = new ArrayList<>();
    String[] lines = master.split("\n");
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].startsWith("#EXT-X-STREAM-INF:")) {
        Map<String, String> a = attributes(lines[i].substring("#EXT-X-STREAM-INF:".length()));
        variants.add(new HlsjsStreams.Variant(lines[i + 1], a.get("BANDWIDTH"), a.get("AVERAGE-BANDWIDTH"),
            a.get("CODECS"), a.get("RESOLUTION"), a.get("FRAME-RATE"), a.get("VIDEO-RANGE"), a.get("AUDIO")));
      }
    }
    return variants;
  }

  private static List<HlsjsStreams.AudioRendition> audioRenditions(String master) {
    List<HlsjsStreams.AudioRendition> renditions = new ArrayList<>();
    for (String line : master.split("\n")) {
      if (line.startsWith("#EXT-X-MEDIA:")) {
        Map<String, String> a = attributes(line.substring("#EXT-X-MEDIA:".length()));
        if ("AUDIO".equals(a.get("TYPE"))) {
          renditions.add(new HlsjsStreams.AudioRendition(a.get("URI"), a.get("GROUP-ID"), a.get("NAME"),
              a.get("LANGUAGE"), a.get("CHANNELS")));
        }
      }
    }
    return renditions;
  }
}
