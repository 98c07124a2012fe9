package dev.hlsmesh.protocol.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hlsmesh.protocol.ReferenceScript;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Differential test against p2p-media-loader-core 2.3.1's own {@code generateStreamShortId},
 * {@code getStreamSwarmId} and {@code getStreamHash}, run under Node by interop/stream-ids.mjs:
 * random props full of JavaScript corner cases (number printing, {@code Number()} of odd strings,
 * whitespace, casing, codec rewriting, lone surrogates) must give the same index, stream swarm id
 * and info hash. Skipped when Node or the package is missing, except under CI.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ReferenceSwarmIdDifferentialTest {
  private static final List<String> CODECS = List.of(
      "avc1.66.30", "AVC1.100.40", " mp4a.40.2 ", "avc1.-5.30", "avc.010.5", "avc.1.2", "avc1.1e2.3",
      "avc1.0.0", "avc1.255.4096", "avc1.-0.1", "avc1.100000000000000000000.1", "avc1.9007199254740993.1",
      "avc1.64001f", "hvc1.2.4.L153.B0", "ec-3", "\u00a0opus\u3000", "avc2.77.30", "avc1.77", "avc1.77.30.1",
      "", "\u0130", "\u00df", "\u03a3A\u03a3", "\ud800", "\ud83d\ude00");
  private static final List<String> TEXTS = List.of(
      "", "und", "UND", "en-US", "deu", "e", " English ", "Deutsch 5.1", "\u00a0nbsp\u00a0", "\u0130stanbul",
      "\u03a3\u039f\u03a3", "\ud83d\ude00x", "a\ud800", "\u2028line\u2029", "\ufeffbom", "\u001fctl\u001f", "\u00df",
      "6/JOC", "/x", "16", "2");
  private static final List<String> FRAME_RATES = List.of(
      "", "30.000", "29.970", " 25 ", "0x1e", "0X1F", "0o17", "0b101", "1e3", "abc", "0", "-0", "Infinity",
      "-Infinity", "1_0", ".5", "5.", "+1", "-2.5", "\u00a030\u3000", "30fps", "1e400", "123456789012345678901234",
      "0.0000001", "1e21", "59.94", "\u180e30", "0x", "1e", "0.1e-6");
  private static final List<String> SWARM_IDS = List.of(
      "https://cdn.example.com/live/channel1/master.m3u8", "tenant42:channel1", "\u043a\u0430\u043d\u0430\u043b-1/\u6771\u4eac",
      "a\ud800b", "");

  @Test
  void randomPropsGiveTheReferenceIndexStreamSwarmIdAndInfoHash() throws Exception {
    Random random = new Random(42);
    try (ReferenceScript reference = ReferenceScript.startOrSkip("stream-ids.mjs", "p2p-media-loader-core")) {
      for (int n = 0; n < 2000; n++) {
        StreamProps props = randomProps(random);
        String swarmId = pick(random, SWARM_IDS);

        JsonNode theirs = reference.ask(request(swarmId, props));

        String index = StreamIndex.index(props);
        String streamSwarmId = SwarmIds.streamSwarmId(swarmId, props);
        assertThat(index).as("index of %s (preimage %s)", props, StreamIndex.preimage(props))
            .isEqualTo(theirs.get("index").asText());
        assertThat(streamSwarmId).isEqualTo(theirs.get("streamSwarmId").asText());
        assertThat(SwarmIds.infoHash(streamSwarmId)).isEqualTo(theirs.get("infoHash").asText());
      }
    }
  }

  private static StreamProps randomProps(Random random) {
    return new StreamProps(
        random.nextBoolean() ? StreamType.MAIN : StreamType.SECONDARY,
        randomNumber(random),
        random.nextInt(6) == 0 ? null : codecs(random),
        randomNumber(random),
        randomNumber(random),
        maybe(random, TEXTS),
        maybe(random, TEXTS),
        maybe(random, TEXTS),
        maybe(random, FRAME_RATES),
        maybe(random, TEXTS));
  }

  private static Double randomNumber(Random random) {
    switch (random.nextInt(12)) {
      case 0: return null;
      case 1: return Double.NaN;
      case 2: return random.nextBoolean() ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
      case 3: return -0.0;
      case 4: return random.nextDouble() * Math.pow(10, random.nextInt(60) - 30);
      case 5: return (double) random.nextLong();
      case 6: return Double.longBitsToDouble(random.nextLong());
      case 7: return 1e21 * (1 + random.nextInt(3));
      default: return (double) random.nextInt(20_000_000);
    }
  }

  private static String codecs(Random random) {
    StringBuilder codecs = new StringBuilder(pick(random, CODECS));
    for (int k = random.nextInt(4); k > 0; k--) {
      codecs.append(',').append(pick(random, CODECS));
    }
    return codecs.toString();
  }

  private static String maybe(Random random, List<String> values) {
    return random.nextInt(4) == 0 ? null : pick(random, values);
  }

  private static String pick(Random random, List<String> values) {
    return values.get(random.nextInt(values.size()));
  }

  private static ObjectNode request(String swarmId, StreamProps props) {
    JsonNodeFactory json = JsonNodeFactory.instance;
    ObjectNode request = json.objectNode();
    request.put("swarmId", swarmId);
    request.put("type", props.type().wireName());
    ObjectNode p = request.putObject("props");
    // numbers as Java prints them: exact, and JavaScript's Number() reads every such spelling
    p.put("bitrate", props.bitrate() == null ? null : Double.toString(props.bitrate()));
    p.put("codecs", props.codecs());
    p.put("width", props.width() == null ? null : Double.toString(props.width()));
    p.put("height", props.height() == null ? null : Double.toString(props.height()));
    p.put("language", props.language());
    p.put("channels", props.channels());
    p.put("name", props.name());
    p.put("frameRate", props.frameRate());
    p.put("videoRange", props.videoRange());
    return request;
  }
}
