package dev.hlsmesh.protocol.tracker;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.io.SegmentedStringWriter;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Encodes and decodes tracker messages (PROTOCOL.md A) as JSON text.
 *
 * <p>Both directions are supported for both sides: a tracker decodes {@link ClientMessage}s and
 * encodes {@link ServerMessage}s; a tracker client encodes {@link ClientMessage}s and decodes
 * {@link ServerMessage}s.
 *
 * <p>Decoding is strict on the fields it knows (types, ranges, 20-character ids with characters
 * U+0000..U+00FF, enumerated values) and rejects duplicate keys; unknown fields are ignored,
 * deliberately, as both reference trackers do, so that newer clients keep working. The
 * hlsmesh viewer report ({@code x_hlsmesh}, see {@link ViewerReport}) is the one field whose
 * problems never fail a message: a malformed report is dropped and the reason kept in
 * {@link Announce#reportProblem()}; a report of another version is ignored. Every problem
 * is reported as a {@link TrackerProtocolException} whose message says which field is wrong and
 * what was expected; decoding never throws anything else.
 *
 * <p>Encoding writes ids with the ISO-8859-1 mapping: characters U+0080..U+00FF are written as
 * themselves (two UTF-8 bytes), as JavaScript's {@code JSON.stringify} does.
 *
 * <p>Thread-safe: one instance may be shared by all threads.
 */
public final class TrackerCodec {

  // Indexes of the fields we read; any other key is skipped without being materialised.
  private static final int ACTION = 0;
  private static final int INFO_HASH = 1;
  private static final int PEER_ID = 2;
  private static final int TO_PEER_ID = 3;
  private static final int OFFER_ID = 4;
  private static final int EVENT = 5;
  private static final int NUMWANT = 6;
  private static final int UPLOADED = 7;
  private static final int DOWNLOADED = 8;
  private static final int LEFT = 9;
  private static final int OFFERS = 10;
  private static final int OFFER = 11;
  private static final int ANSWER = 12;
  private static final int TRACKER_ID = 13;
  private static final int COMPLETE = 14;
  private static final int INCOMPLETE = 15;
  private static final int INTERVAL = 16;
  private static final int MIN_INTERVAL = 17;
  private static final int WARNING = 18;
  private static final int FAILURE = 19;
  private static final int FILES = 20;
  private static final int FLAGS = 21;
  private static final int X_HLSMESH = 22;
  private static final int FIELD_COUNT = 23;

  /** The hlsmesh viewer-report extension of an announce (docs/protocol.md). */
  static final String REPORT_FIELD = "x_hlsmesh";
  // The report's keys, in the order they are written.
  private static final String[] REPORT_KEYS = {"v", "cdn", "p2p", "up", "stalls", "stall_ms",
      "peers"};

  /** Marks a JSON {@code null} (distinct from an absent key, which is Java {@code null}). */
  private static final Object JSON_NULL = new Object();

  /** Marks a viewer report of another version than {@link ViewerReport#VERSION}: ignored. */
  private static final Object OTHER_REPORT_VERSION = new Object();

  /** A viewer report that was dropped, and why. */
  private record DroppedReport(String problem) {}

  private static final int MAX_QUOTED_VALUE_CHARS = 40;

  private final JsonFactory factory;

  /** Creates a codec; cheap to share, expensive enough not to create per message. */
  public TrackerCodec() {
    this.factory = JsonFactory.builder()
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .build();
  }

  // ---------------------------------------------------------------------------------------------
  // Decoding

  /** Decodes a message sent by a peer to the tracker. */
  public ClientMessage decodeClient(String json) throws TrackerProtocolException {
    requireNonNull(json, "json");
    return toClientMessage(readTopLevel(json, null, 0, 0, null));
  }

  /** Decodes a message sent by a peer to the tracker from UTF-8 bytes. */
  public ClientMessage decodeClient(byte[] utf8, int offset, int length)
      throws TrackerProtocolException {
    requireNonNull(utf8, "utf8");
    return toClientMessage(readTopLevel(null, utf8, offset, length, null));
  }

  /** Decodes a message sent by a peer to the tracker from a UTF-8 stream (read to its end). */
  public ClientMessage decodeClient(InputStream utf8) throws TrackerProtocolException {
    requireNonNull(utf8, "utf8");
    return toClientMessage(readTopLevel(null, null, 0, 0, utf8));
  }

  /** Decodes a message sent by the tracker to a peer. */
  public ServerMessage decodeServer(String json) throws TrackerProtocolException {
    requireNonNull(json, "json");
    return toServerMessage(readTopLevel(json, null, 0, 0, null));
  }

  /** Decodes a message sent by the tracker to a peer from UTF-8 bytes. */
  public ServerMessage decodeServer(byte[] utf8, int offset, int length)
      throws TrackerProtocolException {
    requireNonNull(utf8, "utf8");
    return toServerMessage(readTopLevel(null, utf8, offset, length, null));
  }

  private Object[] readTopLevel(String text, byte[] bytes, int offset, int length, InputStream in)
      throws TrackerProtocolException {
    try (JsonParser p = text != null ? factory.createParser(text)
        : bytes != null ? factory.createParser(bytes, offset, length)
        : factory.createParser(in)) {
      JsonToken first = p.nextToken();
      if (first == null) {
        throw fail("invalid message: empty", null, null);
      }
      if (first != JsonToken.START_OBJECT) {
        throw fail("invalid message: expected a JSON object, got " + describeToken(first),
            null, null);
      }
      Object[] fields = new Object[FIELD_COUNT];
      String name;
      while ((name = p.nextFieldName()) != null) {
        int index = fieldIndex(name);
        JsonToken token = p.nextToken();
        if (index < 0) {
          p.skipChildren();
        } else if (index == X_HLSMESH) {
          fields[index] = readReport(p, token);
        } else {
          fields[index] = readValue(p, token);
        }
      }
      boolean trailing;
      try {
        trailing = p.nextToken() != null;
      } catch (JsonProcessingException e) {
        trailing = true;
      }
      if (trailing) {
        throw fail("invalid message: unexpected content after the JSON object", null, null);
      }
      return fields;
    } catch (JsonProcessingException e) {
      long at = offsetOf(e);
      throw fail("invalid JSON: " + e.getOriginalMessage()
          + (at >= 0 ? " (at offset " + at + ")" : ""), null, null);
    } catch (IOException e) {
      throw fail("invalid JSON: " + e.getMessage(), null, null);
    }
  }

  private static long offsetOf(JsonProcessingException e) {
    if (e.getLocation() == null) {
      return -1;
    }
    long chars = e.getLocation().getCharOffset();
    return chars >= 0 ? chars : e.getLocation().getByteOffset();
  }

  private static int fieldIndex(String name) {
    switch (name) {
      case "action": return ACTION;
      case "info_hash": return INFO_HASH;
      case "peer_id": return PEER_ID;
      case "to_peer_id": return TO_PEER_ID;
      case "offer_id": return OFFER_ID;
      case "event": return EVENT;
      case "numwant": return NUMWANT;
      case "uploaded": return UPLOADED;
      case "downloaded": return DOWNLOADED;
      case "left": return LEFT;
      case "offers": return OFFERS;
      case "offer": return OFFER;
      case "answer": return ANSWER;
      case "trackerid": return TRACKER_ID;
      case "complete": return COMPLETE;
      case "incomplete": return INCOMPLETE;
      case "interval": return INTERVAL;
      case "min interval": return MIN_INTERVAL;
      case "warning message": return WARNING;
      case "failure reason": return FAILURE;
      case "files": return FILES;
      case "flags": return FLAGS;
      case REPORT_FIELD: return X_HLSMESH;
      default: return -1;
    }
  }

  /** Reads the value at {@code token} into String, Number, Boolean, List, Map or JSON_NULL. */
  private static Object readValue(JsonParser p, JsonToken token) throws IOException {
    switch (token) {
      case VALUE_STRING:
        return p.getText();
      case VALUE_NUMBER_INT:
        return p.getNumberValue();
      case VALUE_NUMBER_FLOAT:
        return p.getDecimalValue();
      case VALUE_TRUE:
        return Boolean.TRUE;
      case VALUE_FALSE:
        return Boolean.FALSE;
      case VALUE_NULL:
        return JSON_NULL;
      case START_ARRAY: {
        List<Object> list = new ArrayList<>();
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
          list.add(readValue(p, t));
        }
        return list;
      }
      case START_OBJECT: {
        Map<String, Object> map = new LinkedHashMap<>();
        String name;
        while ((name = p.nextFieldName()) != null) {
          map.put(name, readValue(p, p.nextToken()));
        }
        return map;
      }
      default:
        throw new IllegalStateException("unexpected token " + token);
    }
  }

  /**
   * Reads the value of {@code x_hlsmesh}: a {@link ViewerReport}, {@link #OTHER_REPORT_VERSION},
   * {@link #JSON_NULL} or a {@link DroppedReport}. A malformed report must not fail its
   * announce; the message must still be valid JSON without duplicate keys, like any other.
   */
  private static Object readReport(JsonParser p, JsonToken token) throws IOException {
    if (token == JsonToken.VALUE_NULL) {
      return JSON_NULL;
    }
    if (token != JsonToken.START_OBJECT) {
      p.skipChildren();
      return new DroppedReport("invalid `" + REPORT_FIELD + "`: expected an object, got "
          + describeToken(token));
    }
    Object[] values = new Object[REPORT_KEYS.length];
    String name;
    while ((name = p.nextFieldName()) != null) {
      JsonToken valueToken = p.nextToken();
      int key = reportKey(name);
      if (key < 0) {
        p.skipChildren();
        continue;
      }
      values[key] = readValue(p, valueToken);
    }
    Object version = values[0];
    if (version == null) {
      return new DroppedReport("missing `" + REPORT_FIELD + ".v`");
    }
    if (version instanceof Integer || version instanceof Long || version instanceof BigInteger) {
      if (!(version instanceof Integer v && v == ViewerReport.VERSION)) {
        return OTHER_REPORT_VERSION;
      }
    } else {
      return new DroppedReport("invalid `" + REPORT_FIELD + ".v`: expected an integer, got "
          + describe(version));
    }
    long[] numbers = new long[REPORT_KEYS.length];
    for (int i = 1; i < REPORT_KEYS.length; i++) {
      String path = REPORT_FIELD + "." + REPORT_KEYS[i];
      if (values[i] == null) {
        return new DroppedReport("missing `" + path + "`");
      }
      try {
        Long value = optionalInteger(path, values[i], ViewerReport.MAX_VALUE, null, null);
        if (value == null) {
          return new DroppedReport("invalid `" + path + "`: expected an integer 0.."
              + ViewerReport.MAX_VALUE + ", got null");
        }
        numbers[i] = value;
      } catch (TrackerProtocolException e) {
        return new DroppedReport(e.getMessage());
      }
    }
    return new ViewerReport(numbers[1], numbers[2], numbers[3], numbers[4], numbers[5],
        numbers[6]);
  }

  private static int reportKey(String name) {
    for (int i = 0; i < REPORT_KEYS.length; i++) {
      if (REPORT_KEYS[i].equals(name)) {
        return i;
      }
    }
    return -1;
  }

  private ClientMessage toClientMessage(Object[] f) throws TrackerProtocolException {
    TrackerAction action = requireAction(f[ACTION]);
    if (action == TrackerAction.SCRAPE) {
      return toScrape(f[INFO_HASH]);
    }
    BinaryId infoHash = requireId("info_hash", f[INFO_HASH], action, null);
    BinaryId peerId = requireId("peer_id", f[PEER_ID], action, infoHash);
    String trackerId = optionalString("trackerid", f[TRACKER_ID], action, infoHash);
    if (isPresent(f[ANSWER])) {
      if (isPresent(f[OFFERS])) {
        throw fail("invalid announce: `answer` and `offers` cannot be combined", action, infoHash);
      }
      String sdp = sessionDescription("answer", f[ANSWER], "answer", action, infoHash);
      if (!isPresent(f[TO_PEER_ID])) {
        throw fail("missing `to_peer_id` (required with `answer`)", action, infoHash);
      }
      BinaryId toPeerId = requireId("to_peer_id", f[TO_PEER_ID], action, infoHash);
      if (!isPresent(f[OFFER_ID])) {
        throw fail("missing `offer_id` (required with `answer`)", action, infoHash);
      }
      BinaryId offerId = requireId("offer_id", f[OFFER_ID], action, infoHash);
      return new AnswerAnnounce(infoHash, peerId, toPeerId, offerId, sdp, trackerId);
    }
    AnnounceEvent event = null;
    Object rawEvent = f[EVENT];
    if (isPresent(rawEvent)) {
      if (!(rawEvent instanceof String name)) {
        throw fail("invalid `event`: expected a string, got " + describe(rawEvent),
            action, infoHash);
      }
      event = AnnounceEvent.fromWireName(name);
      if (event == null) {
        throw fail("invalid `event`: expected one of \"started\", \"stopped\", \"completed\", "
            + "\"update\", \"paused\", \"empty\"; got " + quote(name), action, infoHash);
      }
    }
    Long numwant = optionalInteger("numwant", f[NUMWANT], Integer.MAX_VALUE, action, infoHash);
    Long uploaded = optionalInteger("uploaded", f[UPLOADED], Long.MAX_VALUE, action, infoHash);
    Long downloaded =
        optionalInteger("downloaded", f[DOWNLOADED], Long.MAX_VALUE, action, infoHash);
    Long left = optionalInteger("left", f[LEFT], Long.MAX_VALUE, action, infoHash);
    List<Offer> offers = List.of();
    Object rawOffers = f[OFFERS];
    if (isPresent(rawOffers)) {
      if (!(rawOffers instanceof List<?> list)) {
        throw fail("invalid `offers`: expected an array, got " + describe(rawOffers),
            action, infoHash);
      }
      Offer[] parsed = new Offer[list.size()];
      for (int i = 0; i < parsed.length; i++) {
        parsed[i] = toOffer(i, list.get(i), action, infoHash);
      }
      offers = List.of(parsed);
    }
    Object rawReport = f[X_HLSMESH];
    return new Announce(infoHash, peerId, event,
        numwant == null ? null : numwant.intValue(), uploaded, downloaded, left, offers,
        trackerId, rawReport instanceof ViewerReport report ? report : null,
        rawReport instanceof DroppedReport dropped ? dropped.problem() : null);
  }

  private static Offer toOffer(int index, Object raw, TrackerAction action, BinaryId infoHash)
      throws TrackerProtocolException {
    String path = "offers[" + index + "]";
    if (!(raw instanceof Map<?, ?> map)) {
      throw fail("invalid `" + path + "`: expected an object, got " + describe(raw),
          action, infoHash);
    }
    String sdp = sessionDescription(path + ".offer", map.get("offer"), "offer", action, infoHash);
    BinaryId offerId = requireId(path + ".offer_id", map.get("offer_id"), action, infoHash);
    return new Offer(offerId, sdp);
  }

  /** Reads {@code {"type": expectedType, "sdp": string}}. */
  private static String sessionDescription(
      String path, Object raw, String expectedType, TrackerAction action, BinaryId infoHash)
      throws TrackerProtocolException {
    if (raw == null) {
      throw fail("missing `" + path + "`", action, infoHash);
    }
    if (!(raw instanceof Map<?, ?> map)) {
      throw fail("invalid `" + path + "`: expected an object, got " + describe(raw),
          action, infoHash);
    }
    Object type = map.get("type");
    if (!expectedType.equals(type)) {
      throw fail("invalid `" + path + ".type`: expected \"" + expectedType + "\", got "
          + (type instanceof String s ? quote(s) : type == null ? "nothing" : describe(type)),
          action, infoHash);
    }
    Object sdp = map.get("sdp");
    if (!(sdp instanceof String s)) {
      throw fail(sdp == null ? "missing `" + path + ".sdp`"
          : "invalid `" + path + ".sdp`: expected a string, got " + describe(sdp),
          action, infoHash);
    }
    return s;
  }

  private static Scrape toScrape(Object raw) throws TrackerProtocolException {
    TrackerAction action = TrackerAction.SCRAPE;
    if (!isPresent(raw)) {
      return new Scrape(List.of());
    }
    if (raw instanceof String) {
      BinaryId infoHash = requireId("info_hash", raw, action, null);
      return new Scrape(List.of(infoHash));
    }
    if (!(raw instanceof List<?> list)) {
      throw fail("invalid `info_hash`: expected a string or an array of strings, got "
          + describe(raw), action, null);
    }
    if (list.isEmpty()) {
      throw fail("invalid `info_hash`: expected at least one info hash, got an empty array",
          action, null);
    }
    BinaryId[] hashes = new BinaryId[list.size()];
    for (int i = 0; i < hashes.length; i++) {
      hashes[i] = requireId("info_hash[" + i + "]", list.get(i), action, null);
    }
    return new Scrape(List.of(hashes));
  }

  private ServerMessage toServerMessage(Object[] f) throws TrackerProtocolException {
    Object rawFailure = f[FAILURE];
    if (rawFailure != null) {
      if (!(rawFailure instanceof String reason)) {
        throw fail("invalid `failure reason`: expected a string, got " + describe(rawFailure),
            null, null);
      }
      // A failure's action and info_hash are informational: keep them only if well-formed.
      TrackerAction action = null;
      if (f[ACTION] instanceof String a) {
        action = "announce".equals(a) ? TrackerAction.ANNOUNCE
            : "scrape".equals(a) ? TrackerAction.SCRAPE : null;
      }
      BinaryId infoHash = null;
      if (f[INFO_HASH] instanceof String s && s.length() == BinaryId.LENGTH) {
        try {
          infoHash = BinaryId.fromWireString(s);
        } catch (IllegalArgumentException ignored) {
          // A char > U+00FF: the failure stays useful without its hash.
        }
      }
      return new Failure(reason, action, infoHash);
    }
    TrackerAction action = requireAction(f[ACTION]);
    if (action == TrackerAction.SCRAPE) {
      return toScrapeResponse(f);
    }
    BinaryId infoHash = requireId("info_hash", f[INFO_HASH], action, null);
    if (isPresent(f[OFFER]) || isPresent(f[ANSWER])) {
      boolean isOffer = isPresent(f[OFFER]);
      if (isOffer && isPresent(f[ANSWER])) {
        throw fail("invalid announce: `offer` and `answer` cannot be combined", action, infoHash);
      }
      String sdp = isOffer
          ? sessionDescription("offer", f[OFFER], "offer", action, infoHash)
          : sessionDescription("answer", f[ANSWER], "answer", action, infoHash);
      BinaryId peerId = requireId("peer_id", f[PEER_ID], action, infoHash);
      BinaryId offerId = requireId("offer_id", f[OFFER_ID], action, infoHash);
      return isOffer ? new RelayedOffer(infoHash, peerId, offerId, sdp)
          : new RelayedAnswer(infoHash, peerId, offerId, sdp);
    }
    Long complete = optionalInteger("complete", f[COMPLETE], Integer.MAX_VALUE, action, infoHash);
    Long incomplete =
        optionalInteger("incomplete", f[INCOMPLETE], Integer.MAX_VALUE, action, infoHash);
    Long interval = optionalInteger("interval", f[INTERVAL], Integer.MAX_VALUE, action, infoHash);
    if (interval == null) {
      interval = optionalInteger(
          "min interval", f[MIN_INTERVAL], Integer.MAX_VALUE, action, infoHash);
    }
    if (interval == null) {
      throw fail("missing `interval`", action, infoHash);
    }
    String warning = optionalString("warning message", f[WARNING], action, infoHash);
    return new AnnounceResponse(infoHash, complete == null ? 0 : complete.intValue(),
        incomplete == null ? 0 : incomplete.intValue(), interval.intValue(), warning);
  }

  private static ScrapeResponse toScrapeResponse(Object[] f) throws TrackerProtocolException {
    TrackerAction action = TrackerAction.SCRAPE;
    Object rawFiles = f[FILES];
    if (rawFiles == null) {
      throw fail("missing `files`", action, null);
    }
    if (!(rawFiles instanceof Map<?, ?> files)) {
      throw fail("invalid `files`: expected an object, got " + describe(rawFiles), action, null);
    }
    Map<BinaryId, ScrapeResponse.Stats> stats = new LinkedHashMap<>();
    for (Map.Entry<?, ?> entry : files.entrySet()) {
      String key = (String) entry.getKey();
      BinaryId infoHash;
      try {
        infoHash = BinaryId.fromWireString(key);
      } catch (IllegalArgumentException e) {
        throw fail("invalid key of `files`: " + e.getMessage(), action, null);
      }
      if (!(entry.getValue() instanceof Map<?, ?> counters)) {
        throw fail("invalid `files` entry: expected an object, got "
            + describe(entry.getValue()), action, infoHash);
      }
      stats.put(infoHash, new ScrapeResponse.Stats(
          counter("files.complete", counters.get("complete"), action, infoHash),
          counter("files.incomplete", counters.get("incomplete"), action, infoHash),
          counter("files.downloaded", counters.get("downloaded"), action, infoHash)));
    }
    Integer minRequestInterval = null;
    Object rawFlags = f[FLAGS];
    if (isPresent(rawFlags)) {
      if (!(rawFlags instanceof Map<?, ?> flags)) {
        throw fail("invalid `flags`: expected an object, got " + describe(rawFlags),
            action, null);
      }
      Long value = optionalInteger("flags.min_request_interval",
          flags.get("min_request_interval"), Integer.MAX_VALUE, action, null);
      minRequestInterval = value == null ? null : value.intValue();
    }
    return new ScrapeResponse(stats, minRequestInterval);
  }

  private static int counter(String path, Object raw, TrackerAction action, BinaryId infoHash)
      throws TrackerProtocolException {
    Long value = optionalInteger(path, raw, Integer.MAX_VALUE, action, infoHash);
    return value == null ? 0 : value.intValue();
  }

  private static TrackerAction requireAction(Object raw) throws TrackerProtocolException {
    if (raw == null) {
      throw fail("missing `action`", null, null);
    }
    if (!(raw instanceof String name)) {
      throw fail("invalid `action`: expected a string, got " + describe(raw), null, null);
    }
    switch (name) {
      case "announce": return TrackerAction.ANNOUNCE;
      case "scrape": return TrackerAction.SCRAPE;
      default:
        throw fail("invalid `action`: expected \"announce\" or \"scrape\", got " + quote(name),
            null, null);
    }
  }

  private static BinaryId requireId(
      String path, Object raw, TrackerAction action, BinaryId infoHash)
      throws TrackerProtocolException {
    if (raw == null) {
      throw fail("missing `" + path + "`", action, infoHash);
    }
    if (!(raw instanceof String s)) {
      throw fail("invalid `" + path + "`: expected a string, got " + describe(raw),
          action, infoHash);
    }
    try {
      return BinaryId.fromWireString(s);
    } catch (IllegalArgumentException e) {
      throw fail("invalid `" + path + "`: " + e.getMessage(), action, infoHash);
    }
  }

  private static String optionalString(
      String path, Object raw, TrackerAction action, BinaryId infoHash)
      throws TrackerProtocolException {
    if (!isPresent(raw)) {
      return null;
    }
    if (!(raw instanceof String s)) {
      throw fail("invalid `" + path + "`: expected a string, got " + describe(raw),
          action, infoHash);
    }
    return s;
  }

  /** An integer 0..max, or null when absent or JSON null. */
  private static Long optionalInteger(
      String path, Object raw, long max, TrackerAction action, BinaryId infoHash)
      throws TrackerProtocolException {
    if (!isPresent(raw)) {
      return null;
    }
    String expected = "expected an integer 0.." + max;
    if (raw instanceof Integer || raw instanceof Long) {
      long value = ((Number) raw).longValue();
      if (value >= 0 && value <= max) {
        return value;
      }
      throw fail("invalid `" + path + "`: " + expected + ", got " + value, action, infoHash);
    }
    if (raw instanceof BigInteger || raw instanceof BigDecimal) {
      throw fail("invalid `" + path + "`: " + expected + ", got "
          + truncate(raw instanceof BigDecimal d ? d.toString() : raw.toString()),
          action, infoHash);
    }
    throw fail("invalid `" + path + "`: " + expected + ", got " + describe(raw),
        action, infoHash);
  }

  private static boolean isPresent(Object raw) {
    return raw != null && raw != JSON_NULL;
  }

  private static String describe(Object raw) {
    if (raw == JSON_NULL) {
      return "null";
    }
    if (raw instanceof String) {
      return "a string";
    }
    if (raw instanceof BigDecimal) {
      return "a fractional number";
    }
    if (raw instanceof Number) {
      return "an integer";
    }
    if (raw instanceof Boolean) {
      return "a boolean";
    }
    if (raw instanceof List) {
      return "an array";
    }
    return "an object";
  }

  private static String describeToken(JsonToken token) {
    switch (token) {
      case START_ARRAY: return "an array";
      case VALUE_STRING: return "a string";
      case VALUE_NUMBER_INT: case VALUE_NUMBER_FLOAT: return "a number";
      case VALUE_TRUE: case VALUE_FALSE: return "a boolean";
      case VALUE_NULL: return "null";
      default: return token.asString();
    }
  }

  /** Quotes a value from the input for an error message, bounded and printable. */
  private static String quote(String value) {
    StringBuilder out = new StringBuilder(value.length() + 2).append('"');
    int n = Math.min(value.length(), MAX_QUOTED_VALUE_CHARS);
    for (int i = 0; i < n; i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c == '"' || c == '\\' || c > 0x7E) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    if (value.length() > n) {
      out.append("...");
    }
    return out.append('"').toString();
  }

  private static String truncate(String text) {
    return text.length() <= MAX_QUOTED_VALUE_CHARS ? text
        : text.substring(0, MAX_QUOTED_VALUE_CHARS) + "...";
  }

  private static TrackerProtocolException fail(
      String message, TrackerAction action, BinaryId infoHash) {
    return new TrackerProtocolException(message, action, infoHash);
  }

  // ---------------------------------------------------------------------------------------------
  // Encoding

  /** Encodes a message as a JSON string (for a WebSocket text frame). */
  public String encode(TrackerMessage message) {
    requireNonNull(message, "message");
    SegmentedStringWriter writer = new SegmentedStringWriter(factory._getBufferRecycler());
    try {
      try (JsonGenerator g = factory.createGenerator(writer)) {
        write(g, message);
      }
      return writer.getAndClear();
    } catch (IOException e) {
      throw new UncheckedIOException("writing to memory cannot fail", e);
    }
  }

  /** Encodes a message as UTF-8 JSON bytes. */
  public byte[] encodeToUtf8(TrackerMessage message) {
    requireNonNull(message, "message");
    try (ByteArrayBuilder bytes = new ByteArrayBuilder(factory._getBufferRecycler())) {
      try (JsonGenerator g = factory.createGenerator(bytes, JsonEncoding.UTF8)) {
        write(g, message);
      } catch (IOException e) {
        throw new UncheckedIOException("writing to memory cannot fail", e);
      }
      return bytes.toByteArray();
    }
  }

  /** Encodes a message as UTF-8 JSON into {@code out} (which is not closed). */
  public void encode(TrackerMessage message, OutputStream out) throws IOException {
    requireNonNull(message, "message");
    requireNonNull(out, "out");
    try (JsonGenerator g = factory.createGenerator(out, JsonEncoding.UTF8)
        .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)) {
      write(g, message);
    }
  }

  private static void write(JsonGenerator g, TrackerMessage message) throws IOException {
    g.writeStartObject();
    if (message instanceof Announce m) {
      // The reference browser client's key order.
      writeOptionalNumber(g, "numwant", m.numwant() == null ? null : m.numwant().longValue());
      writeOptionalNumber(g, "uploaded", m.uploaded());
      writeOptionalNumber(g, "downloaded", m.downloaded());
      writeOptionalNumber(g, "left", m.left());
      if (m.event() != null) {
        g.writeStringField("event", m.event().wireName());
      }
      g.writeStringField("action", "announce");
      writeId(g, "info_hash", m.infoHash());
      writeId(g, "peer_id", m.peerId());
      if (!m.offers().isEmpty()) {
        g.writeArrayFieldStart("offers");
        for (Offer offer : m.offers()) {
          g.writeStartObject();
          writeSessionDescription(g, "offer", offer.sdp());
          writeId(g, "offer_id", offer.offerId());
          g.writeEndObject();
        }
        g.writeEndArray();
      }
      writeOptionalString(g, "trackerid", m.trackerId());
      if (m.report() != null) {
        writeReport(g, m.report());
      }
    } else if (message instanceof AnswerAnnounce m) {
      g.writeStringField("action", "announce");
      writeId(g, "info_hash", m.infoHash());
      writeId(g, "peer_id", m.peerId());
      writeId(g, "to_peer_id", m.toPeerId());
      writeSessionDescription(g, "answer", m.sdp());
      writeId(g, "offer_id", m.offerId());
      writeOptionalString(g, "trackerid", m.trackerId());
    } else if (message instanceof Scrape m) {
      g.writeStringField("action", "scrape");
      if (m.infoHashes().size() == 1) {
        writeId(g, "info_hash", m.infoHashes().get(0));
      } else if (!m.infoHashes().isEmpty()) {
        g.writeArrayFieldStart("info_hash");
        for (BinaryId infoHash : m.infoHashes()) {
          g.writeString(infoHash.toWireString());
        }
        g.writeEndArray();
      }
    } else if (message instanceof AnnounceResponse m) {
      g.writeStringField("action", "announce");
      writeId(g, "info_hash", m.infoHash());
      g.writeNumberField("complete", m.complete());
      g.writeNumberField("incomplete", m.incomplete());
      g.writeNumberField("interval", m.intervalSeconds());
      writeOptionalString(g, "warning message", m.warningMessage());
    } else if (message instanceof RelayedOffer m) {
      g.writeStringField("action", "announce");
      writeSessionDescription(g, "offer", m.sdp());
      writeId(g, "offer_id", m.offerId());
      writeId(g, "peer_id", m.peerId());
      writeId(g, "info_hash", m.infoHash());
    } else if (message instanceof RelayedAnswer m) {
      g.writeStringField("action", "announce");
      writeSessionDescription(g, "answer", m.sdp());
      writeId(g, "offer_id", m.offerId());
      writeId(g, "peer_id", m.peerId());
      writeId(g, "info_hash", m.infoHash());
    } else if (message instanceof ScrapeResponse m) {
      g.writeStringField("action", "scrape");
      g.writeObjectFieldStart("files");
      for (Map.Entry<BinaryId, ScrapeResponse.Stats> e : m.files().entrySet()) {
        g.writeObjectFieldStart(e.getKey().toWireString());
        g.writeNumberField("complete", e.getValue().complete());
        g.writeNumberField("incomplete", e.getValue().incomplete());
        g.writeNumberField("downloaded", e.getValue().downloaded());
        g.writeEndObject();
      }
      g.writeEndObject();
      if (m.minRequestIntervalSeconds() != null) {
        g.writeObjectFieldStart("flags");
        g.writeNumberField("min_request_interval", m.minRequestIntervalSeconds());
        g.writeEndObject();
      }
    } else if (message instanceof Failure m) {
      if (m.action() != null) {
        g.writeStringField("action", m.action().wireName());
      }
      g.writeStringField("failure reason", m.reason());
      if (m.infoHash() != null) {
        writeId(g, "info_hash", m.infoHash());
      }
    } else {
      throw new IllegalArgumentException("unknown message type " + message.getClass());
    }
    g.writeEndObject();
  }

  private static void writeReport(JsonGenerator g, ViewerReport r) throws IOException {
    g.writeObjectFieldStart(REPORT_FIELD);
    g.writeNumberField(REPORT_KEYS[0], ViewerReport.VERSION);
    g.writeNumberField(REPORT_KEYS[1], r.cdnBytes());
    g.writeNumberField(REPORT_KEYS[2], r.p2pBytes());
    g.writeNumberField(REPORT_KEYS[3], r.uploadedBytes());
    g.writeNumberField(REPORT_KEYS[4], r.stalls());
    g.writeNumberField(REPORT_KEYS[5], r.stallMillis());
    g.writeNumberField(REPORT_KEYS[6], r.peers());
    g.writeEndObject();
  }

  private static void writeId(JsonGenerator g, String name, BinaryId id) throws IOException {
    g.writeStringField(name, id.toWireString());
  }

  private static void writeSessionDescription(JsonGenerator g, String type, String sdp)
      throws IOException {
    g.writeObjectFieldStart(type);
    g.writeStringField("type", type);
    g.writeStringField("sdp", sdp);
    g.writeEndObject();
  }

  private static void writeOptionalNumber(JsonGenerator g, String name, Long value)
      throws IOException {
    if (value != null) {
      g.writeNumberField(name, value);
    }
  }

  private static void writeOptionalString(JsonGenerator g, String name, String value)
      throws IOException {
    if (value != null) {
      g.writeStringField(name, value);
    }
  }
}
