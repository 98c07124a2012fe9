package dev.hlsmesh.protocol.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

class TrackerCodecPropertyTest {

  private final TrackerCodec codec = new TrackerCodec();

  private static final List<String> SAMPLE_TEXTS = sampleTexts();

  private static List<String> sampleTexts() {
    List<String> texts = new ArrayList<>();
    for (Iterator<String> names = TrackerVectors.samples().fieldNames(); names.hasNext(); ) {
      texts.add(TrackerVectors.sample(names.next()).get("text").asText());
    }
    return texts;
  }

  /** Runs both decoders and fails on anything but success or the typed exception. */
  private void decodeBothWays(String text) {
    try {
      codec.decodeClient(text);
    } catch (TrackerProtocolException expected) {
      assertThat(expected.getMessage()).isNotBlank();
    }
    try {
      codec.decodeServer(text);
    } catch (TrackerProtocolException expected) {
      assertThat(expected.getMessage()).isNotBlank();
    }
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    try {
      codec.decodeClient(bytes, 0, bytes.length);
    } catch (TrackerProtocolException expected) {
      assertThat(expected.getMessage()).isNotBlank();
    }
  }

  @Property(tries = 1000)
  void decodeOfArbitraryTextThrowsOnlyTheTypedException(@ForAll String text) {
    decodeBothWays(text);
  }

  @Property(tries = 1000)
  void decodeOfArbitraryBytesThrowsOnlyTheTypedException(@ForAll byte[] bytes) {
    try {
      codec.decodeClient(bytes, 0, bytes.length);
    } catch (TrackerProtocolException expected) {
      assertThat(expected.getMessage()).isNotBlank();
    }
    try {
      codec.decodeServer(bytes, 0, bytes.length);
    } catch (TrackerProtocolException expected) {
      assertThat(expected.getMessage()).isNotBlank();
    }
  }

  @Property(tries = 1500)
  void decodeOfMutatedSamplesThrowsOnlyTheTypedException(
      @ForAll @IntRange(min = 0, max = 10) int sample, @ForAll long seed,
      @ForAll @IntRange(min = 1, max = 8) int mutations) {
    String text = SAMPLE_TEXTS.get(sample % SAMPLE_TEXTS.size());
    Random random = new Random(seed);
    StringBuilder mutated = new StringBuilder(text);
    String alphabet = "{}[]\":,0123456789-.eE \\u0041nulltruefalse\u00ff\u0100\ud83d\ude00";
    for (int i = 0; i < mutations && mutated.length() > 0; i++) {
      int at = random.nextInt(mutated.length());
      switch (random.nextInt(3)) {
        case 0 -> mutated.deleteCharAt(at);
        case 1 -> mutated.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
        default -> mutated.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
      }
    }
    decodeBothWays(mutated.toString());
  }

  @Property(tries = 1500)
  void decodeOfStructurallyPlausibleJsonThrowsOnlyTheTypedException(
      @ForAll("plausibleMessages") String json) {
    decodeBothWays(json);
  }

  @Provide
  Arbitrary<String> plausibleMessages() {
    Arbitrary<String> keys = Arbitraries.of("action", "info_hash", "peer_id", "to_peer_id",
        "offer_id", "event", "numwant", "uploaded", "left", "offers", "offer", "answer",
        "trackerid", "complete", "interval", "min interval", "failure reason", "files", "flags",
        "type", "sdp", "x");
    Arbitrary<String> scalars = Arbitraries.oneOf(
        Arbitraries.of("\"announce\"", "\"scrape\"", "\"offer\"", "\"answer\"", "\"started\"",
            "\"D2L6qLdcAO0vh07WoiT4\"", "\"AAAAAAAAAAAAAAAAAAA\\u0100\"", "null", "true", "-1",
            "0", "1.5", "1e999", "99999999999999999999999", "[]", "{}"),
        Arbitraries.strings().ofMaxLength(25).map(s -> TrackerVectors.MAPPER.valueToTree(s).toString()));
    Arbitrary<String> members = Combinators.combine(keys, scalars).as((k, v) -> "\"" + k + "\":" + v);
    Arbitrary<String> flat = members.list().ofMaxSize(8).map(m -> "{" + String.join(",", m) + "}");
    Arbitrary<String> nested = Combinators.combine(keys, flat.list().ofMaxSize(3), flat)
        .as((k, list, obj) -> "\"" + k + "\":[" + String.join(",", list) + "],\"" + k + "2\":" + obj);
    return Combinators.combine(members.list().ofMaxSize(6), nested)
        .as((m, n) -> "{" + String.join(",", m) + (m.isEmpty() ? "" : ",") + n + "}");
  }

  @Property(tries = 300)
  void announceRoundTripsThroughJson(@ForAll long seed,
      @ForAll @IntRange(min = 0, max = 12) int offerCount, @ForAll String sdp) throws Exception {
    Random random = new Random(seed);
    List<Offer> offers = new ArrayList<>();
    for (int i = 0; i < offerCount; i++) {
      offers.add(new Offer(BinaryId.random(random), sdp + i));
    }
    AnnounceEvent[] events = AnnounceEvent.values();
    Announce announce = new Announce(BinaryId.random(random), BinaryId.random(random),
        random.nextBoolean() ? null : events[random.nextInt(events.length)],
        random.nextBoolean() ? null : random.nextInt(Integer.MAX_VALUE),
        random.nextBoolean() ? null : random.nextLong() & Long.MAX_VALUE, 0L,
        random.nextBoolean() ? null : 0L, offers, random.nextBoolean() ? null : sdp,
        random.nextBoolean() ? null : randomReport(random), null);

    assertThat(codec.decodeClient(codec.encode(announce))).isEqualTo(announce);
    byte[] utf8 = codec.encodeToUtf8(announce);
    assertThat(codec.decodeClient(utf8, 0, utf8.length)).isEqualTo(announce);
  }

  private static ViewerReport randomReport(Random random) {
    long[] v = new long[6];
    for (int i = 0; i < v.length; i++) {
      // Small values, the edges, and anything in between.
      switch (random.nextInt(4)) {
        case 0 -> v[i] = 0;
        case 1 -> v[i] = ViewerReport.MAX_VALUE;
        case 2 -> v[i] = random.nextInt(1000);
        default -> v[i] = (random.nextLong() & Long.MAX_VALUE) % (ViewerReport.MAX_VALUE + 1);
      }
    }
    return new ViewerReport(v[0], v[1], v[2], v[3], v[4], v[5]);
  }

  @Property(tries = 300)
  void reportOnlyAnnounceRoundTripsAndKeepsItsAnnounceShape(@ForAll long seed) throws Exception {
    Random random = new Random(seed);
    Announce announce = Announce.reportOnly(BinaryId.random(random), BinaryId.random(random),
        randomReport(random));

    Announce decoded = (Announce) codec.decodeClient(codec.encode(announce));

    assertThat(decoded).isEqualTo(announce);
    assertThat(decoded.event()).isNull();
    assertThat(decoded.numwant()).isZero();
    assertThat(decoded.offers()).isEmpty();
  }

  /**
   * Whatever sits in {@code x_hlsmesh}, a well-formed announce still decodes: the report is
   * either read back exactly, ignored, or dropped with a reason.
   */
  @Property(tries = 1500)
  void anyReportValueLeavesTheAnnounceValid(@ForAll("reportValues") String reportJson)
      throws Exception {
    String json = "{\"action\":\"announce\",\"info_hash\":\"D2L6qLdcAO0vh07WoiT4\","
        + "\"peer_id\":\"-PM0203-zw9unGhwyu7J\",\"numwant\":0,\"x_hlsmesh\":" + reportJson + "}";

    Announce announce = (Announce) codec.decodeClient(json);

    assertThat(announce.infoHash()).isEqualTo(BinaryId.ofAscii("D2L6qLdcAO0vh07WoiT4"));
    if (announce.report() != null) {
      assertThat(announce.reportProblem()).isNull();
      assertThat(codec.decodeClient(codec.encode(announce))).isEqualTo(announce);
    }
    if (announce.reportProblem() != null) {
      assertThat(announce.reportProblem()).matches("(missing|invalid) `x_hlsmesh.*");
    }
  }

  @Provide
  Arbitrary<String> reportValues() {
    Arbitrary<String> keys = Arbitraries.of("v", "cdn", "p2p", "up", "stalls", "stall_ms",
        "peers", "x", "V");
    Arbitrary<String> scalars = Arbitraries.of("0", "1", "2", "-1", "1.5", "1e3", "null", "true",
        "\"1\"", "[]", "{}", "{\"v\":1,\"w\":2}", "[{\"a\":1,\"b\":1}]", "9007199254740991",
        "9007199254740992", "99999999999999999999999", "123456");
    Arbitrary<String> members =
        Combinators.combine(keys, scalars).as((k, v) -> "\"" + k + "\":" + v);
    // Distinct keys: a duplicate key makes any message invalid JSON, report or not.
    Arbitrary<String> objects = members.list().ofMaxSize(10)
        .uniqueElements(m -> m.substring(0, m.indexOf(':')))
        .map(m -> "{" + String.join(",", m) + "}");
    Arbitrary<String> complete = Arbitraries.longs().between(0, ViewerReport.MAX_VALUE).list()
        .ofSize(6).map(v -> "{\"v\":1,\"cdn\":" + v.get(0) + ",\"p2p\":" + v.get(1)
            + ",\"up\":" + v.get(2) + ",\"stalls\":" + v.get(3) + ",\"stall_ms\":" + v.get(4)
            + ",\"peers\":" + v.get(5) + "}");
    return Arbitraries.oneOf(objects, complete, scalars);
  }

  @Property(tries = 300)
  void relayedMessagesRoundTripThroughJson(@ForAll long seed, @ForAll String sdp)
      throws Exception {
    Random random = new Random(seed);
    RelayedOffer offer = new RelayedOffer(BinaryId.random(random), BinaryId.random(random),
        BinaryId.random(random), sdp);
    RelayedAnswer answer = new RelayedAnswer(BinaryId.random(random), BinaryId.random(random),
        BinaryId.random(random), sdp);
    AnswerAnnounce answerAnnounce = AnswerAnnounce.of(BinaryId.random(random),
        BinaryId.random(random), BinaryId.random(random), BinaryId.random(random), sdp);

    assertThat(codec.decodeServer(codec.encode(offer))).isEqualTo(offer);
    assertThat(codec.decodeServer(codec.encode(answer))).isEqualTo(answer);
    assertThat(codec.decodeClient(codec.encode(answerAnnounce))).isEqualTo(answerAnnounce);
  }
}
