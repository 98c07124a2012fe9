package dev.hlsmesh.agent.tracker;

import dev.hlsmesh.agent.webrtc.PeerLink;
import dev.hlsmesh.protocol.tracker.BinaryId;

/**
 * What the tracker client needs from a joined swarm: its ids and its peer bounds.
 *
 * <p>Thread: called only on the agent's owner executor.
 */
public interface SwarmMembership {
  /** The swarm's 20-byte info hash. */
  BinaryId infoHash();

  /** This agent's ASCII peer id in this swarm. */
  BinaryId peerId();

  /** How many new offers to make now (0 when the swarm has as many peers as it wants). */
  int offersWanted();

  /** Whether a new connection to (or from) this remote peer is welcome now. */
  boolean wantsPeer(BinaryId remotePeerId);

  /** Whether the swarm has fewer connected peers than its minimum. */
  boolean belowMinimum();

  /** A listener for a new link whose remote peer id may be learned later. */
  LinkBinding newBinding();

  /** Routes one link's events; told the remote peer id once the tracker reveals it. */
  interface LinkBinding extends PeerLink.Listener {
    void remotePeer(BinaryId remotePeerId);
  }
}
