package dev.hlsmesh.tracker.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
* The load generator's side of the WebTorrent tracker protocol (PROTOCOL.md A): announces with
* offers and answers are written straight into a {@link ByteBuf} (the generator must stay cheaper
* than the tracker it measures), the tracker's messages are read with a streaming parser that
* keeps only the fields the generator needs.
*
* <p>Each SDP carries its send time in the session id of its {@code o=} line (a real SDP has a
* random 64-bit number there), so the receiving peer can compute the relay latency without any
* state shared between connections.
*
* <p>Immutable after construction; any thread.
*/
final class LoadWire {

  static final int ID_BYTES = 20;

  private static final JsonFactory JSON = JsonFactory.builder().build();
  private static final String SDP_SESSION_PREFIX = "v=0\r\no=- ";
  private static final byte[] ESCAPED_SESSION_PREFIX = jsonEscapedBody(SDP_SESSION_PREFIX);

  private static final byte[] NUMWANT = ascii("{\"numwant\":");
  private static final byte[] TRANSFER_COUNTERS = ascii(",\"uploaded\":0,\"downloaded\":0,");
  private static final byte[] EVENT_STARTED = ascii("\"event\":\"started\",");
  private static final byte[] ACTION_ANNOUNCE = ascii("\"action\":\"announce\",\"info_hash\":");
  private static final byte[] PEER_ID = ascii(",\"peer_id\":");
  private static final byte[] OFFERS_OPEN = ascii(",\"offers\":[");
  private static final byte[] OFFER_OPEN = ascii("{\"offer\":{\"type\":\"offer\",\"sdp\":\"");
  private static final byte[] SDP_END_OFFER_ID = ascii("\"},\"offer_id\":");
  private static final byte[] TO_PEER_ID = ascii(",\"to_peer_id\":");
  private static final byte[] ANSWER_OPEN = ascii(",\"answer\":{\"type\":\"answer\",\"sdp\":\"");
  private static final byte[] ANSWER_HEAD = ascii("{\"action\":\"announce\",\"info_hash\":");
  private static final byte[] OFFERS_CLOSE = ascii("]}");
  private static final byte[] UNICODE_ESCAPE_00 = ascii("\\u00");
  private static final byte[] HEX = ascii("0123456789abcdef");

  private final byte[] offerSdpHead;
  private final byte[] offerSdpTail;
  private final byte[] answerSdpHead;
  private final byte[] answerSdpTail;
  private final int offerSdpChars;

  /**
  * @param candidates {@code a=candidate} lines per SDP; 12 gives about 1.5 KB, what a browser
  *     with a few interfaces produces (the captured P2PML offers hold 8 to 24)
  */
  LoadWire(int candidates, Random random) {
    String offer = sdp(candidates, "actpass", random);
    String answer = sdp(Math.max(1, candidates / 2), "active", random);
    int split = SDP_SESSION_PREFIX.length();
    offerSdpHead = jsonEscapedBody(offer.substring(0, split));
    offerSdpTail = jsonEscapedBody(offer.substring(split));
    answerSdpHead = jsonEscapedBody(answer.substring(0, split));
    answerSdpTail = jsonEscapedBody(answer.substring(split));
    offerSdpChars = offer.length() + 19;
  }

  /** Approximate length of one offer's SDP in characters (with a 19-digit session id). */
  int offerSdpChars() {
    return offerSdpChars;
  }

  /**
  * Writes an announce carrying {@code offerIds.length} offers, each stamped with
  * {@code stampNanos}.
  */
  void writeAnnounce(ByteBuf out, boolean started, byte[] infoHashJson, byte[] peerIdJson,
      byte[][] offerIds, long stampNanos) {
    out.writeBytes(NUMWANT);
    ByteBufUtil.writeAscii(out, Integer.toString(offerIds.length));
    out.writeBytes(TRANSFER_COUNTERS);
    if (started) {
      out.writeBytes(EVENT_STARTED);
    }
    out.writeBytes(ACTION_ANNOUNCE).writeBytes(infoHashJson)
        .writeBytes(PEER_ID).writeBytes(peerIdJson)
        .writeBytes(OFFERS_OPEN);
    for (int i = 0; i < offerIds.length; i++) {
      if (i > 0) {
        out.writeByte(',');
      }
      out.writeBytes(OFFER_OPEN).writeBytes(offerSdpHead);
      ByteBufUtil.writeAscii(out, Long.toString(stampNanos));
      out.writeBytes(offerSdpTail).writeBytes(SDP_END_OFFER_ID);
      writeIdString(out, offerIds[i]);
      out.writeByte('}');
    }
    out.writeBytes(OFFERS_CLOSE);
  }

  /** Writes the answer-announce (A.3.2) to a relayed offer, stamped with {@code stampNanos}. */
  void writeAnswer(ByteBuf out, byte[] infoHashJson, byte[] peerIdJson, String toPeerId,
      String offerId, long stampNanos) {
    out.writeBytes(ANSWER_HEAD).writeBytes(infoHashJson)
        .writeBytes(PEER_ID).writeBytes(peerIdJson)
        .writeBytes(TO_PEER_ID);
    writeIdString(out, toPeerId.getBytes(StandardCharsets.ISO_8859_1));
    out.writeBytes(ANSWER_OPEN).writeBytes(answerSdpHead);
    ByteBufUtil.writeAscii(out, Long.toString(stampNanos));
    out.writeBytes(answerSdpTail).writeBytes(SDP_END_OFFER_ID);
    writeIdString(out, offerId.getBytes(StandardCharsets.ISO_8859_1));
    out.writeByte('}');
  }

  /** A 20-byte id as a quoted JSON string in UTF-8, one char per byte (PROTOCOL.md A.2). */
  static byte[] idJson(byte[] id) {
    ByteBuf buf = Unpooled.buffer(64);
    try {
      writeIdString(buf, id);
      return ByteBufUtil.getBytes(buf);
    } finally {
      buf.release();
    }
  }

  private static void writeIdString(ByteBuf out, byte[] id) {
    out.writeByte('"');
    for (byte b : id) {
      int c = b & 0xFF;
      if (c == '"' || c == '\\') {
        out.writeByte('\\').writeByte(c);
      } else if (c < 0x20) {
        out.writeBytes(UNICODE_ESCAPE_00).writeByte(HEX[c >> 4]).writeByte(HEX[c & 0xF]);
      } else if (c < 0x80) {
        out.writeByte(c);
      } else {
        out.writeByte(0xC0 | (c >> 6)).writeByte(0x80 | (c & 0x3F));
      }
    }
    out.writeByte('"');
  }

  /** What the generator needs from one tracker message. */
  record Incoming(Kind kind, String peerId, String offerId, long stampNanos, String failure) {}

  enum Kind { ANNOUNCE_RESPONSE, RELAYED_OFFER, RELAYED_ANSWER, SCRAPE_RESPONSE, FAILURE, OTHER }

  /** Reads one text frame's JSON; anything unexpected comes back as {@link Kind#OTHER}. */
  static Incoming read(ByteBuf frame) throws IOException {
    byte[] bytes;
    int offset;
    int length = frame.readableBytes();
    if (frame.hasArray()) {
      bytes = frame.array();
      offset = frame.arrayOffset() + frame.readerIndex();
    } else {
      bytes = ByteBufUtil.getBytes(frame);
      offset = 0;
    }
    String action = null;
    String peerId = null;
    String offerId = null;
    String failure = null;
    long stamp = -1;
    boolean offer = false;
    boolean answer = false;
    try (JsonParser p = JSON.createParser(bytes, offset, length)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return new Incoming(Kind.OTHER, null, null, -1, null);
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        switch (name) {
          case "action" -> action = value == JsonToken.VALUE_STRING ? p.getText() : null;
          case "peer_id" -> peerId = value == JsonToken.VALUE_STRING ? p.getText() : null;
          case "offer_id" -> offerId = value == JsonToken.VALUE_STRING ? p.getText() : null;
          case "failure reason" -> failure = p.getText();
          case "offer", "answer" -> {
            offer |= name.equals("offer");
            answer |= name.equals("answer");
            stamp = readSdpStamp(p, value, bytes, offset);
          }
          default -> p.skipChildren();
        }
      }
    }
    Kind kind;
    if (failure != null) {
      kind = Kind.FAILURE;
    } else if ("announce".equals(action)) {
      kind = offer ? Kind.RELAYED_OFFER : answer ? Kind.RELAYED_ANSWER : Kind.ANNOUNCE_RESPONSE;
    } else if ("scrape".equals(action)) {
      kind = Kind.SCRAPE_RESPONSE;
    } else {
      kind = Kind.OTHER;
    }
    return new Incoming(kind, peerId, offerId, stamp, failure);
  }

  private static long readSdpStamp(JsonParser p, JsonToken value, byte[] bytes, int offset)
      throws IOException {
    if (value != JsonToken.START_OBJECT) {
      p.skipChildren();
      return -1;
    }
    long stamp = -1;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken v = p.nextToken();
      if (name.equals("sdp") && v == JsonToken.VALUE_STRING) {
        // Read the stamp from the raw bytes: decoding the whole SDP into a String would
        // cost the generator more than everything else it does with the message.
        stamp = sessionId(bytes, offset + (int) p.currentTokenLocation().getByteOffset());
      } else {
        p.skipChildren();
      }
    }
    return stamp;
  }

  /** The session id of an SDP whose JSON string starts at {@code quote}, or -1. */
  private static long sessionId(byte[] bytes, int quote) {
    int i = quote + 1;
    if (quote < 0 || bytes[quote] != '"' || i + ESCAPED_SESSION_PREFIX.length > bytes.length) {
      return -1;
    }
    for (byte b : ESCAPED_SESSION_PREFIX) {
      if (bytes[i++] != b) {
        return -1;
      }
    }
    long value = 0;
    int end = Math.min(bytes.length, i + 19);
    for (; i < end && bytes[i] >= '0' && bytes[i] <= '9'; i++) {
      value = value * 10 + (bytes[i] - '0');
    }
    return value;
  }

  /** A data-channel-only SDP shaped like Chrome's, with host candidates. */
  private static String sdp(int candidates, String setup, Random random) {
    StringBuilder s = new StringBuilder(2048);
    int port = 32768 + random.nextInt(28000);
    s.append(SDP_SESSION_PREFIX).append(" 2 IN IP4 127.0.0.1\r\n")
        .append("s=-\r\nt=0 0\r\na=group:BUNDLE 0\r\na=extmap-allow-mixed\r\n")
        .append("a=msid-semantic: WMS\r\n")
        .append("m=application ").append(port).append(" UDP/DTLS/SCTP webrtc-datachannel\r\n")
        .append("c=IN IP4 192.0.2.2\r\n");
    String[] hosts = {"192.0.2.2", "fd00::2", "127.0.0.1", "::1"};
    for (int i = 0; i < candidates; i++) {
      boolean udp = i < 4;
      s.append("a=candidate:").append(Integer.toUnsignedString(random.nextInt()))
          .append(" 1 ").append(udp ? "udp 2122265343 " : "tcp 1518285567 ")
          .append(hosts[i % hosts.length]).append(' ')
          .append(32768 + random.nextInt(28000))
          .append(udp ? " typ host" : " typ host tcptype passive")
          .append(" generation 0 network-id ").append(i % hosts.length + 1).append("\r\n");
    }
    s.append("a=ice-ufrag:").append(token(random, 4)).append("\r\n")
        .append("a=ice-pwd:").append(token(random, 24)).append("\r\n")
        .append("a=fingerprint:sha-256 ");
    for (int i = 0; i < 32; i++) {
      s.append(i == 0 ? "" : ":").append(String.format("%02X", random.nextInt(256)));
    }
    s.append("\r\na=setup:").append(setup).append("\r\na=mid:0\r\na=sctp-port:5000\r\n")
        .append("a=max-message-size:262144\r\n");
    return s.toString();
  }

  private static String token(Random random, int length) {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    StringBuilder s = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      s.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return s.toString();
  }

  /** The JSON string body (no quotes) of an SDP: only CR/LF need escaping here. */
  private static byte[] jsonEscapedBody(String text) {
    return text.replace("\r", "\\r").replace("\n", "\\n").getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
