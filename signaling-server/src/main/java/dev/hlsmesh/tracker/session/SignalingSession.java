package dev.hlsmesh.tracker.session;

import dev.hlsmesh.protocol.tracker.Announce;
import dev.hlsmesh.protocol.tracker.AnnounceEvent;
import dev.hlsmesh.protocol.tracker.AnnounceResponse;
import dev.hlsmesh.protocol.tracker.AnswerAnnounce;
import dev.hlsmesh.protocol.tracker.BinaryId;
import dev.hlsmesh.protocol.tracker.ClientMessage;
import dev.hlsmesh.protocol.tracker.Failure;
import dev.hlsmesh.protocol.tracker.Offer;
import dev.hlsmesh.protocol.tracker.RelayedAnswer;
import dev.hlsmesh.protocol.tracker.RelayedOffer;
import dev.hlsmesh.protocol.tracker.Scrape;
import dev.hlsmesh.protocol.tracker.ScrapeResponse;
import dev.hlsmesh.protocol.tracker.TrackerAction;
import dev.hlsmesh.protocol.tracker.TrackerProtocolException;
import dev.hlsmesh.protocol.tracker.ViewerReport;
import dev.hlsmesh.tracker.config.TrackerConfig;
import dev.hlsmesh.tracker.relay.PeerEndpoint;
import dev.hlsmesh.tracker.stats.TrackerStats.MessageType;
import dev.hlsmesh.tracker.stats.TrackerStats.Rejection;
import dev.hlsmesh.tracker.swarm.AnnounceResult;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tracker protocol (PROTOCOL.md A.5, with the aquatic-like choices of docs/protocol.md) for
 * one connection: announces, offer relay, answer routing, scrapes and failures.
 *
 * <p>Called only on the connection's event-loop thread. It remembers which peer id the
 * connection uses in each swarm (several swarms, one id each) so that closing the connection
 * removes exactly those peers.
 */
public final class SignalingSession {

  private final TrackerContext context;
  private final TrackerConfig config;
  private final PeerEndpoint self;
  private final Object remote;
  private final ConnectionPolicy policy;
  private final long peerTimeoutMillis;

  // The swarms this connection is in: parallel arrays, usually one or two entries.
  private BinaryId[] infoHashes = new BinaryId[2];
  private BinaryId[] peerIds = new BinaryId[2];
  private long[] lastAnnounceMillis = new long[2];
  private int joined;
  /** The type of the message being handled, for counting its result. */
  private MessageType handling;

  /**
   * @param self how this connection's own peers are reached (responses go there too)
   * @param remote the remote address, for log lines
   * @param policy the swarms this connection's join token allows and its rate budgets
   */
  public SignalingSession(TrackerContext context, PeerEndpoint self, Object remote,
      ConnectionPolicy policy) {
    this.context = context;
    this.config = context.config();
    this.self = self;
    this.remote = remote;
    this.policy = policy;
    this.peerTimeoutMillis = config.peerTimeoutSeconds() * 1000L;
  }

  /** Handles one decoded message. */
  public void onMessage(ClientMessage message) {
    long now = context.clock().millis();
    if (message instanceof Announce announce) {
      announce(announce, now);
    } else if (message instanceof AnswerAnnounce answer) {
      answer(answer, now);
    } else if (message instanceof Scrape scrape) {
      scrape(scrape);
    }
  }

  /** Answers a message that could not be decoded. */
  public void onInvalid(TrackerProtocolException e) {
    context.stats().rejected(Rejection.INVALID_MESSAGE);
    context.warnings().warn("invalid message", remote, e.getMessage());
    self.send(e.toFailure());
  }

  /** Removes every peer this connection announced. */
  public void onClose() {
    for (int i = 0; i < joined; i++) {
      context.registry().leave(infoHashes[i], peerIds[i], self);
    }
    joined = 0;
  }

  /** Number of swarms this connection is in (for tests and stats). */
  public int joinedSwarms() {
    return joined;
  }

  private void announce(Announce a, long now) {
    context.stats().message(MessageType.ANNOUNCE);
    handling = MessageType.ANNOUNCE;
    if (a.reportProblem() != null) {
      // The announce itself is fine: only the viewer report is dropped.
      context.stats().rejected(Rejection.INVALID_REPORT);
      context.warnings().warn("dropped viewer report", remote, a.reportProblem());
    }
    BinaryId infoHash = a.infoHash();
    if (!policy.allowsSwarm(infoHash)) {
      reject(Rejection.TOKEN_SWARM_DENIED, TrackerAction.ANNOUNCE, infoHash,
          "your join token does not allow this swarm");
      return;
    }
    if (a.offers().size() > config.maxOffersPerAnnounce()) {
      reject(Rejection.TOO_MANY_OFFERS, TrackerAction.ANNOUNCE, infoHash, "too many offers: "
          + a.offers().size() + " (max " + config.maxOffersPerAnnounce() + ")");
      return;
    }
    // Leaving is never refused; everything else spends the announce budgets.
    if (a.event() != AnnounceEvent.STOPPED && !policy.tryAnnounce(now)) {
      reject(Rejection.ANNOUNCE_RATE_LIMITED, TrackerAction.ANNOUNCE, infoHash,
          "announce rate limit exceeded (max " + config.maxAnnouncesPerMinutePerConnection()
              + "/min per connection, " + config.maxAnnouncesPerMinutePerIp() + "/min per IP)");
      return;
    }
    int slot = slotOf(infoHash);
    if (slot >= 0 && !peerIds[slot].equals(a.peerId())) {
      // The connection switched peer id in this swarm (a client re-created its swarm on a
      // shared socket): the new id replaces the old one instead of letting it linger.
      context.registry().leave(infoHash, peerIds[slot], self);
      removeSlot(slot);
      slot = -1;
    }
    if (a.event() == AnnounceEvent.STOPPED) {
      ScrapeResponse.Stats counts = context.registry().leave(infoHash, a.peerId(), self);
      if (slot >= 0) {
        removeSlot(slot);
      }
      self.send(AnnounceResponse.of(infoHash, counts.complete(), counts.incomplete(),
          config.announceIntervalSeconds()));
      return;
    }
    if (slot < 0 && joined >= config.maxSwarmsPerConnection()) {
      forgetExpiredSlots(now);
      if (joined >= config.maxSwarmsPerConnection()) {
        reject(Rejection.CONNECTION_SWARM_LIMIT, TrackerAction.ANNOUNCE, infoHash,
            "too many swarms on one connection (max " + config.maxSwarmsPerConnection() + ")");
        return;
      }
    }
    int wantedTargets = Math.min(a.numwant() == null ? a.offers().size() : a.numwant(),
        config.maxNumwant());
    int maxTargets = Math.min(wantedTargets, policy.offerAllowance(now));
    AnnounceResult result = context.registry().announce(infoHash, a.peerId(), self,
        a.event() == AnnounceEvent.COMPLETED, a.isSeeder(), a.offers(), maxTargets, now);
    switch (result.status()) {
      case OK:
        break;
      case TOO_MANY_SWARMS:
        reject(Rejection.TOO_MANY_SWARMS, TrackerAction.ANNOUNCE, infoHash,
            "the tracker holds its maximum of " + config.maxSwarms() + " swarms");
        return;
      case SWARM_FULL:
        reject(Rejection.SWARM_FULL, TrackerAction.ANNOUNCE, infoHash,
            "swarm is full (max " + config.maxPeersPerSwarm() + " peers)");
        return;
      case PEER_ID_CONFLICT:
        reject(Rejection.PEER_ID_CONFLICT, TrackerAction.ANNOUNCE, infoHash,
            "peer id is in use in this swarm by another connection");
        return;
      default:
        throw new IllegalStateException("unknown status " + result.status());
    }
    if (slot < 0) {
      slot = addSlot(infoHash, a.peerId());
    }
    lastAnnounceMillis[slot] = now;
    if (a.report() != null) {
      ViewerReport increase =
          context.registry().report(infoHash, a.peerId(), self, a.report(), now);
      if (increase != null) {
        context.stats().viewerReport(increase);
      }
    }
    // Like bittorrent-tracker: the response first, then the offers.
    self.send(AnnounceResponse.of(infoHash, result.complete(), result.incomplete(),
        config.announceIntervalSeconds()));
    PeerEndpoint[] targets = result.targets();
    policy.chargeOffers(targets.length);
    if (maxTargets < wantedTargets) {
      // The offer budget cut the relay short by the offers that had a peer to go to; the
      // announce itself is served.
      int otherPeers = result.complete() + result.incomplete() - 1;
      int withheld = Math.min(Math.min(wantedTargets, a.offers().size()), otherPeers)
          - targets.length;
      if (withheld > 0) {
        context.stats().rejected(Rejection.OFFER_RATE_LIMITED, withheld);
      }
    }
    List<Offer> offers = a.offers();
    int relayed = 0;
    for (int i = 0; i < targets.length; i++) {
      Offer offer = offers.get(i);
      if (targets[i].send(new RelayedOffer(infoHash, a.peerId(), offer.offerId(), offer.sdp()))) {
        relayed++;
      }
    }
    if (relayed > 0) {
      context.stats().messages(MessageType.OFFER_RELAYED, relayed);
    }
  }

  private void answer(AnswerAnnounce a, long now) {
    context.stats().message(MessageType.ANSWER);
    handling = MessageType.ANSWER;
    if (!policy.allowsSwarm(a.infoHash())) {
      reject(Rejection.TOKEN_SWARM_DENIED, TrackerAction.ANNOUNCE, a.infoHash(),
          "your join token does not allow this swarm");
      return;
    }
    PeerEndpoint offerer = context.registry().claimOffer(
        a.infoHash(), a.toPeerId(), a.offerId(), a.peerId(), self, now);
    if (offerer == null) {
      reject(Rejection.UNKNOWN_OFFER, TrackerAction.ANNOUNCE, a.infoHash(),
          "unknown offer: no pending offer with this `offer_id` from `to_peer_id` to `peer_id`"
              + " on this connection (it may have expired or been answered already)");
      return;
    }
    int slot = slotOf(a.infoHash());
    if (slot >= 0) {
      lastAnnounceMillis[slot] = now;
    }
    if (offerer.send(new RelayedAnswer(a.infoHash(), a.peerId(), a.offerId(), a.sdp()))) {
      context.stats().message(MessageType.ANSWER_RELAYED);
    }
  }

  private void scrape(Scrape s) {
    context.stats().message(MessageType.SCRAPE);
    handling = MessageType.SCRAPE;
    if (s.isFullScrape()) {
      reject(Rejection.FULL_SCRAPE, TrackerAction.SCRAPE, null,
          "full scrapes are not allowed: name the info hashes");
      return;
    }
    if (s.infoHashes().size() > config.maxScrapeInfoHashes()) {
      reject(Rejection.TOO_MANY_SCRAPE_HASHES, TrackerAction.SCRAPE, null,
          "too many info hashes: " + s.infoHashes().size()
              + " (max " + config.maxScrapeInfoHashes() + ")");
      return;
    }
    for (BinaryId infoHash : s.infoHashes()) {
      if (!policy.allowsSwarm(infoHash)) {
        reject(Rejection.TOKEN_SWARM_DENIED, TrackerAction.SCRAPE, null,
            "your join token does not allow every swarm of this scrape");
        return;
      }
    }
    Map<BinaryId, ScrapeResponse.Stats> files = new LinkedHashMap<>();
    for (BinaryId infoHash : s.infoHashes()) {
      files.put(infoHash, context.registry().scrape(infoHash));
    }
    self.send(new ScrapeResponse(files, config.announceIntervalSeconds()));
  }

  private void reject(Rejection reason, TrackerAction action, BinaryId infoHash, String text) {
    context.stats().rejected(reason);
    context.stats().messageRejected(handling);
    context.warnings().warn("rejected " + action.wireName(), remote, text);
    self.send(new Failure(text, action, infoHash));
  }

  private int slotOf(BinaryId infoHash) {
    for (int i = 0; i < joined; i++) {
      if (infoHashes[i].equals(infoHash)) {
        return i;
      }
    }
    return -1;
  }

  private int addSlot(BinaryId infoHash, BinaryId peerId) {
    if (joined == infoHashes.length) {
      int capacity = joined * 2;
      infoHashes = Arrays.copyOf(infoHashes, capacity);
      peerIds = Arrays.copyOf(peerIds, capacity);
      lastAnnounceMillis = Arrays.copyOf(lastAnnounceMillis, capacity);
    }
    infoHashes[joined] = infoHash;
    peerIds[joined] = peerId;
    return joined++;
  }

  private void removeSlot(int slot) {
    int last = --joined;
    infoHashes[slot] = infoHashes[last];
    peerIds[slot] = peerIds[last];
    lastAnnounceMillis[slot] = lastAnnounceMillis[last];
    infoHashes[last] = null;
    peerIds[last] = null;
  }

  /** Drops swarms this connection stopped announcing to (the registry expired them too). */
  private void forgetExpiredSlots(long now) {
    for (int i = joined - 1; i >= 0; i--) {
      if (now - lastAnnounceMillis[i] > peerTimeoutMillis) {
        context.registry().leave(infoHashes[i], peerIds[i], self);
        removeSlot(i);
      }
    }
  }
}
