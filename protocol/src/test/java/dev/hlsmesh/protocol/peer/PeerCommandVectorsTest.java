package dev.hlsmesh.protocol.peer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hlsmesh.protocol.peer.CommandReassembler.Inbound;
import dev.hlsmesh.protocol.peer.PeerCommand.CancelSegmentRequest;
import dev.hlsmesh.protocol.peer.PeerCommand.SegmentAbsent;
import dev.hlsmesh.protocol.peer.PeerCommand.SegmentData;
import dev.hlsmesh.protocol.peer.PeerCommand.SegmentDataSendingCompleted;
import dev.hlsmesh.protocol.peer.PeerCommand.SegmentRequest;
import dev.hlsmesh.protocol.peer.PeerCommand.SegmentsAnnouncement;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every vector of {@code peerCommands} in protocol-vectors.json, byte for byte. */
class PeerCommandVectorsTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final JsonNode PEER_COMMANDS = load().get("peerCommands");

  static JsonNode load() {
    try (InputStream in = PeerCommandVectorsTest.class.getResourceAsStream("/protocol-vectors.json")) {
      return new ObjectMapper().readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Stream<Arguments> commandVectors() {
    List<Arguments> all = new ArrayList<>();
    for (String section : List.of("commands", "splitCommands")) {
      for (JsonNode vector : PEER_COMMANDS.get(section)) {
        all.add(Arguments.of(Named.of(section + "/" + vector.get("name").asText(), vector)));
      }
    }
    assertThat(all).hasSize(30);
    return all.stream();
  }

  @ParameterizedTest
  @MethodSource("commandVectors")
  void encodingTheInputReproducesTheReferenceMessagesExactly(JsonNode vector) {
    PeerCommand command = commandFrom(vector.get("input"));

    assertThat(HEX.formatHex(PeerCommandCodec.encode(command)))
        .isEqualTo(vector.get("unframedPayload").asText());
    List<String> messages = new ArrayList<>();
    for (byte[] message : PeerFraming.encode(command, vector.get("maxChunkSize").asInt())) {
      messages.add(HEX.formatHex(message));
    }
    assertThat(messages).containsExactlyElementsOf(texts(vector.get("messages")));
  }

  @ParameterizedTest
  @MethodSource("commandVectors")
  void reassemblingTheReferenceMessagesGivesWhatTheReferenceDecoded(JsonNode vector) {
    CommandReassembler reassembler = new CommandReassembler();
    List<String> messages = texts(vector.get("messages"));
    Inbound last = null;
    for (int i = 0; i < messages.size(); i++) {
      last = reassembler.accept(ByteBuffer.wrap(HEX.parseHex(messages.get(i))));
      if (i < messages.size() - 1) {
        assertThat(last).isInstanceOf(Inbound.PartialCommand.class);
      }
    }
    assertThat(last).isEqualTo(new Inbound.Command(commandFrom(vector.get("decodedByReference"))));
    assertThat(reassembler.isAssembling()).isFalse();
  }

  @Test
  void intPrimitivesMatchTheReference() throws PeerProtocolException {
    JsonNode ints = PEER_COMMANDS.get("primitives").get("int");
    assertThat(ints).hasSizeGreaterThan(10);
    for (JsonNode vector : ints) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      PeerBinary.writeInt(out, vector.get("value").asLong());
      assertThat(HEX.formatHex(out.toByteArray())).as("%s", vector).isEqualTo(vector.get("hex").asText());
      byte[] bytes = HEX.parseHex(vector.get("hex").asText());
      PeerBinary.Reader reader = new PeerBinary.Reader(bytes, 0, bytes.length);
      assertThat(reader.readInt()).isEqualTo(vector.get("decoded").asLong());
      assertThat(reader.hasRemaining()).isFalse();
    }
  }

  @Test
  void similarIntArrayPrimitivesMatchTheReference() throws PeerProtocolException {
    JsonNode arrays = PEER_COMMANDS.get("primitives").get("similarIntArray");
    assertThat(arrays).hasSizeGreaterThan(3);
    for (JsonNode vector : arrays) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      PeerBinary.writeSimilarIntArray(out, longs(vector.get("value")));
      assertThat(HEX.formatHex(out.toByteArray())).as("%s", vector).isEqualTo(vector.get("hex").asText());
      byte[] bytes = HEX.parseHex(vector.get("hex").asText());
      PeerBinary.Reader reader = new PeerBinary.Reader(bytes, 0, bytes.length);
      assertThat(reader.readSimilarIntArray()).isEqualTo(longs(vector.get("decoded")));
      assertThat(reader.hasRemaining()).isFalse();
    }
  }

  @Test
  void stringPrimitivesMatchTheReference() throws PeerProtocolException {
    JsonNode strings = PEER_COMMANDS.get("primitives").get("string");
    assertThat(strings).hasSize(4);
    for (JsonNode vector : strings) {
      String value = vector.get("value").asText();
      if (value.equals("'x' repeated 300 times")) {
        value = "x".repeat(300);
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      PeerBinary.writeString(out, value);
      assertThat(HEX.formatHex(out.toByteArray())).isEqualTo(vector.get("hex").asText());
      if (value.chars().allMatch(c -> c < 0x80)) {
        byte[] bytes = out.toByteArray();
        assertThat(new PeerBinary.Reader(bytes, 0, bytes.length).readString()).isEqualTo(value);
      }
    }
  }

  @Test
  void stringLengthCountsUtf16UnitsSoNonAsciiIsCutShortAsByTheReference() throws PeerProtocolException {
    JsonNode quirk = PEER_COMMANDS.get("knownQuirks").get("stringLengthIsUtf16Units");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PeerBinary.writeString(out, quirk.get("value").asText());
    assertThat(HEX.formatHex(out.toByteArray())).isEqualTo(quirk.get("hex").asText());

    byte[] bytes = HEX.parseHex(quirk.get("hex").asText());
    PeerBinary.Reader reader = new PeerBinary.Reader(bytes, 0, bytes.length);
    assertThat(reader.readString()).isEqualTo(quirk.get("decoded").asText());
  }

  @Test
  void groupOf256IdsThatTheReferenceCannotReadIsRecoveredByReadingCountZeroAs256() {
    JsonNode quirk = PEER_COMMANDS.get("knownQuirks").get("group256Overflow");
    assertThat(quirk.get("decodedByReference").isNull()).isTrue();
    List<Long> ids = LongStream.rangeClosed(1280, 1535).boxed().toList();

    Inbound decoded = new CommandReassembler()
        .accept(ByteBuffer.wrap(HEX.parseHex(quirk.get("messages").get(0).asText())));

    assertThat(decoded).isEqualTo(new Inbound.Command(new SegmentsAnnouncement(ids, List.of())));
  }

  @Test
  void groupOf256IdsIsSplitIntoTwoGroupsSoTheReferenceCanReadIt() {
    List<Long> ids = LongStream.rangeClosed(1280, 1535).boxed().toList();

    byte[] encoded = PeerCommandCodec.encode(new SegmentsAnnouncement(ids, List.of()));

    // l, SimilarIntArray, 2 groups: header 0x5ff (255 ids 00..fe), then header 0x501 (id ff)
    StringBuilder expected = new StringBuilder("006c10020205ff");
    for (int low = 0; low < 255; low++) {
      expected.append(String.format("%02x", low));
    }
    expected.append("020501ff");
    assertThat(HEX.formatHex(encoded)).isEqualTo(expected.toString());
    String referenceMessage = PEER_COMMANDS.get("knownQuirks").get("group256Overflow")
        .get("messages").get(0).asText();
    assertThat(referenceMessage).contains("0205000001"); // the reference's broken count byte
  }

  static PeerCommand commandFrom(JsonNode json) {
    long i = json.path("i").asLong();
    long r = json.path("r").asLong();
    switch (json.get("c").asInt()) {
      case 0:
        return new SegmentsAnnouncement(longs(json.path("l")), longs(json.path("p")));
      case 1:
        return new SegmentRequest(i, r, json.path("b").asLong(0));
      case 2:
        return new SegmentData(i, r, json.get("s").asLong());
      case 3:
        return new SegmentDataSendingCompleted(i, r);
      case 4:
        return new SegmentAbsent(i, r);
      case 5:
        return new CancelSegmentRequest(i, r);
      default:
        throw new IllegalArgumentException("unknown command in vector: " + json);
    }
  }

  private static List<Long> longs(JsonNode array) {
    List<Long> values = new ArrayList<>();
    for (JsonNode n : array) {
      assertThat(n.canConvertToExactIntegral()).as("integral %s", n).isTrue();
      values.add(n.asLong());
    }
    return values;
  }

  private static List<String> texts(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(n -> values.add(n.asText()));
    return values;
  }
}
