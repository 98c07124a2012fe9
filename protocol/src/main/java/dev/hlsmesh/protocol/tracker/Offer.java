package dev.hlsmesh.protocol.tracker;

import static java.util.Objects.requireNonNull;

/**
 * One WebRTC offer of an {@link Announce}: {@code {"offer":{"type":"offer","sdp":…},"offer_id":…}}.
 *
 * @param offerId the id the answer must echo
 * @param sdp the complete (non-trickle) session description
 */
public record Offer(BinaryId offerId, String sdp) {
  public Offer {
    requireNonNull(offerId, "offerId");
    requireNonNull(sdp, "sdp");
  }
}
