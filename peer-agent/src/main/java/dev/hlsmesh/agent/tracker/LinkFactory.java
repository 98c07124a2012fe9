package dev.hlsmesh.agent.tracker;

import dev.hlsmesh.agent.webrtc.PeerLink;

/**
 * Creates WebRTC links for the tracker client (the agent binds it to its factory lease, link
 * settings and owner executor).
 *
 * <p>Thread: called only on the agent's owner executor.
 */
public interface LinkFactory {
  /** A new initiating link whose offer SDP completes {@link PeerLink#localDescription()}. */
  PeerLink offer(PeerLink.Listener listener);

  /** A new answering link for a relayed offer. */
  PeerLink answer(String offerSdp, PeerLink.Listener listener);
}
