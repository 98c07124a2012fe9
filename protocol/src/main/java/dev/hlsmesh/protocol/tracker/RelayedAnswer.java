package dev.hlsmesh.protocol.tracker;

import static java.util.Objects.requireNonNull;

/**
 * An answer the tracker relays back to the offering peer (PROTOCOL.md A.4.3).
 *
 * @param infoHash the swarm
 * @param peerId the answering peer
 * @param offerId the id of the offer being answered
 * @param sdp the answer session description
 */
public record RelayedAnswer(BinaryId infoHash, BinaryId peerId, BinaryId offerId, String sdp)
    implements ServerMessage {
  public RelayedAnswer {
    requireNonNull(infoHash, "infoHash");
    requireNonNull(peerId, "peerId");
    requireNonNull(offerId, "offerId");
    requireNonNull(sdp, "sdp");
  }
}
