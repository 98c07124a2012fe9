package dev.hlsmesh.tracker.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The load generator must speak the protocol exactly, or its figures mean nothing. */
class LoadWireTest {

  private static final byte[] INFO_HASH = HexFormat.of().parseHex("00017f80ff225c0a414141414141414141414141");
  private static final byte[] PEER_ID = "-HM0001-abcdefghijkl".getBytes(StandardCharsets.ISO_8859_1);
  private static final byte[] OFFER_ID = HexFormat.of().parseHex("fa16cebeb110c24813e0a2f51fbc97776670c1ce");

  private final LoadWire wire = new LoadWire(12, new Random(7));
  private final ObjectMapper json = new ObjectMapper();

  @Test
  void announceIsValidJsonWithOneCharPerIdByteAndRealisticSdp() throws Exception {
    ByteBuf buf = Unpooled.buffer();
    wire.writeAnnounce(buf, true, LoadWire.idJson(INFO_HASH), LoadWire.idJson(PEER_ID),
        new byte[][] {OFFER_ID, OFFER_ID}, 123_456_789L);

    JsonNode announce = json.readTree(buf.toString(StandardCharsets.UTF_8));

    assertThat(announce.get("action").asText()).isEqualTo("announce");
    assertThat(announce.get("event").asText()).isEqualTo("started");
    assertThat(announce.get("numwant").asInt()).isEqualTo(2);
    assertThat(latin1(announce.get("info_hash"))).isEqualTo(INFO_HASH);
    assertThat(latin1(announce.get("peer_id"))).isEqualTo(PEER_ID);
    assertThat(announce.get("offers")).hasSize(2);
    JsonNode offer = announce.get("offers").get(0);
    assertThat(latin1(offer.get("offer_id"))).isEqualTo(OFFER_ID);
    assertThat(offer.get("offer").get("type").asText()).isEqualTo("offer");
    String sdp = offer.get("offer").get("sdp").asText();
    assertThat(sdp).startsWith("v=0\r\no=- 123456789 2 IN IP4 127.0.0.1\r\n").contains("a=candidate:");
    assertThat(sdp.length()).isBetween(1000, 2000);
  }

  @Test
  void answerEchoesOfferIdAndTargetsTheOfferer() throws Exception {
    ByteBuf buf = Unpooled.buffer();
    String offerer = new String(PEER_ID, StandardCharsets.ISO_8859_1);
    wire.writeAnswer(buf, LoadWire.idJson(INFO_HASH), LoadWire.idJson(PEER_ID), offerer,
        new String(OFFER_ID, StandardCharsets.ISO_8859_1), 42L);

    JsonNode answer = json.readTree(buf.toString(StandardCharsets.UTF_8));

    assertThat(latin1(answer.get("to_peer_id"))).isEqualTo(PEER_ID);
    assertThat(latin1(answer.get("offer_id"))).isEqualTo(OFFER_ID);
    assertThat(answer.get("answer").get("type").asText()).isEqualTo("answer");
    assertThat(answer.get("answer").get("sdp").asText()).startsWith("v=0\r\no=- 42 2 IN IP4");
  }

  @Test
  void readsRelayedOfferIdsAndStampWhateverTheKeyOrderAndBufferOffset() throws Exception {
    ByteBuf announce = Unpooled.buffer();
    wire.writeAnnounce(announce, false, LoadWire.idJson(INFO_HASH), LoadWire.idJson(PEER_ID),
        new byte[][] {OFFER_ID}, 987_654_321L);
    JsonNode offer = json.readTree(announce.toString(StandardCharsets.UTF_8)).get("offers").get(0);
    // a relayed offer the way aquatic orders it, behind unrelated bytes in the same buffer
    String relayed = "{\"action\":\"announce\",\"peer_id\":" + json.writeValueAsString(latin1Text(PEER_ID))
        + ",\"info_hash\":" + json.writeValueAsString(latin1Text(INFO_HASH))
        + ",\"offer\":" + json.writeValueAsString(offer.get("offer"))
        + ",\"offer_id\":" + json.writeValueAsString(offer.get("offer_id")) + "}";
    ByteBuf frame = Unpooled.wrappedBuffer(("xxxx" + relayed).getBytes(StandardCharsets.UTF_8));
    frame.skipBytes(4);

    LoadWire.Incoming incoming = LoadWire.read(frame);

    assertThat(incoming.kind()).isEqualTo(LoadWire.Kind.RELAYED_OFFER);
    assertThat(incoming.stampNanos()).isEqualTo(987_654_321L);
    assertThat(incoming.offerId()).isEqualTo(latin1Text(OFFER_ID));
    assertThat(incoming.peerId()).isEqualTo(latin1Text(PEER_ID));
  }

  @Test
  void classifiesResponsesAnswersAndFailures() throws Exception {
    assertThat(read("{\"complete\":0,\"incomplete\":1,\"action\":\"announce\",\"interval\":120,"
        + "\"info_hash\":\"AAAAAAAAAAAAAAAAAAAA\"}").kind()).isEqualTo(LoadWire.Kind.ANNOUNCE_RESPONSE);
    assertThat(read("{\"action\":\"announce\",\"answer\":{\"type\":\"answer\",\"sdp\":\"v=0\\r\\no=- 77 2\"},"
        + "\"offer_id\":\"BBBBBBBBBBBBBBBBBBBB\"}").stampNanos()).isEqualTo(77);
    assertThat(read("{\"failure reason\":\"invalid info_hash\"}").kind()).isEqualTo(LoadWire.Kind.FAILURE);
    assertThat(read("{\"action\":\"scrape\",\"files\":{}}").kind()).isEqualTo(LoadWire.Kind.SCRAPE_RESPONSE);
    assertThat(read("[1]").kind()).isEqualTo(LoadWire.Kind.OTHER);
  }

  private static LoadWire.Incoming read(String text) throws Exception {
    return LoadWire.read(Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8)));
  }

  private static byte[] latin1(JsonNode node) {
    return node.asText().getBytes(StandardCharsets.ISO_8859_1);
  }

  private static String latin1Text(byte[] bytes) {
    return new String(bytes, StandardCharsets.ISO_8859_1);
  }
}
