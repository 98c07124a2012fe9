package dev.hlsmesh.tracker.swarm;

import dev.hlsmesh.protocol.tracker.BinaryId;
import dev.hlsmesh.protocol.tracker.Offer;
import dev.hlsmesh.protocol.tracker.ScrapeResponse;
import dev.hlsmesh.protocol.tracker.ViewerReport;
import dev.hlsmesh.tracker.relay.PeerEndpoint;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Who is in which swarm, and which offers await an answer. The protocol handling talks only to
 * this interface so that a cluster mode can keep the same state in a shared store.
 *
 * <p>Implementations are thread-safe: every event-loop thread calls them concurrently.
 */
public interface SwarmRegistry {

  /**
   * Adds or refreshes a peer, picks distinct random other peers of the swarm for its offers and
   * records each relayed offer as pending (offer <i>i</i> goes to target <i>i</i>).
   *
   * @param completed the announce's event is {@code completed}
   * @param seeder the peer reports {@code left == 0}
   * @param offers the offers to relay; at most {@code maxTargets} of them get a target
   * @param nowMillis the current time of the tracker's clock
   */
  AnnounceResult announce(BinaryId infoHash, BinaryId peerId, PeerEndpoint endpoint,
      boolean completed, boolean seeder, List<Offer> offers, int maxTargets, long nowMillis);

  /**
   * Removes a peer if it is there through {@code endpoint}; does nothing otherwise.
   *
   * @return the swarm's counters afterwards (zeros for an unknown swarm)
   */
  ScrapeResponse.Stats leave(BinaryId infoHash, BinaryId peerId, PeerEndpoint endpoint);

  /**
   * Consumes the pending offer {@code offerId} that {@code offererId} sent to {@code answererId}
   * through {@code answererEndpoint}, if it exists and has not expired.
   *
   * @return the offerer's endpoint to relay the answer to, or {@code null} if there is no such
   *     pending offer (never sent, already answered, expired, or the offerer left)
   */
  PeerEndpoint claimOffer(BinaryId infoHash, BinaryId offererId, BinaryId offerId,
      BinaryId answererId, PeerEndpoint answererEndpoint, long nowMillis);

  /** The swarm's counters (zeros for an unknown swarm). */
  ScrapeResponse.Stats scrape(BinaryId infoHash);

  /** Removes peers that have not announced within the peer timeout, and empty swarms. */
  void sweep(long nowMillis);

  /**
   * Keeps a member's latest viewer report ({@code x_hlsmesh}) for the swarm analytics; it is
   * dropped when the peer leaves.
   *
   * @return the increase since the peer's previous report (all of it for its first), or
   *     {@code null} if the peer is not in the swarm through {@code endpoint}
   */
  ViewerReport report(BinaryId infoHash, BinaryId peerId, PeerEndpoint endpoint,
      ViewerReport report, long nowMillis);

  /**
   * The {@code limit} swarms with the most peers, largest first (ties by info hash), with
   * what their viewers reported.
   */
  List<SwarmSummary> largestSwarms(int limit, long nowMillis);

  /** Passes the number of peers of every swarm to {@code action}. */
  void forEachSwarmSize(IntConsumer action);

  /** Number of swarms. */
  int swarmCount();

  /** Number of peers over all swarms. */
  long peerCount();
}
