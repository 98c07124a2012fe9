package dev.hlsmesh.tracker.swarm;

import dev.hlsmesh.protocol.tracker.BinaryId;

/**
 * Hears every change of a {@link LocalSwarmRegistry}'s membership, so that a cluster mode can
 * mirror it. Called while the swarm's monitor is held, in the order of the changes of that
 * swarm: implementations must only record the change (no I/O, no locks of their own held long).
 */
public interface MembershipListener {

  /** Does nothing: a registry without a cluster. */
  MembershipListener NONE = new MembershipListener() {
    @Override
    public void peerJoined(BinaryId infoHash, BinaryId peerId, boolean seeder) {}

    @Override
    public void peerLeft(BinaryId infoHash, BinaryId peerId) {}

    @Override
    public void downloaded(BinaryId infoHash, int downloaded) {}
  };

  /** A peer joined, or became a seeder ({@code seeder} is then true). */
  void peerJoined(BinaryId infoHash, BinaryId peerId, boolean seeder);

  /** A peer left (stopped, closed its connection, expired or was replaced). */
  void peerLeft(BinaryId infoHash, BinaryId peerId);

  /** The swarm's {@code downloaded} count (completed events) grew to {@code downloaded}. */
  void downloaded(BinaryId infoHash, int downloaded);
}
