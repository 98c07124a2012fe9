package dev.hlsmesh.agent.scheduler;

import dev.hlsmesh.agent.Neighbour;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What the scheduler of one swarm needs from the peer side: the connected neighbours, fetches
 * from them, and a place to offer its own in-flight segments. The agent implements it over its
 * peer sessions ({@code Agent.swarmPeers}); a simulator implements it over simulated data
 * channels.
 *
 * <p>Thread: every method is called on {@link #owner()}, and every future and listener completes
 * or runs there; nothing blocks.
 */
public interface SwarmPeers {
  /** The executor that owns this swarm's state (and the scheduler's). */
  SwarmExecutor owner();

  /** This agent's peer id in the swarm. */
  String selfId();

  /** The connected peers and what each last announced, now. */
  List<Neighbour> neighbours();

  /**
   * Fetches a whole segment from one connected peer; fails with a
   * {@link dev.hlsmesh.agent.PeerFetchException}. The bytes are unchecked.
   */
  CompletableFuture<byte[]> fetch(String peerId, long segmentId);

  /** Gives up a fetch; its future then fails, with the partial bytes when there are some. */
  void giveUp(String peerId, long segmentId);

  /** Disconnects a peer that sent a corrupt segment and refuses it for a while. */
  void ban(String peerId, String reason);

  /**
   * Attaches the swarm's scheduler: peers are served {@code inFlight}'s segments while they
   * arrive and told its loading ids; {@code neighboursChanged} runs (as its own task on the
   * owner) after {@link #neighbours()} changed. Until {@link #detach()}.
   */
  void attach(InFlightSegments inFlight, Runnable neighboursChanged);

  /** The attached in-flight segments changed: peers get a new announcement (coalesced). */
  void inFlightChanged();

  /** Detaches the scheduler: no more calls to its listener or its in-flight segments. */
  void detach();
}
