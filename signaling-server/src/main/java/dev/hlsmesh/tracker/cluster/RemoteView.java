package dev.hlsmesh.tracker.cluster;

import dev.hlsmesh.protocol.tracker.BinaryId;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * This node's replica of the peers other nodes hold, by swarm. Mutated only on the cluster
 * thread (which also keeps which node holds what, to drop a node at once); {@link #swarm} and
 * the counts may be read from any thread.
 */
final class RemoteView {

  private final ConcurrentHashMap<BinaryId, RemoteSwarm> swarms = new ConcurrentHashMap<>();
  /** Per node: its peers by swarm. Cluster thread only. */
  private final Map<String, Map<BinaryId, Set<BinaryId>>> byNode = new HashMap<>();
  private final LongAdder peerCount = new LongAdder();

  RemoteSwarm swarm(BinaryId infoHash) {
    return swarms.get(infoHash);
  }

  /** Number of swarms that have peers on other nodes. */
  int swarmCount() {
    return swarms.size();
  }

  /** Visits the swarms known from other nodes. */
  Iterable<BinaryId> swarmIds() {
    return swarms.keySet();
  }

  /** Peers held by other nodes. */
  long peerCount() {
    return peerCount.sum();
  }

  /** Nodes this view holds peers of. */
  Set<String> nodes() {
    return Set.copyOf(byNode.keySet());
  }

  void put(String node, BinaryId infoHash, BinaryId peerId, boolean seeder) {
    Set<BinaryId> members = byNode.computeIfAbsent(node, n -> new HashMap<>())
        .computeIfAbsent(infoHash, h -> new HashSet<>());
    if (members.add(peerId)) {
      peerCount.increment();
    }
    swarms.computeIfAbsent(infoHash, h -> new RemoteSwarm()).put(node, peerId, seeder);
  }

  void remove(String node, BinaryId infoHash, BinaryId peerId) {
    Map<BinaryId, Set<BinaryId>> nodeSwarms = byNode.get(node);
    if (nodeSwarms == null) {
      return;
    }
    Set<BinaryId> members = nodeSwarms.get(infoHash);
    if (members != null && members.remove(peerId)) {
      peerCount.decrement();
      if (members.isEmpty()) {
        nodeSwarms.remove(infoHash);
      }
      RemoteSwarm swarm = swarms.get(infoHash);
      if (swarm != null) {
        swarm.remove(node, peerId);
        unlinkIfEmpty(infoHash, swarm);
      }
    }
  }

  void downloaded(String node, BinaryId infoHash, int downloaded) {
    byNode.computeIfAbsent(node, n -> new HashMap<>()).computeIfAbsent(infoHash,
        h -> new HashSet<>());
    swarms.computeIfAbsent(infoHash, h -> new RemoteSwarm()).downloaded(node, downloaded);
  }

  /** Forgets everything {@code node} held. */
  void dropNode(String node) {
    Map<BinaryId, Set<BinaryId>> nodeSwarms = byNode.remove(node);
    if (nodeSwarms == null) {
      return;
    }
    for (Map.Entry<BinaryId, Set<BinaryId>> e : nodeSwarms.entrySet()) {
      RemoteSwarm swarm = swarms.get(e.getKey());
      if (swarm == null) {
        continue;
      }
      for (BinaryId peerId : e.getValue()) {
        swarm.remove(node, peerId);
        peerCount.decrement();
      }
      swarm.forgetDownloaded(node);
      unlinkIfEmpty(e.getKey(), swarm);
    }
  }

  /** Forgets every other node (Redis is unreachable). */
  void clear() {
    for (String node : nodes()) {
      dropNode(node);
    }
  }

  private void unlinkIfEmpty(BinaryId infoHash, RemoteSwarm swarm) {
    if (swarm.isEmpty()) {
      // Only the cluster thread adds to a swarm, so an empty one stays empty here.
      swarms.remove(infoHash, swarm);
    }
  }
}
