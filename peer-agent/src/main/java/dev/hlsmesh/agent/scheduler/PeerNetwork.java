package dev.hlsmesh.agent.scheduler;

import dev.hlsmesh.agent.Agent;
import dev.hlsmesh.agent.Neighbour;
import dev.hlsmesh.agent.SwarmKey;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * What the scheduler needs from the peer side of one swarm; {@link #of(Agent, SwarmKey)} adapts
 * an {@link Agent}, tests use fakes.
 *
 * <p>Implementations are thread-safe and never block.
 */
interface PeerNetwork {
  /** This agent's peer id in the swarm. */
  String selfId();

  /** The connected peers and their announcements now. */
  List<Neighbour> neighbours();

  /** Fetches a whole segment from one connected peer. */
  CompletableFuture<byte[]> fetch(String peerId, long segmentId);

  /** Gives up a fetch; its future then fails, with the partial bytes when there are some. */
  void giveUp(String peerId, long segmentId);

  /** Replaces the ids announced as being fetched over HTTP. */
  void announceLoading(Collection<Long> segmentIds);

  /** Disconnects a peer that sent a corrupt segment and refuses it for a while. */
  default void ban(String peerId, String reason) {
    // fakes in tests need not model bans
  }

  /** Calls {@code listener} (any thread) after {@link #neighbours()} changed; until {@link #close()}. */
  void onChange(Runnable listener);

  /** Stops calling the listener. */
  void close();

  static PeerNetwork of(Agent agent, SwarmKey swarm) {
    String self = agent.peerId(swarm).orElseThrow(
        () -> new IllegalStateException("the agent has not joined swarm " + swarm + " (call agent.join first)"));
    return new PeerNetwork() {
      private Consumer<SwarmKey> registered;

      @Override
      public String selfId() {
        return self;
      }

      @Override
      public List<Neighbour> neighbours() {
        return agent.neighbours(swarm);
      }

      @Override
      public CompletableFuture<byte[]> fetch(String peerId, long segmentId) {
        return agent.fetch(swarm, peerId, segmentId);
      }

      @Override
      public void giveUp(String peerId, long segmentId) {
        agent.giveUp(swarm, peerId, segmentId);
      }

      @Override
      public void ban(String peerId, String reason) {
        agent.banPeer(swarm, peerId, reason);
      }

      @Override
      public void announceLoading(Collection<Long> segmentIds) {
        agent.announceLoading(swarm, segmentIds);
      }

      @Override
      public synchronized void onChange(Runnable listener) {
        registered = changed -> {
          if (changed.equals(swarm)) {
            listener.run();
          }
        };
        agent.addNeighbourListener(registered);
      }

      @Override
      public synchronized void close() {
        if (registered != null) {
          agent.removeNeighbourListener(registered);
        }
      }
    };
  }
}
