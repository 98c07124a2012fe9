package dev.hlsmesh.tracker.swarm;

import dev.hlsmesh.tracker.relay.PeerEndpoint;

/**
 * What an announce did.
 *
 * @param status whether the peer is in the swarm now
 * @param complete seeders after the announce
 * @param incomplete leechers after the announce
 * @param targets endpoint <i>i</i> receives offer <i>i</i>; empty unless {@code status == OK}
 */
public record AnnounceResult(Status status, int complete, int incomplete, PeerEndpoint[] targets) {

  private static final PeerEndpoint[] NONE = new PeerEndpoint[0];

  /** Outcome of an announce. */
  public enum Status {
    OK,
    /** The tracker already holds its maximum number of swarms. */
    TOO_MANY_SWARMS,
    /** The swarm already holds its maximum number of peers. */
    SWARM_FULL,
    /** The peer id is in the swarm through another connection. */
    PEER_ID_CONFLICT
  }

  static AnnounceResult refused(Status status, int complete, int incomplete) {
    return new AnnounceResult(status, complete, incomplete, NONE);
  }

  static PeerEndpoint[] noTargets() {
    return NONE;
  }
}
