package dev.hlsmesh.tracker;

import static dev.hlsmesh.tracker.TestPeer.offers;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hlsmesh.protocol.tracker.BinaryId;
import dev.hlsmesh.protocol.tracker.RelayedAnswer;
import dev.hlsmesh.protocol.tracker.RelayedOffer;
import dev.hlsmesh.testsupport.WebSocketTestClient;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kind of bad input gets its documented answer (docs/protocol.md, "Bad input") on its own
 * connection, while a well-behaved pair of peers on other connections keeps exchanging offers
 * and answers.
 */
class MalformedInputTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final BinaryId SWARM = BinaryId.ofAscii("D2L6qLdcAO0vh07WoiT4");
  private static final String IH = "\"info_hash\":\"D2L6qLdcAO0vh07WoiT4\"";
  private static final String PID = "\"peer_id\":\"-PM0203-zw9unGhwyu7J\"";
  private static final String ANNOUNCE = "{\"action\":\"announce\"," + IH + "," + PID;
  private static final String OFFER =
      "{\"offer\":{\"type\":\"offer\",\"sdp\":\"v=0\"},\"offer_id\":\"AAAAAAAAAAAAAAAAAAAA\"}";
  private static final String ANSWER = "\"answer\":{\"type\":\"answer\",\"sdp\":\"v=0\"}";

  private static Tracker tracker;
  private static TestPeer goodA;
  private static TestPeer goodB;

  @BeforeAll
  static void start() {
    tracker = Tracker.start(TrackerTesting.config().ioThreads(2).build());
    goodA = TestPeer.connect(tracker, "goodA");
    goodB = TestPeer.connect(tracker, "goodB");
    goodA.announce(SWARM, List.of());
    goodB.announce(SWARM, List.of());
  }

  @AfterAll
  static void stop() {
    goodA.close();
    goodB.close();
    tracker.close();
  }

  /** Expected reply: an exact failure message, or a close with a code. */
  record Expected(String failureJson, int closeCode) {
    static Expected failure(String json) {
      return new Expected(json, 0);
    }

    static Expected close(int code) {
      return new Expected(null, code);
    }
  }

  private static Arguments text(String name, String text, Expected expected) {
    return Arguments.of(name, (Consumer<WebSocketTestClient>) c -> c.send(text), expected);
  }

  private static Expected failure(String reason) {
    return Expected.failure("{\"failure reason\":" + quote(reason) + "}");
  }

  private static Expected announceFailure(String reason, boolean withHash) {
    return Expected.failure("{\"action\":\"announce\",\"failure reason\":" + quote(reason)
        + (withHash ? "," + IH : "") + "}");
  }

  private static String quote(String s) {
    return JSON.getNodeFactory().textNode(s).toString();
  }

  static Stream<Arguments> badInputs() {
    return Stream.of(
        text("not JSON", "{not json", failure(
            "invalid JSON: Unexpected character ('n' (code 110)): was expecting double-quote to"
                + " start field name (at offset 1)")),
        text("empty message", "", failure("invalid message: empty")),
        text("JSON array", "[1,2,3]", failure(
            "invalid message: expected a JSON object, got an array")),
        text("JSON string", "\"announce\"", failure(
            "invalid message: expected a JSON object, got a string")),
        text("missing action", "{" + IH + "}", failure("missing `action`")),
        text("unknown action", "{\"action\":\"foo\"}", failure(
            "invalid `action`: expected \"announce\" or \"scrape\", got \"foo\"")),
        text("action of wrong type", "{\"action\":[]}", failure(
            "invalid `action`: expected a string, got an array")),
        text("info_hash too short", "{\"action\":\"announce\",\"info_hash\":\"too-short\"," + PID
            + "}", announceFailure("invalid `info_hash`: expected 20 characters, got 9", false)),
        text("info_hash too long", "{\"action\":\"announce\",\"info_hash\":\"D2L6qLdcAO0vh07WoiT4x\","
            + PID + "}", announceFailure(
                "invalid `info_hash`: expected 20 characters, got 21", false)),
        text("info_hash char above U+00FF",
            "{\"action\":\"announce\",\"info_hash\":\"D2L6qLdcAO0vh07WoiT\u20ac\"," + PID + "}",
            announceFailure(
                "invalid `info_hash`: character 19 is U+20AC, expected U+0000..U+00FF", false)),
        text("peer_id of wrong type", "{\"action\":\"announce\"," + IH + ",\"peer_id\":12}",
            announceFailure("invalid `peer_id`: expected a string, got an integer", true)),
        text("huge numwant", ANNOUNCE + ",\"numwant\":1e400}", announceFailure(
            "invalid `numwant`: expected an integer 0..2147483647, got 1E+400", true)),
        text("negative numwant", ANNOUNCE + ",\"numwant\":-5}", announceFailure(
            "invalid `numwant`: expected an integer 0..2147483647, got -5", true)),
        text("huge uploaded", ANNOUNCE + ",\"uploaded\":99999999999999999999999}",
            announceFailure("invalid `uploaded`: expected an integer 0..9223372036854775807,"
                + " got 99999999999999999999999", true)),
        text("unknown event", ANNOUNCE + ",\"event\":\"begin\"}", announceFailure(
            "invalid `event`: expected one of \"started\", \"stopped\", \"completed\", "
                + "\"update\", \"paused\", \"empty\"; got \"begin\"", true)),
        text("offers not an array", ANNOUNCE + ",\"offers\":{}}", announceFailure(
            "invalid `offers`: expected an array, got an object", true)),
        text("offer without offer_id", ANNOUNCE
            + ",\"offers\":[{\"offer\":{\"type\":\"offer\",\"sdp\":\"v=0\"}}]}",
            announceFailure("missing `offers[0].offer_id`", true)),
        text("offer of type answer", ANNOUNCE
            + ",\"offers\":[{\"offer\":{\"type\":\"answer\",\"sdp\":\"v=0\"},"
            + "\"offer_id\":\"AAAAAAAAAAAAAAAAAAAA\"}]}",
            announceFailure("invalid `offers[0].offer.type`: expected \"offer\", got \"answer\"",
                true)),
        text("too many offers", ANNOUNCE + ",\"offers\":[" + String.join(",",
            Collections.nCopies(11, OFFER)) + "]}",
            announceFailure("too many offers: 11 (max 10)", true)),
        text("answer to an unknown peer", ANNOUNCE + "," + ANSWER
            + ",\"to_peer_id\":\"-PM0203-nonexistent_\",\"offer_id\":\"AAAAAAAAAAAAAAAAAAAA\"}",
            announceFailure("unknown offer: no pending offer with this `offer_id` from"
                + " `to_peer_id` to `peer_id` on this connection (it may have expired or been"
                + " answered already)", true)),
        text("answer without an offer", ANNOUNCE + "," + ANSWER
            + ",\"to_peer_id\":\"-TP-goodA___________\",\"offer_id\":\"AAAAAAAAAAAAAAAAAAAA\"}",
            announceFailure("unknown offer: no pending offer with this `offer_id` from"
                + " `to_peer_id` to `peer_id` on this connection (it may have expired or been"
                + " answered already)", true)),
        text("answer without to_peer_id", ANNOUNCE + "," + ANSWER
            + ",\"offer_id\":\"AAAAAAAAAAAAAAAAAAAA\"}",
            announceFailure("missing `to_peer_id` (required with `answer`)", true)),
        text("answer and offers together", ANNOUNCE + "," + ANSWER + ",\"offers\":[" + OFFER
            + "]}", announceFailure(
                "invalid announce: `answer` and `offers` cannot be combined", true)),
        text("duplicate key", "{\"action\":\"announce\",\"action\":\"scrape\"}", failure(
            "invalid JSON: Duplicate field 'action' (at offset 29)")),
        text("trailing garbage", "{\"action\":\"scrape\"," + IH + "} trailing", failure(
            "invalid message: unexpected content after the JSON object")),
        text("nesting too deep", "{\"x\":" + "[".repeat(2000) + "]".repeat(2000) + "}",
            failure("invalid JSON: Document nesting depth (1001) exceeds the maximum allowed"
                + " (1000, from `StreamReadConstraints.getMaxNestingDepth()`)")),
        text("full scrape", "{\"action\":\"scrape\"}", Expected.failure(
            "{\"action\":\"scrape\",\"failure reason\":"
                + "\"full scrapes are not allowed: name the info hashes\"}")),
        text("scrape with a bad hash", "{\"action\":\"scrape\",\"info_hash\":[\"x\"]}",
            Expected.failure("{\"action\":\"scrape\",\"failure reason\":"
                + "\"invalid `info_hash[0]`: expected 20 characters, got 1\"}")),
        text("oversized frame", "{\"action\":\"scrape\",\"pad\":\"" + "x".repeat(70_000) + "\"}",
            Expected.close(1009)),
        Arguments.of("binary frame", (Consumer<WebSocketTestClient>) c ->
            c.sendBinary("{\"action\":\"scrape\"}".getBytes(StandardCharsets.US_ASCII)),
            Expected.close(1003)),
        Arguments.of("invalid UTF-8", (Consumer<WebSocketTestClient>) c ->
            c.sendTextBytes(new byte[] {'{', '"', (byte) 0xFF, '"', '}'}), Expected.close(1007)),
        Arguments.of("unmasked frame", (Consumer<WebSocketTestClient>) c ->
            c.sendRaw(new byte[] {(byte) 0x81, 0x02, '{', '}'}), Expected.close(1002)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badInputs")
  void badInputGetsItsDocumentedAnswerAndOthersKeepWorking(
      String name, Consumer<WebSocketTestClient> send, Expected expected) throws Exception {
    try (WebSocketTestClient bad = WebSocketTestClient.connect(tracker.webSocketUri())) {
      send.accept(bad);

      if (expected.failureJson() != null) {
        assertThat(JSON.readTree(bad.nextText())).isEqualTo(JSON.readTree(expected.failureJson()));
        // The connection stays usable after a failure reply.
        bad.send("{\"action\":\"scrape\"," + IH + "}");
        assertThat(bad.nextText()).startsWith("{\"action\":\"scrape\",\"files\":");
      } else {
        assertThat(bad.awaitClose().code()).isEqualTo(expected.closeCode());
      }
    }
    goodB.announce(SWARM, null, offers(1));
    RelayedOffer offer = goodA.next(RelayedOffer.class);
    goodA.answer(offer, "answer after " + name);
    assertThat(goodB.next(RelayedAnswer.class).sdp()).isEqualTo("answer after " + name);
  }
}
