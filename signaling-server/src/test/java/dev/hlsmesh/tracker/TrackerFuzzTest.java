package dev.hlsmesh.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hlsmesh.protocol.tracker.BinaryId;
import dev.hlsmesh.protocol.tracker.Scrape;
import dev.hlsmesh.testsupport.WebSocketTestClient;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.slf4j.LoggerFactory;

/**
 * Fuzzes the tracker's message handling through a real tracker and real WebSocket connections:
 * generated announces, answers and scrapes (valid, almost valid, and garbage) from one
 * connection, while a bystander peer sits in a swarm the fuzzer also uses.
 *
 * <p>Per input: the tracker either answers (the connection stays open: a barrier scrape gets
 * its response) or closes with a documented WebSocket status; never a close without a status,
 * never an "unexpected error" in its log. After the run: the bystander still works, and the
 * tracker's swarm state is bounded by its limits. The regular build runs jqwik's default 1000
 * tries per property; {@code -Pfuzz} raises it (docs/security.md, "Fuzzing").
 */
class TrackerFuzzTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final String SCRAPE_BARRIER = TestPeer.CODEC.encode(
      new Scrape(List.of(TestPeer.BARRIER_HASH)));
  /** Info hashes and peer ids the generator draws from, so that inputs interact. */
  private static final List<String> IDS = List.of("D2L6qLdcAO0vh07WoiT4", "swarm-two-swarm-two!",
      "-TP-bystander_______", "-JV0100-abcdefghijkl", "\u0000\u00ff\"\\\n-latin1-chars-x",
      "short", "twenty-one-characters", "\u0100" + "x".repeat(19), "");
  private static final int MAX_SWARMS_PER_CONNECTION = 4;

  private static Tracker tracker;
  private static TestPeer bystander;
  private static WebSocketTestClient fuzzer;
  private static ListAppender<ILoggingEvent> log;
  private static final AtomicLong inputs = new AtomicLong();

  @BeforeContainer
  static void start() {
    tracker = Tracker.start(TrackerTesting.config()
        .maxSwarmsPerConnection(MAX_SWARMS_PER_CONNECTION).maxMessageBytes(65_536).build());
    log = new ListAppender<>();
    log.start();
    for (String name : List.of("dev.hlsmesh.tracker.http", "dev.hlsmesh.tracker.session")) {
      ((Logger) LoggerFactory.getLogger(name)).addAppender(log);
    }
    bystander = TestPeer.connect(tracker, "bystander");
    bystander.announce(BinaryId.ofAscii(IDS.get(0)), List.of());
    fuzzer = WebSocketTestClient.connect(tracker.webSocketUri());
  }

  @AfterContainer
  static void stop() {
    try {
      // The bystander was never disturbed: it still announces and sees its swarm.
      bystander.ws.send(SCRAPE_BARRIER);
      drainUntilBarrier(bystander.ws, new String[1]);
      assertThat(bystander.announce(BinaryId.ofAscii(IDS.get(0)), List.of()).incomplete())
          .isBetween(1, 1 + MAX_SWARMS_PER_CONNECTION);
      // State stays bounded: the fuzzer's connection holds at most its swarm limit, and all of
      // it goes away with the connection.
      JsonNode stats = TrackerTesting.stats(tracker);
      assertThat(stats.path("swarms").asInt()).isLessThanOrEqualTo(1 + MAX_SWARMS_PER_CONNECTION);
      assertThat(stats.path("peers").asInt()).isLessThanOrEqualTo(1 + MAX_SWARMS_PER_CONNECTION);
      fuzzer.close();
      org.awaitility.Awaitility.await().until(
          () -> TrackerTesting.stats(tracker).path("connections").asInt() == 1);
      assertThat(TrackerTesting.stats(tracker).path("peers").asInt()).isEqualTo(1);
      assertThat(unexpectedErrors()).isEmpty();
    } finally {
      bystander.close();
      tracker.close();
      for (String name : List.of("dev.hlsmesh.tracker.http", "dev.hlsmesh.tracker.session")) {
        ((Logger) LoggerFactory.getLogger(name)).detachAppender(log);
      }
    }
  }

  @Property
  void structuredMessagesAreAnsweredOrRefusedByPolicy(@ForAll("messages") String message) {
    check(message);
  }

  @Property
  void mutatedAndGarbageTextIsAnsweredOrRefusedByPolicy(@ForAll("garbage") String message) {
    check(message);
  }

  private static void check(String message) {
    inputs.incrementAndGet();
    fuzzer.send(message);
    fuzzer.send(SCRAPE_BARRIER);
    String[] firstReply = new String[1];
    if (!drainUntilBarrier(fuzzer, firstReply)) {
      WebSocketTestClient.Close close = fuzzer.awaitClose();
      // Only the documented policy closes: 1007 bad UTF-8, 1008 policy, 1009 too big.
      assertThat(close.code()).as("close after %s", message).isIn(1007, 1008, 1009);
      firstReply[0] = "closed " + close.code();
      fuzzer = WebSocketTestClient.connect(tracker.webSocketUri());
    }
    Statistics.label("reply").collect(firstReply[0] == null ? "none" : firstReply[0]);
    assertThat(unexpectedErrors()).as("after %s", message).isEmpty();
    if (inputs.get() % 200 == 0) {
      bystander.ws.send(SCRAPE_BARRIER);
      assertThat(drainUntilBarrier(bystander.ws, new String[1])).isTrue();
    }
  }

  /**
   * Reads until the barrier's scrape response; false if the connection closed first. The kind
   * of the first other message goes to {@code firstReply[0]}.
   */
  private static boolean drainUntilBarrier(WebSocketTestClient ws, String[] firstReply) {
    while (true) {
      String text;
      try {
        text = ws.nextText();
      } catch (AssertionError closed) {
        if (ws.isOpen()) {
          throw closed;
        }
        return false;
      }
      JsonNode node;
      try {
        node = JSON.readTree(text);
      } catch (java.io.IOException e) {
        throw new AssertionError("tracker sent invalid JSON: " + text, e);
      }
      assertThat(node.isObject()).as(text).isTrue();
      if (node.path("action").asText().equals("scrape") && node.has("files")
          && node.path("files").has(TestPeer.BARRIER_HASH.toWireString())) {
        return true;
      }
      if (firstReply[0] == null) {
        firstReply[0] = node.has("failure reason") ? "failure: " + gist(node)
            : node.has("offer") ? "relayed offer" : node.has("answer") ? "relayed answer"
            : node.path("action").asText("?") + " response";
      }
    }
  }

  /** A failure's reason without its details, to group the statistics. */
  private static String gist(JsonNode failure) {
    String reason = failure.path("failure reason").asText();
    int cut = reason.length();
    for (char c : new char[] {':', '(', '`', '"'}) {
      int at = reason.indexOf(c);
      if (at >= 0 && at < cut) {
        cut = at;
      }
    }
    return reason.substring(0, Math.min(cut, 40)).strip();
  }

  private static List<String> unexpectedErrors() {
    List<ILoggingEvent> events;
    // Event loops append under the appender's monitor (AppenderBase.doAppend is synchronized):
    // copy under it too, or a concurrent append can break the iteration.
    synchronized (log) {
      events = List.copyOf(log.list);
    }
    return events.stream()
        .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN)
            && (e.getThrowableProxy() != null || e.getFormattedMessage().contains("unexpected")))
        .map(ILoggingEvent::getFormattedMessage).toList();
  }

  // ---- generators ----

  @Provide
  Arbitrary<String> messages() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(4, announces(true)),
        net.jqwik.api.Tuple.of(2, announces(false)),
        net.jqwik.api.Tuple.of(2, answers()),
        net.jqwik.api.Tuple.of(1, scrapes()),
        net.jqwik.api.Tuple.of(1, objects(3)))
        .map(TrackerFuzzTest::write);
  }

  @Provide
  Arbitrary<String> garbage() {
    Arbitrary<String> truncated = Combinators.combine(messages(), Arbitraries.doubles()
        .between(0, 1)).as((m, f) -> m.substring(0, (int) (m.length() * f)));
    Arbitrary<String> spliced = Combinators.combine(messages(), Arbitraries.integers()
        .greaterOrEqual(0), Arbitraries.strings().ofMaxLength(4))
        .as((m, at, s) -> {
          int i = m.isEmpty() ? 0 : Math.floorMod(at, m.length());
          return m.substring(0, i) + s + m.substring(i);
        });
    Arbitrary<String> deep = Arbitraries.integers().between(1, 3000)
        .map(n -> "[".repeat(n) + "]".repeat(n));
    Arbitrary<String> duplicateKeys = Arbitraries.of("announce", "scrape")
        .map(a -> "{\"action\":\"" + a + "\",\"action\":\"scrape\",\"info_hash\":\"" + IDS.get(0)
            + "\"}");
    return Arbitraries.oneOf(truncated, spliced, deep, duplicateKeys,
        Arbitraries.strings().ofMaxLength(200),
        Arbitraries.of("", "null", "[]", "{}", "\"announce\"", "1e999", "{\"action\":null}"));
  }

  /** Announces; {@code mostlyValid} ones usually pass validation and reach the swarms. */
  private Arbitrary<JsonNode> announces(boolean mostlyValid) {
    Arbitrary<JsonNode> validEvent = Arbitraries.of("started", "stopped", "completed", "update")
        .map(NODES::textNode);
    Arbitrary<JsonNode> event = mostlyValid ? validEvent.injectNull(0.4)
        : optional(Arbitraries.oneOf(validEvent, Arbitraries.of("paused", "empty", "", "STARTED")
            .map(NODES::textNode), values()));
    Arbitrary<JsonNode> offers = offer(mostlyValid).list().ofMaxSize(mostlyValid ? 6 : 12)
        .map(list -> {
          ArrayNode array = NODES.arrayNode();
          list.forEach(array::add);
          return array;
        });
    Arbitrary<JsonNode> id = mostlyValid ? validId() : idOrJunk();
    Arbitrary<JsonNode> numwant = mostlyValid
        ? Arbitraries.integers().between(0, 60).map(n -> (JsonNode) NODES.numberNode(n))
            .injectNull(0.3)
        : optional(numbers());
    Arbitrary<JsonNode> offerList = mostlyValid ? offers.injectNull(0.2)
        : optional(Arbitraries.oneOf(offers, values()));
    return Combinators.combine(id, id, event, numwant, offerList, optional(numbers()))
        .as((infoHash, peerId, ev, want, list, left) -> {
          ObjectNode o = NODES.objectNode().put("action", "announce");
          putIfPresent(o, "info_hash", infoHash);
          putIfPresent(o, "peer_id", peerId);
          putIfPresent(o, "event", ev);
          putIfPresent(o, "numwant", want);
          putIfPresent(o, "offers", list);
          putIfPresent(o, "left", left);
          return o;
        });
  }

  private Arbitrary<JsonNode> answers() {
    Arbitrary<JsonNode> answer = Combinators.combine(Arbitraries.of("answer", "offer", "x"),
        Arbitraries.strings().ofMaxLength(50)).as((type, sdp) ->
        NODES.objectNode().put("type", type).put("sdp", sdp));
    Arbitrary<JsonNode> id = Arbitraries.oneOf(validId(), idOrJunk());
    return Combinators.combine(id, id, optional(id), optional(id),
        Arbitraries.oneOf(answer, values()))
        .as((infoHash, peerId, toPeer, offerId, a) -> {
          ObjectNode o = NODES.objectNode().put("action", "announce");
          putIfPresent(o, "info_hash", infoHash);
          putIfPresent(o, "peer_id", peerId);
          putIfPresent(o, "to_peer_id", toPeer);
          putIfPresent(o, "offer_id", offerId);
          o.set("answer", a);
          return o;
        });
  }

  private Arbitrary<JsonNode> scrapes() {
    Arbitrary<JsonNode> many = idOrJunk().list().ofMaxSize(300).map(list -> {
      ArrayNode array = NODES.arrayNode();
      list.forEach(array::add);
      return array;
    });
    return optional(Arbitraries.oneOf(idOrJunk(), many)).map(hashes -> {
      ObjectNode o = NODES.objectNode().put("action", "scrape");
      putIfPresent(o, "info_hash", hashes);
      return o;
    });
  }

  private Arbitrary<JsonNode> offer(boolean mostlyValid) {
    if (mostlyValid) {
      return Combinators.combine(Arbitraries.strings().alpha().ofMaxLength(30),
          Arbitraries.strings().withCharRange('\u0000', '\u00ff').ofLength(20))
          .as((sdp, id) -> {
            ObjectNode node = NODES.objectNode();
            node.set("offer", NODES.objectNode().put("type", "offer").put("sdp", "v=0\r\n" + sdp));
            node.put("offer_id", id);
            return node;
          });
    }
    Arbitrary<JsonNode> inner = Combinators.combine(Arbitraries.of("offer", "answer", ""),
        Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(40),
            Arbitraries.just("v=0\r\n" + "a=candidate:1 1 udp 1 127.0.0.1 9 typ host\r\n")))
        .as((type, sdp) -> NODES.objectNode().put("type", type).put("sdp", sdp));
    return Combinators.combine(optional(Arbitraries.oneOf(inner, values())), optional(idOrJunk()))
        .as((o, id) -> {
          ObjectNode node = NODES.objectNode();
          putIfPresent(node, "offer", o);
          putIfPresent(node, "offer_id", id);
          return node;
        });
  }

  /** A valid id from the pool. */
  private Arbitrary<JsonNode> validId() {
    return Arbitraries.of(IDS.subList(0, 5)).map(NODES::textNode);
  }

  /** Mostly ids from the pool (valid or not), sometimes any string or any JSON value. */
  private Arbitrary<JsonNode> idOrJunk() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(8, Arbitraries.of(IDS).map(NODES::textNode)),
        net.jqwik.api.Tuple.of(1, Arbitraries.strings().ofMaxLength(25).map(NODES::textNode)),
        net.jqwik.api.Tuple.of(1, values()));
  }

  private Arbitrary<JsonNode> numbers() {
    return Arbitraries.oneOf(
        Arbitraries.integers().map(NODES::numberNode),
        Arbitraries.longs().map(NODES::numberNode),
        Arbitraries.doubles().map(NODES::numberNode),
        Arbitraries.of(-1, 0, 5, 50, 1000, Integer.MAX_VALUE).map(NODES::numberNode));
  }

  private Arbitrary<JsonNode> values() {
    return Arbitraries.oneOf(numbers(), Arbitraries.strings().ofMaxLength(10).map(NODES::textNode),
        Arbitraries.of(NODES.nullNode(), NODES.booleanNode(true), NODES.arrayNode(),
            NODES.objectNode()));
  }

  /** Random objects with protocol and other keys, nested up to {@code depth}. */
  private Arbitrary<JsonNode> objects(int depth) {
    Arbitrary<JsonNode> value = depth == 0 ? values()
        : Arbitraries.oneOf(values(), idOrJunk(), Arbitraries.lazy(() -> objects(depth - 1)));
    Arbitrary<String> key = Arbitraries.oneOf(Arbitraries.of("action", "info_hash", "peer_id",
        "offers", "answer", "offer", "to_peer_id", "offer_id", "event", "numwant", "left"),
        Arbitraries.strings().ofMaxLength(8));
    return Combinators.combine(key, value).as(java.util.Map::entry).list().ofMaxSize(6)
        .map(entries -> {
          ObjectNode o = NODES.objectNode();
          entries.forEach(e -> o.set(e.getKey(), e.getValue()));
          return o;
        });
  }

  private static <T> Arbitrary<T> optional(Arbitrary<T> arbitrary) {
    return arbitrary.injectNull(0.3);
  }

  private static void putIfPresent(ObjectNode o, String key, JsonNode value) {
    if (value != null) {
      o.set(key, value);
    }
  }

  private static String write(JsonNode node) {
    try {
      return JSON.writeValueAsString(node);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
