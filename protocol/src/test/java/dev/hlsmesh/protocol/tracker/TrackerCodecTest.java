package dev.hlsmesh.protocol.tracker;

import static dev.hlsmesh.protocol.tracker.TrackerVectors.identities;
import static dev.hlsmesh.protocol.tracker.TrackerVectors.probe;
import static dev.hlsmesh.protocol.tracker.TrackerVectors.sample;
import static dev.hlsmesh.protocol.tracker.TrackerVectors.tree;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class TrackerCodecTest {

  private final TrackerCodec codec = new TrackerCodec();

  private static final BinaryId INFO_HASH = BinaryId.ofAscii("D2L6qLdcAO0vh07WoiT4");
  private static final BinaryId PEER_A = BinaryId.ofAscii("-PM0203-zw9unGhwyu7J");
  private static final BinaryId PEER_B = BinaryId.ofAscii("-PM0203-fdfG25g1ArkT");

  // ----- known answers from protocol-vectors.json

  static Stream<String> clientSamples() {
    return Stream.of("clientAnnounceStartedWithOffers", "clientAnswer",
        "clientPeriodicAnnounceNoEvent", "clientCompleted", "clientScrape", "clientStopped");
  }

  static Stream<String> serverSamples() {
    return Stream.of("serverAnnounceResponse", "serverRelayedOffer", "serverRelayedAnswer",
        "serverScrapeResponse");
  }

  @ParameterizedTest
  @MethodSource("clientSamples")
  void clientSampleDecodesAndReencodesToEquivalentJson(String name) throws Exception {
    JsonNode sample = sample(name);
    String text = sample.get("text").asText();

    ClientMessage message = codec.decodeClient(text);

    assertThat(tree(codec.encode(message))).isEqualTo(sample.get("json"));
    assertThat(tree(new String(codec.encodeToUtf8(message), StandardCharsets.UTF_8)))
        .isEqualTo(sample.get("json"));
    byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
    assertThat(codec.decodeClient(utf8, 0, utf8.length)).isEqualTo(message);
    assertThat(codec.decodeClient(new ByteArrayInputStream(utf8))).isEqualTo(message);
  }

  @ParameterizedTest
  @MethodSource("serverSamples")
  void serverSampleDecodesAndReencodesToEquivalentJson(String name) throws Exception {
    JsonNode sample = sample(name);
    String text = sample.get("text").asText();

    ServerMessage message = codec.decodeServer(text);

    assertThat(tree(codec.encode(message))).isEqualTo(sample.get("json"));
    byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
    assertThat(codec.decodeServer(utf8, 0, utf8.length)).isEqualTo(message);
  }

  @Test
  void startedAnnounceCarriesFiveOffersWithBinaryOfferIds() throws Exception {
    JsonNode sample = sample("clientAnnounceStartedWithOffers");
    Announce announce = (Announce) codec.decodeClient(sample.get("text").asText());

    assertThat(announce.infoHash().toHex()).isEqualTo(identities().get("infoHashHex").asText());
    assertThat(announce.peerId()).isEqualTo(PEER_A);
    assertThat(announce.event()).isEqualTo(AnnounceEvent.STARTED);
    assertThat(announce.numwant()).isEqualTo(5);
    assertThat(announce.uploaded()).isZero();
    assertThat(announce.left()).isNull();
    assertThat(announce.isSeeder()).isFalse();
    assertThat(announce.offers()).hasSize(5);
    for (int i = 0; i < 5; i++) {
      JsonNode offer = sample.get("json").get("offers").get(i);
      assertThat(announce.offers().get(i).offerId().toWireString())
          .isEqualTo(offer.get("offer_id").asText());
      assertThat(announce.offers().get(i).sdp()).isEqualTo(offer.get("offer").get("sdp").asText());
    }
  }

  @Test
  void answerAndRelayedMessagesKeepTheirRoles() throws Exception {
    AnswerAnnounce answer = (AnswerAnnounce) codec.decodeClient(sample("clientAnswer").get("text").asText());
    RelayedOffer offer = (RelayedOffer) codec.decodeServer(sample("serverRelayedOffer").get("text").asText());
    RelayedAnswer relayed =
        (RelayedAnswer) codec.decodeServer(sample("serverRelayedAnswer").get("text").asText());

    assertThat(offer.peerId()).isEqualTo(PEER_B);
    assertThat(answer.peerId()).isEqualTo(PEER_A);
    assertThat(answer.toPeerId()).isEqualTo(offer.peerId());
    assertThat(answer.offerId()).isEqualTo(offer.offerId());
    assertThat(relayed).isEqualTo(new RelayedAnswer(INFO_HASH, PEER_A, answer.offerId(), answer.sdp()));
  }

  @Test
  void scrapeResponseAndAnnounceResponseCounters() throws Exception {
    ScrapeResponse scrape =
        (ScrapeResponse) codec.decodeServer(sample("serverScrapeResponse").get("text").asText());
    AnnounceResponse response =
        (AnnounceResponse) codec.decodeServer(sample("serverAnnounceResponse").get("text").asText());

    assertThat(scrape.files()).containsExactly(Map.entry(INFO_HASH, new ScrapeResponse.Stats(1, 1, 1)));
    assertThat(scrape.minRequestIntervalSeconds()).isEqualTo(600);
    assertThat(response).isEqualTo(AnnounceResponse.of(INFO_HASH, 0, 1, 120));
  }

  @Test
  void binaryInfoHashProbeSurvivesDecodeAndEncodesLikeJavaScript() throws Exception {
    JsonNode probe = probe("binaryInfoHash");
    BinaryId expected = BinaryId.fromHex(probe.get("infoHashBytesHex").asText());

    Announce announce = (Announce) codec.decodeClient(probe.get("sentJsonText").asText());
    assertThat(announce.infoHash()).isEqualTo(expected);
    assertThat(announce.numwant()).isZero();
    assertThat(announce.offers()).isEmpty();
    byte[] sent = HexFormat.of().parseHex(probe.get("sentUtf8Hex").asText());
    assertThat(codec.decodeClient(sent, 0, sent.length)).isEqualTo(announce);

    // Our response carries the hash as the same UTF-8 bytes bittorrent-tracker sent.
    String received = probe.get("received").get(0).asText();
    assertThat(codec.decodeServer(received)).isEqualTo(AnnounceResponse.of(expected, 0, 1, 120));
    String encoded = codec.encode(AnnounceResponse.of(expected, 0, 1, 120));
    String hashLiteral = "\"\\u0000\\u0001\u007f\u0080\u00ff\\\"\\\\\\nAAAAAAAAAAAA\"";
    assertThat(received).contains(hashLiteral);
    assertThat(encoded).contains(hashLiteral);
    assertThat(HexFormat.of().formatHex(codec.encodeToUtf8(AnnounceResponse.of(expected, 0, 1, 120))))
        .contains("7fc280c3bf");
  }

  @Test
  void probesOfInvalidRequestsGetPreciseErrors() {
    assertThatThrownBy(() -> codec.decodeClient(probe("invalidInfoHash").get("sent").asText()))
        .isInstanceOfSatisfying(TrackerProtocolException.class, e -> {
          assertThat(e).hasMessage("invalid `info_hash`: expected 20 characters, got 9");
          assertThat(e.action()).isEqualTo(TrackerAction.ANNOUNCE);
          assertThat(e.infoHash()).isNull();
        });
    assertThatThrownBy(() -> codec.decodeClient(probe("invalidAction").get("sent").asText()))
        .isInstanceOf(TrackerProtocolException.class)
        .hasMessage("invalid `action`: expected \"announce\" or \"scrape\", got \"foo\"");
    assertThatThrownBy(() -> codec.decodeClient(probe("invalidJson").get("sent").asText()))
        .isInstanceOf(TrackerProtocolException.class)
        .hasMessageStartingWith("invalid JSON: Unexpected character ('n' (code 110))")
        .hasMessageEndingWith("(at offset 1)");
  }

  @Test
  void probesOfValidRequestsDecode() throws Exception {
    Scrape scrape = (Scrape) codec.decodeClient(probe("scrapeMulti").get("sent").asText());
    assertThat(scrape.infoHashes())
        .containsExactly(INFO_HASH, BinaryId.ofAscii("AAAAAAAAAAAAAAAAAAAA"));
    assertThat(codec.decodeServer(probe("scrapeMulti").get("received").get(0).asText()))
        .isInstanceOf(ScrapeResponse.class);

    assertThat(codec.decodeClient(probe("answerToUnknownPeer").get("sent").asText()))
        .isInstanceOf(AnswerAnnounce.class);

    Announce started = (Announce) codec.decodeClient(probe("filterRejected").get("sent").asText());
    assertThat(started.event()).isEqualTo(AnnounceEvent.STARTED);
    assertThat(codec.decodeServer(probe("filterRejected").get("received").get(0).asText()))
        .isEqualTo(new Failure("disallowed torrent", TrackerAction.ANNOUNCE, INFO_HASH));
    assertThat(codec.decodeServer(probe("invalidAction").get("received").get(0).asText()))
        .isEqualTo(new Failure("invalid action in WS request: foo", null, null));
  }

  // ----- encoding API

  @Test
  void failureAlwaysCarriesActionAndHashWhenKnown() throws Exception {
    Failure failure = new Failure("too many offers: 11 (max 10)", TrackerAction.ANNOUNCE, INFO_HASH);
    assertThat(tree(codec.encode(failure))).isEqualTo(tree(
        "{\"action\":\"announce\",\"failure reason\":\"too many offers: 11 (max 10)\","
            + "\"info_hash\":\"D2L6qLdcAO0vh07WoiT4\"}"));
    assertThat(codec.decodeServer(codec.encode(failure))).isEqualTo(failure);
  }

  @Test
  void encodeToStreamWritesUtf8AndLeavesStreamOpen() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    RelayedOffer offer = new RelayedOffer(INFO_HASH, PEER_A,
        BinaryId.fromHex("00017f80ff225c0a414141414141414141414141"), "v=0\r\n");
    codec.encode(offer, out);
    out.write('\n');
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(codec.encode(offer) + "\n");
  }

  @Test
  void scrapeEncodesOneHashAsStringManyAsArrayNoneAsFullScrape() throws Exception {
    BinaryId other = BinaryId.ofAscii("AAAAAAAAAAAAAAAAAAAA");
    assertThat(codec.encode(new Scrape(List.of(INFO_HASH))))
        .isEqualTo("{\"action\":\"scrape\",\"info_hash\":\"D2L6qLdcAO0vh07WoiT4\"}");
    assertThat(codec.encode(new Scrape(List.of(INFO_HASH, other)))).isEqualTo(
        "{\"action\":\"scrape\",\"info_hash\":[\"D2L6qLdcAO0vh07WoiT4\",\"AAAAAAAAAAAAAAAAAAAA\"]}");
    Scrape full = (Scrape) codec.decodeClient(codec.encode(new Scrape(List.of())));
    assertThat(full.isFullScrape()).isTrue();
  }

  @Test
  void scrapeResponseKeepsOrderAndAcceptsMissingFlags() throws Exception {
    Map<BinaryId, ScrapeResponse.Stats> files = new LinkedHashMap<>();
    files.put(BinaryId.ofAscii("BBBBBBBBBBBBBBBBBBBB"), new ScrapeResponse.Stats(0, 2, 0));
    files.put(INFO_HASH, new ScrapeResponse.Stats(1, 0, 0));
    ScrapeResponse response = new ScrapeResponse(files, null);
    assertThat(codec.encode(response)).startsWith("{\"action\":\"scrape\",\"files\":{\"BBBB");
    assertThat(codec.decodeServer(codec.encode(response))).isEqualTo(response);
  }

  @Test
  void announceResponseAcceptsMinIntervalAndWarning() throws Exception {
    assertThat(codec.decodeServer("{\"action\":\"announce\",\"info_hash\":\"D2L6qLdcAO0vh07WoiT4\","
        + "\"min interval\":60,\"warning message\":\"slow down\"}"))
        .isEqualTo(new AnnounceResponse(INFO_HASH, 0, 0, 60, "slow down"));
  }

  // ----- malformed input: each with its exact message

  static Stream<Arguments> malformedClientMessages() {
    String ih = "\"info_hash\":\"D2L6qLdcAO0vh07WoiT4\"";
    String pid = "\"peer_id\":\"-PM0203-zw9unGhwyu7J\"";
    String base = "{\"action\":\"announce\"," + ih + "," + pid;
    String offer = "{\"offer\":{\"type\":\"offer\",\"sdp\":\"v=0\"},\"offer_id\":\"AAAAAAAAAAAAAAAAAAAA\"}";
    return Stream.of(
        Arguments.of("", "invalid message: empty"),
        Arguments.of("[1,2]", "invalid message: expected a JSON object, got an array"),
        Arguments.of("\"announce\"", "invalid message: expected a JSON object, got a string"),
        Arguments.of("{}", "missing `action`"),
        Arguments.of("{\"action\":1}", "invalid `action`: expected a string, got an integer"),
        Arguments.of("{\"action\":\"foo\"}",
            "invalid `action`: expected \"announce\" or \"scrape\", got \"foo\""),
        Arguments.of("{\"action\":\"announce\"}", "missing `info_hash`"),
        Arguments.of("{\"action\":\"announce\",\"info_hash\":42}",
            "invalid `info_hash`: expected a string, got an integer"),
        Arguments.of("{\"action\":\"announce\",\"info_hash\":\"D2L6qLdcAO0vh07WoiT\"}",
            "invalid `info_hash`: expected 20 characters, got 19"),
        Arguments.of("{\"action\":\"announce\",\"info_hash\":\"D2L6qLdcAO0vh07WoiT\u0100\"}",
            "invalid `info_hash`: character 19 is U+0100, expected U+0000..U+00FF"),
        Arguments.of("{\"action\":\"announce\"," + ih + "}", "missing `peer_id`"),
        Arguments.of("{\"action\":\"announce\"," + ih + ",\"peer_id\":null}",
            "invalid `peer_id`: expected a string, got null"),
        Arguments.of(base + ",\"event\":\"begin\"}", "invalid `event`: expected one of "
            + "\"started\", \"stopped\", \"completed\", \"update\", \"paused\", \"empty\"; got \"begin\""),
        Arguments.of(base + ",\"event\":true}", "invalid `event`: expected a string, got a boolean"),
        Arguments.of(base + ",\"numwant\":-1}",
            "invalid `numwant`: expected an integer 0..2147483647, got -1"),
        Arguments.of(base + ",\"numwant\":2147483648}",
            "invalid `numwant`: expected an integer 0..2147483647, got 2147483648"),
        Arguments.of(base + ",\"numwant\":1e400}",
            "invalid `numwant`: expected an integer 0..2147483647, got 1E+400"),
        Arguments.of(base + ",\"numwant\":\"5\"}",
            "invalid `numwant`: expected an integer 0..2147483647, got a string"),
        Arguments.of(base + ",\"uploaded\":123456789012345678901234567890}",
            "invalid `uploaded`: expected an integer 0..9223372036854775807, got "
                + "123456789012345678901234567890"),
        Arguments.of(base + ",\"left\":0.5}",
            "invalid `left`: expected an integer 0..9223372036854775807, got 0.5"),
        Arguments.of(base + ",\"offers\":{}}", "invalid `offers`: expected an array, got an object"),
        Arguments.of(base + ",\"offers\":[" + offer + ",7]}",
            "invalid `offers[1]`: expected an object, got an integer"),
        Arguments.of(base + ",\"offers\":[{\"offer_id\":\"AAAAAAAAAAAAAAAAAAAA\"}]}",
            "missing `offers[0].offer`"),
        Arguments.of(base + ",\"offers\":[{\"offer\":{\"type\":\"answer\",\"sdp\":\"v=0\"},"
            + "\"offer_id\":\"AAAAAAAAAAAAAAAAAAAA\"}]}",
            "invalid `offers[0].offer.type`: expected \"offer\", got \"answer\""),
        Arguments.of(base + ",\"offers\":[{\"offer\":{\"type\":\"offer\"},"
            + "\"offer_id\":\"AAAAAAAAAAAAAAAAAAAA\"}]}", "missing `offers[0].offer.sdp`"),
        Arguments.of(base + ",\"offers\":[{\"offer\":{\"type\":\"offer\",\"sdp\":[]},"
            + "\"offer_id\":\"AAAAAAAAAAAAAAAAAAAA\"}]}",
            "invalid `offers[0].offer.sdp`: expected a string, got an array"),
        Arguments.of(base + ",\"offers\":[{\"offer\":{\"type\":\"offer\",\"sdp\":\"v=0\"},"
            + "\"offer_id\":\"short\"}]}",
            "invalid `offers[0].offer_id`: expected 20 characters, got 5"),
        Arguments.of(base + ",\"answer\":{\"type\":\"answer\",\"sdp\":\"v=0\"}}",
            "missing `to_peer_id` (required with `answer`)"),
        Arguments.of(base + ",\"answer\":{\"type\":\"answer\",\"sdp\":\"v=0\"},"
            + "\"to_peer_id\":\"-PM0203-fdfG25g1ArkT\"}",
            "missing `offer_id` (required with `answer`)"),
        Arguments.of(base + ",\"answer\":{\"type\":\"offer\",\"sdp\":\"v=0\"},"
            + "\"to_peer_id\":\"-PM0203-fdfG25g1ArkT\",\"offer_id\":\"AAAAAAAAAAAAAAAAAAAA\"}",
            "invalid `answer.type`: expected \"answer\", got \"offer\""),
        Arguments.of(base + ",\"answer\":\"v=0\"}",
            "invalid `answer`: expected an object, got a string"),
        Arguments.of(base + ",\"answer\":{\"type\":\"answer\",\"sdp\":\"v=0\"},\"offers\":["
            + offer + "]}", "invalid announce: `answer` and `offers` cannot be combined"),
        Arguments.of(base + ",\"trackerid\":5}",
            "invalid `trackerid`: expected a string, got an integer"),
        Arguments.of("{\"action\":\"scrape\",\"info_hash\":{}}",
            "invalid `info_hash`: expected a string or an array of strings, got an object"),
        Arguments.of("{\"action\":\"scrape\",\"info_hash\":[]}",
            "invalid `info_hash`: expected at least one info hash, got an empty array"),
        Arguments.of("{\"action\":\"scrape\",\"info_hash\":[\"D2L6qLdcAO0vh07WoiT4\",\"x\"]}",
            "invalid `info_hash[1]`: expected 20 characters, got 1"),
        Arguments.of("{\"action\":\"announce\",\"action\":\"scrape\"}",
            "invalid JSON: Duplicate field 'action' (at offset 29)"),
        Arguments.of("{\"action\":\"scrape\"} trailing",
            "invalid message: unexpected content after the JSON object"),
        Arguments.of("{\"action\":\"scrape\"} {}",
            "invalid message: unexpected content after the JSON object"));
  }

  @ParameterizedTest
  @MethodSource("malformedClientMessages")
  void malformedClientMessageIsRejectedWithPreciseMessage(String json, String message) {
    assertThatThrownBy(() -> codec.decodeClient(json))
        .isInstanceOf(TrackerProtocolException.class)
        .hasMessage(message);
  }

  @Test
  void errorsAfterTheHashCarryActionAndHashForTheFailureReply() {
    assertThatThrownBy(() -> codec.decodeClient("{\"numwant\":-3,\"action\":\"announce\","
        + "\"info_hash\":\"D2L6qLdcAO0vh07WoiT4\",\"peer_id\":\"-PM0203-zw9unGhwyu7J\"}"))
        .isInstanceOfSatisfying(TrackerProtocolException.class, e ->
            assertThat(e.toFailure()).isEqualTo(new Failure(
                "invalid `numwant`: expected an integer 0..2147483647, got -3",
                TrackerAction.ANNOUNCE, INFO_HASH)));
  }

  @Test
  void unknownFieldsAreIgnoredAtEveryLevel() throws Exception {
    ClientMessage message = codec.decodeClient("{\"action\":\"announce\",\"x\":{\"deep\":[1,{}]},"
        + "\"info_hash\":\"D2L6qLdcAO0vh07WoiT4\",\"peer_id\":\"-PM0203-zw9unGhwyu7J\","
        + "\"offers\":[{\"offer\":{\"type\":\"offer\",\"sdp\":\"v=0\",\"extra\":1},"
        + "\"offer_id\":\"AAAAAAAAAAAAAAAAAAAA\",\"extra\":null}],\"event\":null}");
    assertThat(message).isEqualTo(new Announce(INFO_HASH, PEER_A, null, null, null, null, null,
        List.of(new Offer(BinaryId.ofAscii("AAAAAAAAAAAAAAAAAAAA"), "v=0")), null, null, null));
  }

  // ----- the hlsmesh viewer report (x_hlsmesh)

  private static final String REPORT_ONLY_ANNOUNCE = "{\"numwant\":0,\"uploaded\":0,"
      + "\"downloaded\":0,\"action\":\"announce\",\"info_hash\":\"D2L6qLdcAO0vh07WoiT4\","
      + "\"peer_id\":\"-PM0203-zw9unGhwyu7J\",\"x_hlsmesh\":{\"v\":1,\"cdn\":1048576,"
      + "\"p2p\":3145728,\"up\":2097152,\"stalls\":2,\"stall_ms\":1350,\"peers\":4}}";

  @Test
  void reportOnlyAnnounceEncodesToTheDocumentedBytes() throws Exception {
    Announce announce = Announce.reportOnly(INFO_HASH, PEER_A,
        new ViewerReport(1_048_576, 3_145_728, 2_097_152, 2, 1350, 4));

    assertThat(codec.encode(announce)).isEqualTo(REPORT_ONLY_ANNOUNCE);
    assertThat(new String(codec.encodeToUtf8(announce), StandardCharsets.UTF_8))
        .isEqualTo(REPORT_ONLY_ANNOUNCE);
    assertThat(codec.decodeClient(REPORT_ONLY_ANNOUNCE)).isEqualTo(announce);
    assertThat(announce.report().offload()).isEqualTo(0.75);
  }

  @Test
  void reportGoesAfterTheStandardFieldsOfAStartedAnnounce() throws Exception {
    JsonNode sample = sample("clientAnnounceStartedWithOffers");
    Announce started = (Announce) codec.decodeClient(sample.get("text").asText());
    ViewerReport report = new ViewerReport(0, 0, 0, 0, 0, 0);

    String encoded = codec.encode(started.withReport(report));

    assertThat(encoded).endsWith(",\"x_hlsmesh\":{\"v\":1,\"cdn\":0,\"p2p\":0,\"up\":0,"
        + "\"stalls\":0,\"stall_ms\":0,\"peers\":0}}");
    JsonNode tree = tree(encoded);
    ((com.fasterxml.jackson.databind.node.ObjectNode) tree).remove("x_hlsmesh");
    assertThat(tree).isEqualTo(sample.get("json"));
    assertThat(codec.decodeClient(encoded)).isEqualTo(started.withReport(report));
  }

  @Test
  void reportAtTheLargestExactJavaScriptIntegerDecodes() throws Exception {
    long max = 9_007_199_254_740_991L;
    Announce announce = (Announce) codec.decodeClient(withReport("{\"peers\":" + max
        + ",\"stall_ms\":" + max + ",\"stalls\":" + max + ",\"up\":" + max + ",\"p2p\":"
        + max + ",\"cdn\":" + max + ",\"v\":1}"));

    assertThat(announce.report()).isEqualTo(new ViewerReport(max, max, max, max, max, max));
    assertThat(announce.reportProblem()).isNull();
  }

  @Test
  void unknownKeysInsideTheReportAreIgnored() throws Exception {
    Announce announce = (Announce) codec.decodeClient(withReport("{\"v\":1,\"cdn\":1,"
        + "\"future\":{\"deep\":[1,{\"x\":1,\"y\":2}]},\"p2p\":2,\"up\":3,\"stalls\":4,"
        + "\"stall_ms\":5,\"peers\":6,\"also\":null}"));

    assertThat(announce.report()).isEqualTo(new ViewerReport(1, 2, 3, 4, 5, 6));
  }

  @Test
  void reportOfAnotherVersionIsIgnoredWithoutAProblem() throws Exception {
    for (String v : List.of("0", "2", "99999999999999999999999")) {
      Announce announce = (Announce) codec.decodeClient(withReport("{\"v\":" + v + ",\"cdn\":\"new\"}"));
      assertThat(announce.report()).as("v=%s", v).isNull();
      assertThat(announce.reportProblem()).as("v=%s", v).isNull();
    }
  }

  @Test
  void nullReportIsAbsent() throws Exception {
    Announce announce = (Announce) codec.decodeClient(withReport("null"));
    assertThat(announce.report()).isNull();
    assertThat(announce.reportProblem()).isNull();
  }

  static Stream<Arguments> malformedReports() {
    String rest = ",\"p2p\":2,\"up\":3,\"stalls\":4,\"stall_ms\":5,\"peers\":6}";
    return Stream.of(
        Arguments.of("[1]", "invalid `x_hlsmesh`: expected an object, got an array"),
        Arguments.of("\"v1\"", "invalid `x_hlsmesh`: expected an object, got a string"),
        Arguments.of("7", "invalid `x_hlsmesh`: expected an object, got a number"),
        Arguments.of("{}", "missing `x_hlsmesh.v`"),
        Arguments.of("{\"cdn\":1" + rest, "missing `x_hlsmesh.v`"),
        Arguments.of("{\"v\":\"1\",\"cdn\":1" + rest,
            "invalid `x_hlsmesh.v`: expected an integer, got a string"),
        Arguments.of("{\"v\":1.0,\"cdn\":1" + rest,
            "invalid `x_hlsmesh.v`: expected an integer, got a fractional number"),
        Arguments.of("{\"v\":1" + rest, "missing `x_hlsmesh.cdn`"),
        Arguments.of("{\"v\":1,\"cdn\":-1" + rest,
            "invalid `x_hlsmesh.cdn`: expected an integer 0..9007199254740991, got -1"),
        Arguments.of("{\"v\":1,\"cdn\":9007199254740992" + rest,
            "invalid `x_hlsmesh.cdn`: expected an integer 0..9007199254740991, got 9007199254740992"),
        Arguments.of("{\"v\":1,\"cdn\":1e3" + rest,
            "invalid `x_hlsmesh.cdn`: expected an integer 0..9007199254740991, got 1E+3"),
        Arguments.of("{\"v\":1,\"cdn\":null" + rest,
            "invalid `x_hlsmesh.cdn`: expected an integer 0..9007199254740991, got null"),
        Arguments.of("{\"v\":1,\"cdn\":{\"b\":1}" + rest,
            "invalid `x_hlsmesh.cdn`: expected an integer 0..9007199254740991, got an object"),
        Arguments.of("{\"v\":1,\"cdn\":1,\"p2p\":2,\"up\":3,\"stalls\":4,\"stall_ms\":5}",
            "missing `x_hlsmesh.peers`"));
  }

  @ParameterizedTest
  @MethodSource("malformedReports")
  void malformedReportIsDroppedWithAReasonAndTheAnnounceStillDecodes(String report, String problem)
      throws Exception {
    for (ClientMessage message : List.of(codec.decodeClient(withReport(report)),
        codec.decodeClient(withReport(report).getBytes(StandardCharsets.UTF_8), 0,
            withReport(report).getBytes(StandardCharsets.UTF_8).length))) {
      Announce announce = (Announce) message;
      assertThat(announce.report()).isNull();
      assertThat(announce.reportProblem()).isEqualTo(problem);
      assertThat(announce.infoHash()).isEqualTo(INFO_HASH);
      assertThat(announce.peerId()).isEqualTo(PEER_A);
      assertThat(announce.numwant()).isZero();
    }
  }

  @Test
  void duplicateKeysAreInvalidJsonInsideTheReportToo() {
    // Like any message, one with a report must be JSON without duplicate keys.
    assertThatThrownBy(() -> codec.decodeClient(withReport("{\"v\":1,\"v\":1}")))
        .isInstanceOf(TrackerProtocolException.class)
        .hasMessageStartingWith("invalid JSON: Duplicate field 'v'");
    String twoReports = "{\"action\":\"announce\",\"x_hlsmesh\":null,\"x_hlsmesh\":null}";
    assertThatThrownBy(() -> codec.decodeClient(twoReports))
        .isInstanceOf(TrackerProtocolException.class)
        .hasMessageStartingWith("invalid JSON: Duplicate field 'x_hlsmesh'");
    String nestedAfter = "{\"action\":\"announce\",\"x_hlsmesh\":{},\"x\":{\"a\":1,\"a\":1}}";
    assertThatThrownBy(() -> codec.decodeClient(nestedAfter))
        .isInstanceOf(TrackerProtocolException.class)
        .hasMessageStartingWith("invalid JSON: Duplicate field 'a'");
  }

  @Test
  void reportOnAnAnswerIsIgnored() throws Exception {
    String answer = sample("clientAnswer").get("text").asText();
    String withReport = answer.substring(0, answer.length() - 1)
        + ",\"x_hlsmesh\":{\"v\":1,\"cdn\":-5}}";
    assertThat(codec.decodeClient(withReport)).isEqualTo(codec.decodeClient(answer));
  }

  @Test
  void announceRejectsAReportTogetherWithAProblem() {
    ViewerReport report = new ViewerReport(0, 0, 0, 0, 0, 0);
    assertThatThrownBy(() -> new Announce(INFO_HASH, PEER_A, null, 0, 0L, 0L, null, List.of(),
        null, report, "missing `x_hlsmesh.v`"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ViewerReport(0, ViewerReport.MAX_VALUE + 1, 0, 0, 0, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("p2pBytes: 9007199254740992 (expected: 0..9007199254740991)");
    assertThatThrownBy(() -> new ViewerReport(0, 0, 0, -1, 0, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static String withReport(String report) {
    return "{\"action\":\"announce\",\"info_hash\":\"D2L6qLdcAO0vh07WoiT4\","
        + "\"peer_id\":\"-PM0203-zw9unGhwyu7J\",\"numwant\":0,\"x_hlsmesh\":" + report + "}";
  }

  @Test
  void invalidUtf8BytesAreATypedError() {
    byte[] bytes = {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
    assertThatThrownBy(() -> codec.decodeClient(bytes, 0, bytes.length))
        .isInstanceOf(TrackerProtocolException.class)
        .hasMessageStartingWith("invalid JSON: Invalid UTF-8");
  }

  @Test
  void malformedServerMessagesAreRejected() {
    assertThatThrownBy(() -> codec.decodeServer("{\"action\":\"announce\","
        + "\"info_hash\":\"D2L6qLdcAO0vh07WoiT4\",\"complete\":1}"))
        .isInstanceOf(TrackerProtocolException.class).hasMessage("missing `interval`");
    assertThatThrownBy(() -> codec.decodeServer("{\"action\":\"scrape\",\"files\":{\"x\":{}}}"))
        .isInstanceOf(TrackerProtocolException.class)
        .hasMessage("invalid key of `files`: expected 20 characters, got 1");
    assertThatThrownBy(() -> codec.decodeServer("{\"action\":\"announce\","
        + "\"info_hash\":\"D2L6qLdcAO0vh07WoiT4\",\"offer\":{\"type\":\"offer\",\"sdp\":\"\"},"
        + "\"peer_id\":\"-PM0203-zw9unGhwyu7J\"}"))
        .isInstanceOf(TrackerProtocolException.class).hasMessage("missing `offer_id`");
    assertThatThrownBy(() -> codec.decodeServer("{\"failure reason\":7}"))
        .isInstanceOf(TrackerProtocolException.class)
        .hasMessage("invalid `failure reason`: expected a string, got an integer");
  }
}
