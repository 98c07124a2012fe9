package dev.hlsmesh.tracker.cluster;

import dev.hlsmesh.protocol.tracker.BinaryId;
import dev.hlsmesh.protocol.tracker.RelayedAnswer;
import dev.hlsmesh.protocol.tracker.RelayedOffer;
import dev.hlsmesh.protocol.tracker.ServerMessage;
import dev.hlsmesh.tracker.relay.PeerEndpoint;

/**
 * A peer connected to another cluster node: offers and answers to it are published on that
 * node's relay channel. Thread-safe (immutable; the node publishes through a thread-safe
 * connection).
 */
final class RemoteEndpoint implements PeerEndpoint {
  private final ClusterNode cluster;
  private final String node;
  private final BinaryId infoHash;
  private final BinaryId peerId;

  RemoteEndpoint(ClusterNode cluster, String node, BinaryId infoHash, BinaryId peerId) {
    this.cluster = cluster;
    this.node = node;
    this.infoHash = infoHash;
    this.peerId = peerId;
  }

  @Override
  public boolean send(ServerMessage message) {
    if (message instanceof RelayedOffer offer) {
      return cluster.publishRelay(node, RelayMessage.offer(infoHash, peerId, offer.peerId(),
          offer.offerId(), cluster.nodeId(), cluster.encode(offer)));
    }
    if (message instanceof RelayedAnswer answer) {
      return cluster.publishRelay(node,
          RelayMessage.answer(infoHash, peerId, cluster.encode(answer)));
    }
    throw new IllegalArgumentException("only offers and answers go to another node, not "
        + message.getClass().getSimpleName());
  }

  @Override
  public String describe() {
    return peerId.toHex() + "@" + node;
  }
}
