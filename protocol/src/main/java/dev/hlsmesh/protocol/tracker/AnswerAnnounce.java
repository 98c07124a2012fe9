package dev.hlsmesh.protocol.tracker;

import static java.util.Objects.requireNonNull;

/**
 * An announce carrying a WebRTC answer to a relayed offer (PROTOCOL.md A.3.2).
 *
 * @param infoHash the swarm
 * @param peerId the answering peer
 * @param toPeerId the peer that made the offer
 * @param offerId the offer's id, echoed
 * @param sdp the complete answer session description
 * @param trackerId the {@code trackerid} echo, or {@code null}
 */
public record AnswerAnnounce(
    BinaryId infoHash, BinaryId peerId, BinaryId toPeerId, BinaryId offerId, String sdp,
    String trackerId)
    implements ClientMessage {

  public AnswerAnnounce {
    requireNonNull(infoHash, "infoHash");
    requireNonNull(peerId, "peerId");
    requireNonNull(toPeerId, "toPeerId");
    requireNonNull(offerId, "offerId");
    requireNonNull(sdp, "sdp");
  }

  /** An answer without {@code trackerid}, as the reference client sends it. */
  public static AnswerAnnounce of(
      BinaryId infoHash, BinaryId peerId, BinaryId toPeerId, BinaryId offerId, String sdp) {
    return new AnswerAnnounce(infoHash, peerId, toPeerId, offerId, sdp, null);
  }
}
