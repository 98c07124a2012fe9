package dev.hlsmesh.tracker.swarm;

import dev.hlsmesh.protocol.tracker.BinaryId;
import dev.hlsmesh.protocol.tracker.ViewerReport;
import dev.hlsmesh.tracker.relay.PeerEndpoint;

/** A peer in one swarm; guarded by its {@link Swarm}'s monitor. */
final class Peer {
  final BinaryId id;
  final PeerEndpoint endpoint;
  boolean seeder;
  long lastAnnounceMillis;
  int index;
  /** The latest viewer report, or null; it goes away with the peer. */
  ViewerReport report;
  /** Offers this peer made that await an answer: a ring, allocated on the first offer. */
  private PendingOffer[] pending;
  private int pendingNext;

  Peer(BinaryId id, PeerEndpoint endpoint) {
    this.id = id;
    this.endpoint = endpoint;
  }

  /** Records an offer; when the ring is full the oldest pending offer is forgotten. */
  void addPending(PendingOffer offer, int capacity) {
    if (pending == null) {
      pending = new PendingOffer[capacity];
    }
    pending[pendingNext] = offer;
    pendingNext = (pendingNext + 1) % pending.length;
  }

  /** Removes and returns whether a matching, unexpired pending offer existed. */
  boolean claimPending(BinaryId offerId, BinaryId answererId, PeerEndpoint answererEndpoint,
      long nowMillis) {
    if (pending == null) {
      return false;
    }
    for (int i = 0; i < pending.length; i++) {
      PendingOffer p = pending[i];
      if (p != null && p.offerId().equals(offerId) && p.answererId().equals(answererId)
          && p.answererEndpoint() == answererEndpoint) {
        pending[i] = null;
        return nowMillis <= p.expiresAtMillis();
      }
    }
    return false;
  }

  /** Offers relayed to this peer from peers of other cluster nodes: a ring, allocated lazily. */
  private RemoteOffer[] remoteOffers;
  private int remoteNext;

  /** Records an offer from another node; when the ring is full the oldest is forgotten. */
  void addRemoteOffer(RemoteOffer offer, int capacity) {
    if (remoteOffers == null) {
      remoteOffers = new RemoteOffer[capacity];
    }
    remoteOffers[remoteNext] = offer;
    remoteNext = (remoteNext + 1) % remoteOffers.length;
  }

  /** Removes a matching offer from another node; returns its node if it had not expired. */
  String claimRemoteOffer(BinaryId offerId, BinaryId offererId, long nowMillis) {
    if (remoteOffers == null) {
      return null;
    }
    for (int i = 0; i < remoteOffers.length; i++) {
      RemoteOffer r = remoteOffers[i];
      if (r != null && r.offerId().equals(offerId) && r.offererId().equals(offererId)) {
        remoteOffers[i] = null;
        return nowMillis <= r.expiresAtMillis() ? r.offererNode() : null;
      }
    }
    return null;
  }

  /** An offer from {@code offererId} on the cluster node {@code offererNode}. */
  record RemoteOffer(BinaryId offerId, BinaryId offererId, String offererNode,
      long expiresAtMillis) {}

  /** An offer relayed to {@code answererId}, answerable until {@code expiresAtMillis}. */
  record PendingOffer(BinaryId offerId, BinaryId answererId, PeerEndpoint answererEndpoint,
      long expiresAtMillis) {}
}
