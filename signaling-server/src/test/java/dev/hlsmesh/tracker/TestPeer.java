package dev.hlsmesh.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hlsmesh.protocol.tracker.Announce;
import dev.hlsmesh.protocol.tracker.AnnounceEvent;
import dev.hlsmesh.protocol.tracker.AnnounceResponse;
import dev.hlsmesh.protocol.tracker.AnswerAnnounce;
import dev.hlsmesh.protocol.tracker.BinaryId;
import dev.hlsmesh.protocol.tracker.ClientMessage;
import dev.hlsmesh.protocol.tracker.Offer;
import dev.hlsmesh.protocol.tracker.RelayedOffer;
import dev.hlsmesh.protocol.tracker.Scrape;
import dev.hlsmesh.protocol.tracker.ScrapeResponse;
import dev.hlsmesh.protocol.tracker.ServerMessage;
import dev.hlsmesh.protocol.tracker.TrackerCodec;
import dev.hlsmesh.protocol.tracker.TrackerProtocolException;
import dev.hlsmesh.testsupport.WebSocketTestClient;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** A tracker client for tests: one WebSocket connection speaking typed tracker messages. */
final class TestPeer implements AutoCloseable {
  static final TrackerCodec CODEC = new TrackerCodec();
  static final BinaryId BARRIER_HASH = BinaryId.ofAscii("barrier-barrier-bar!");
  private static final AtomicInteger OFFER_COUNTER = new AtomicInteger();

  final WebSocketTestClient ws;
  final BinaryId peerId;

  private TestPeer(WebSocketTestClient ws, BinaryId peerId) {
    this.ws = ws;
    this.peerId = peerId;
  }

  static TestPeer connect(Tracker tracker, String name) {
    return connect(tracker, name, "");
  }

  static TestPeer connect(Tracker tracker, String name, String path) {
    return new TestPeer(WebSocketTestClient.connect(tracker.webSocketUri().resolve(path)),
        id(name));
  }

  /** A 20-byte id from a short name, padded ASCII (e.g. "-TEST-" + name). */
  static BinaryId id(String name) {
    String padded = ("-TP-" + name + "____________________").substring(0, 20);
    return BinaryId.ofAscii(padded);
  }

  static List<Offer> offers(int count) {
    List<Offer> offers = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int n = OFFER_COUNTER.incrementAndGet();
      byte[] bytes = new byte[20];
      Arrays.fill(bytes, (byte) 0x80);
      bytes[0] = (byte) (n >>> 24);
      bytes[1] = (byte) (n >>> 16);
      bytes[2] = (byte) (n >>> 8);
      bytes[3] = (byte) n;
      offers.add(new Offer(BinaryId.of(bytes), "v=0\r\no=- " + n + " 2 IN IP4 127.0.0.1\r\n"));
    }
    return offers;
  }

  void send(ClientMessage message) {
    ws.send(CODEC.encode(message));
  }

  ServerMessage next() {
    String text = ws.nextText();
    try {
      return CODEC.decodeServer(text);
    } catch (TrackerProtocolException e) {
      throw new AssertionError("tracker sent an undecodable message: " + text, e);
    }
  }

  <T extends ServerMessage> T next(Class<T> type) {
    ServerMessage message = next();
    assertThat(message).isInstanceOf(type);
    return type.cast(message);
  }

  /** Announces {@code started} with these offers and returns the response. */
  AnnounceResponse announce(BinaryId infoHash, List<Offer> offers) {
    return announce(infoHash, AnnounceEvent.STARTED, offers);
  }

  AnnounceResponse announce(BinaryId infoHash, AnnounceEvent event, List<Offer> offers) {
    send(Announce.of(infoHash, peerId, event, offers));
    AnnounceResponse response = next(AnnounceResponse.class);
    assertThat(response.infoHash()).isEqualTo(infoHash);
    return response;
  }

  void answer(RelayedOffer offer, String sdp) {
    send(AnswerAnnounce.of(offer.infoHash(), peerId, offer.peerId(), offer.offerId(), sdp));
  }

  ScrapeResponse.Stats scrape(BinaryId infoHash) {
    send(new Scrape(List.of(infoHash)));
    return next(ScrapeResponse.class).files().get(infoHash);
  }

  /**
   * Proves that nothing else was queued for this peer: with one tracker I/O thread, every
   * message relayed before the barrier's scrape arrives before its response.
   */
  void assertNothingElseReceived() {
    send(new Scrape(List.of(BARRIER_HASH)));
    assertThat(next()).isInstanceOf(ScrapeResponse.class);
    assertThat(ws.pendingTexts()).isZero();
  }

  @Override
  public void close() {
    ws.close();
  }
}
