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

  /**
   * Whether a new connection with this remote peer is welcome now. When a connection with it is
   * already being set up, both sides keep the one initiated by the smaller peer id, so two peers
   * answering each other's offers at once end up with one link, not none.
   *
   * @param weInitiate true for an answer to our offer, false for a relayed offer we would answer
   */
  boolean admit(BinaryId remotePeerId, boolean weInitiate);

  /** Whether the swarm has fewer connected peers than its minimum. */
  boolean belowMinimum();

  /** A listener for a new link whose remote peer id may be learned later. */
  LinkBinding newBinding();

  /** Routes one link's events; told the remote peer id once the tracker reveals it. */
  interface LinkBinding extends PeerLink.Listener {
    /** The link these events come from; called right after it is created. */
    void attach(PeerLink link);

    /** The remote peer id, once known (at once for answers, on the answer for offers). */
    void remotePeer(BinaryId remotePeerId);
  }
}
