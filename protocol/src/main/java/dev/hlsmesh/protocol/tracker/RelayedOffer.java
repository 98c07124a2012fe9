package dev.hlsmesh.protocol.tracker;

import static java.util.Objects.requireNonNull;

/**
 * An offer the tracker relays to a selected peer (PROTOCOL.md A.4.2).
 *
 * @param infoHash the swarm
 * @param peerId the offering peer (the receiver answers with {@code to_peer_id} = this)
 * @param offerId the offer's id, to echo in the answer
 * @param sdp the offer session description
 */
public record RelayedOffer(BinaryId infoHash, BinaryId peerId, BinaryId offerId, String sdp)
    implements ServerMessage {
  public RelayedOffer {
    requireNonNull(infoHash, "infoHash");
    requireNonNull(peerId, "peerId");
    requireNonNull(offerId, "offerId");
    requireNonNull(sdp, "sdp");
  }
}
