package dev.hlsmesh.protocol.peer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hlsmesh.protocol.ReferenceScript;
import dev.hlsmesh.protocol.peer.CommandReassembler.Inbound;
import dev.hlsmesh.protocol.peer.PeerCommand.CancelSegmentRequest;
import dev.hlsmesh.protocol.peer.PeerCommand.SegmentAbsent;
import dev.hlsmesh.protocol.peer.PeerCommand.SegmentData;
import dev.hlsmesh.protocol.peer.PeerCommand.SegmentDataSendingCompleted;
import dev.hlsmesh.protocol.peer.PeerCommand.SegmentRequest;
import dev.hlsmesh.protocol.peer.PeerCommand.SegmentsAnnouncement;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Differential test against the reference implementation itself: p2p-media-loader-core 2.3.1's
 * command serializer, chunk joiner and deserializer, run under Node by interop/peer-commands.mjs
 * (bin/setup installs both). Random commands must encode to exactly the reference's messages and
 * decode identically on both sides; for random and corrupted bytes, whatever our decoder accepts
 * the reference must decode to the same command (ours is stricter, never laxer).
 *
 * <p>Skipped when Node or the package is missing, except under CI (see {@link ReferenceScript}).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ReferencePeerCodecDifferentialTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final ObjectMapper JSON = new ObjectMapper();

  private static ReferenceScript reference;

  @BeforeAll
  static void startReference() throws IOException {
    reference = ReferenceScript.startOrSkip("peer-commands.mjs", "p2p-media-loader-core");
  }

  @AfterAll
  static void stopReference() throws Exception {
    if (reference != null) {
      reference.close();
    }
  }

  @Test
  void randomCommandsEncodeToExactlyTheReferenceMessagesAndDecodeAlikeOnBothSides() throws IOException {
    Random random = new Random(20261122);
    int compared = 0;
    for (int n = 0; n < 1500; n++) {
      PeerCommand command = randomCommand(random);
      int max = random.nextInt(4) == 0 ? PeerFraming.DEFAULT_MAX_MESSAGE_BYTES : 9 + random.nextInt(200);
      List<String> ours = hex(PeerFraming.encode(command, max));

      ObjectNode request = JSON.createObjectNode();
      request.set("encode", toJson(command));
      request.put("max", max);
      JsonNode reply = ask(request);
      assertThat(texts(reply.get("messages"))).as("messages of %s, max %d", command, max).isEqualTo(ours);

      JsonNode decoded = ask(decodeRequest(ours));
      assertThat(fromJson(decoded.get("command"))).as("reference decoding of %s", command)
          .isEqualTo(ourRoundTrip(command));
      compared++;
    }
    assertThat(compared).isEqualTo(1500);
  }

  @Test
  void whateverOurDecoderAcceptsTheReferenceDecodesTheSame() throws IOException {
    Random random = new Random(7);
    int acceptedByUs = 0;
    int acceptedOnlyByReference = 0;
    for (int n = 0; n < 3000; n++) {
      // bodies under 256 bytes: a count byte of 0, which we read as 256 on purpose, cannot then
      // be satisfied, so the two decoders may not legitimately differ on what we accept
      byte[] body = random.nextBoolean() ? corrupted(PeerCommandCodec.encode(randomSmallCommand(random)), random)
          : randomBytes(random, 1 + random.nextInt(40));
      byte[] message = frame(body);
      Inbound ours = new CommandReassembler().accept(ByteBuffer.wrap(message));
      JsonNode theirs = ask(decodeRequest(List.of(HEX.formatHex(message))));

      if (ours instanceof Inbound.Command command) {
        acceptedByUs++;
        assertThat(theirs.has("command")).as("reference on %s: %s", HEX.formatHex(body), theirs).isTrue();
        assertThat(fromJson(theirs.get("command"))).as("bytes %s", HEX.formatHex(body))
            .isEqualTo(command.command());
      } else if (theirs.has("command")) {
        acceptedOnlyByReference++;
      }
    }
    assertThat(acceptedByUs).as("the corpus exercises accepted commands").isGreaterThan(300);
    assertThat(acceptedOnlyByReference).as("and ones only the laxer reference accepts").isGreaterThan(0);
  }

  private static PeerCommand ourRoundTrip(PeerCommand command) {
    try {
      return PeerCommandCodec.decode(PeerCommandCodec.encode(command));
    } catch (PeerProtocolException e) {
      throw new AssertionError("our own encoding did not decode: " + command, e);
    }
  }

  // ---------------------------------------------------------------- generation

  private static PeerCommand randomCommand(Random random) {
    int code = random.nextInt(6);
    long i = randomId(random);
    long r = randomId(random);
    return switch (code) {
      case 0 -> new SegmentsAnnouncement(randomIdList(random), randomIdList(random));
      case 1 -> new SegmentRequest(i, r, random.nextBoolean() ? 0 : randomId(random));
      case 2 -> new SegmentData(i, r, randomId(random));
      case 3 -> new SegmentDataSendingCompleted(i, r);
      case 4 -> new SegmentAbsent(i, r);
      default -> new CancelSegmentRequest(i, r);
    };
  }

  private static PeerCommand randomSmallCommand(Random random) {
    for (;;) {
      PeerCommand command = randomCommand(random);
      if (PeerCommandCodec.encode(command).length < 200) {
        return command;
      }
    }
  }

  private static long randomId(Random random) {
    return switch (random.nextInt(5)) {
      case 0 -> random.nextInt(1000);
      case 1 -> random.nextInt(513) - 256;
      case 2 -> (random.nextLong() % PeerCommand.MAX_SAFE_INTEGER);
      case 3 -> random.nextBoolean() ? PeerCommand.MAX_SAFE_INTEGER : -PeerCommand.MAX_SAFE_INTEGER;
      default -> 4_000_000L + random.nextInt(100_000);
    };
  }

  /** Id lists within the reference's own limits (≤ 255 ids per 256-block, ≤ 255 blocks). */
  private static List<Long> randomIdList(Random random) {
    List<Long> ids = new ArrayList<>();
    int blocks = random.nextInt(4) == 0 ? 0 : 1 + random.nextInt(random.nextInt(10) == 0 ? 255 : 4);
    Map<Long, Integer> perBlock = new HashMap<>();
    for (int b = 0; b < blocks; b++) {
      long base = randomId(random) & ~0xFFL;
      if (base > PeerCommand.MAX_SAFE_INTEGER - 255 || base < -PeerCommand.MAX_SAFE_INTEGER) {
        continue;
      }
      int count = 1 + random.nextInt(random.nextInt(8) == 0 ? 255 : 12);
      for (int k = 0; k < count; k++) {
        if (perBlock.merge(base, 1, Integer::sum) <= 255) {
          ids.add(base + random.nextInt(256));
        }
      }
    }
    return ids;
  }

  private static byte[] corrupted(byte[] bytes, Random random) {
    if (random.nextBoolean()) {
      return Arrays.copyOf(bytes, Math.max(1, random.nextInt(bytes.length + 1)));
    }
    byte[] copy = bytes.clone();
    for (int k = 1 + random.nextInt(2); k > 0; k--) {
      copy[random.nextInt(copy.length)] = (byte) random.nextInt(256);
    }
    return copy;
  }

  private static byte[] randomBytes(Random random, int length) {
    byte[] bytes = new byte[length];
    random.nextBytes(bytes);
    bytes[0] = (byte) random.nextInt(6);
    return bytes;
  }

  private static byte[] frame(byte[] body) {
    byte[] message = new byte[body.length + 8];
    System.arraycopy("cstr".getBytes(StandardCharsets.US_ASCII), 0, message, 0, 4);
    System.arraycopy(body, 0, message, 4, body.length);
    System.arraycopy("cend".getBytes(StandardCharsets.US_ASCII), 0, message, message.length - 4, 4);
    return message;
  }

  // ---------------------------------------------------------------- JSON mapping

  private static ObjectNode toJson(PeerCommand command) {
    ObjectNode json = JSON.createObjectNode();
    json.put("c", command.code());
    if (command instanceof SegmentsAnnouncement a) {
      ArrayNode l = json.putArray("l");
      a.loadedSegmentIds().forEach(l::add);
      ArrayNode p = json.putArray("p");
      a.httpLoadingSegmentIds().forEach(p::add);
    } else if (command instanceof SegmentRequest r) {
      json.put("i", r.segmentId()).put("r", r.requestId()).put("b", r.byteOffset());
    } else if (command instanceof SegmentData d) {
      json.put("i", d.segmentId()).put("r", d.requestId()).put("s", d.sizeBytes());
    } else if (command instanceof SegmentDataSendingCompleted c) {
      json.put("i", c.segmentId()).put("r", c.requestId());
    } else if (command instanceof SegmentAbsent a) {
      json.put("i", a.segmentId()).put("r", a.requestId());
    } else if (command instanceof CancelSegmentRequest c) {
      json.put("i", c.segmentId()).put("r", c.requestId());
    }
    return json;
  }

  /** The reference's decoded object as our command; fields we do not know are ignored. */
  private static PeerCommand fromJson(JsonNode json) {
    long i = json.path("i").asLong();
    long r = json.path("r").asLong();
    return switch (json.get("c").asInt()) {
      case 0 -> new SegmentsAnnouncement(longs(json.path("l")), longs(json.path("p")));
      case 1 -> new SegmentRequest(i, r, json.path("b").asLong(0));
      case 2 -> new SegmentData(i, r, json.path("s").asLong());
      case 3 -> new SegmentDataSendingCompleted(i, r);
      case 4 -> new SegmentAbsent(i, r);
      case 5 -> new CancelSegmentRequest(i, r);
      default -> throw new AssertionError("reference decoded an unknown command: " + json);
    };
  }

  private static List<Long> longs(JsonNode array) {
    List<Long> values = new ArrayList<>();
    array.forEach(n -> {
      assertThat(n.isIntegralNumber()).as("safe integer %s", n).isTrue();
      values.add(n.asLong());
    });
    return values;
  }

  private static ObjectNode decodeRequest(List<String> messages) {
    ObjectNode request = JSON.createObjectNode();
    ArrayNode array = request.putArray("decode");
    messages.forEach(array::add);
    return request;
  }

  private static JsonNode ask(JsonNode request) throws IOException {
    return reference.ask(request);
  }

  private static List<String> hex(List<byte[]> messages) {
    return messages.stream().map(HEX::formatHex).toList();
  }

  private static List<String> texts(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(n -> values.add(n.asText()));
    return values;
  }
}
