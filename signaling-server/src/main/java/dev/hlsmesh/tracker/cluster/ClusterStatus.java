package dev.hlsmesh.tracker.cluster;

import java.util.List;
import java.util.Map;

/**
 * What the HTTP endpoints show of the cluster ({@code /stats}, {@code /readyz},
 * {@code /metrics}). Thread-safe.
 */
public interface ClusterStatus {

  /** One process, no cluster. */
  ClusterStatus NONE = new ClusterStatus() {
    @Override
    public boolean enabled() {
      return false;
    }

    @Override
    public String nodeId() {
      return "";
    }

    @Override
    public boolean redisUp() {
      return false;
    }

    @Override
    public int liveNodes() {
      return 1;
    }

    @Override
    public long remotePeers() {
      return 0;
    }

    @Override
    public Iterable<dev.hlsmesh.protocol.tracker.BinaryId> remoteSwarms() {
      return List.of();
    }

    @Override
    public int clusterSwarms() {
      return 0;
    }

    @Override
    public List<NodeFigures> otherNodes() {
      return List.of();
    }

    @Override
    public long relayFailures() {
      return 0;
    }
  };

  /** Whether cluster mode is on. */
  boolean enabled();

  /** This node's id. */
  String nodeId();

  /** Whether the latest heartbeat reached Redis. */
  boolean redisUp();

  /** Nodes alive at the latest heartbeat, this one included (1 while Redis is down). */
  int liveNodes();

  /** Peers held by other nodes, as this node's replica knows them. */
  long remotePeers();

  /** The swarms that have peers on other nodes. */
  Iterable<dev.hlsmesh.protocol.tracker.BinaryId> remoteSwarms();

  /** Swarms with a peer on any node (this one's plus the others' it lacks). */
  int clusterSwarms();

  /** The figures the other live nodes published at their latest heartbeat. */
  List<NodeFigures> otherNodes();

  /** Offers and answers that could not be published to another node. */
  long relayFailures();

  /**
   * One node's own counters, as it published them.
   *
   * @param messages by {@code TrackerStats.MessageType} key
   * @param rejections by {@code TrackerStats.Rejection} key
   */
  record NodeFigures(String nodeId, long connections, Map<String, Long> messages,
      Map<String, Long> rejections) {}
}
