package dev.hlsmesh.tracker.swarm;

import dev.hlsmesh.protocol.tracker.BinaryId;
import dev.hlsmesh.protocol.tracker.ViewerReport;
import java.util.HashMap;
import java.util.SplittableRandom;

/**
 * One swarm's peers. Guarded by its own monitor: every access holds {@code synchronized (this)};
 * there is no lock over several swarms.
 */
final class Swarm {
  final BinaryId infoHash;
  final SplittableRandom random;
  private final HashMap<BinaryId, Peer> byId = new HashMap<>(4);
  /** Dense array of the peers for O(1) random picks; {@link Peer#index} is the position. */
  private Peer[] peers = new Peer[4];
  private int size;
  private int seeders;
  private int downloaded;
  /** The viewers' reports; created by the first one. */
  private SwarmTraffic traffic;
  /** Set once the swarm was unlinked from the registry; a racing announce must retry. */
  boolean removed;

  Swarm(BinaryId infoHash, SplittableRandom random) {
    this.infoHash = infoHash;
    this.random = random;
  }

  int size() {
    return size;
  }

  int seeders() {
    return seeders;
  }

  int leechers() {
    return size - seeders;
  }

  int downloaded() {
    return downloaded;
  }

  Peer get(BinaryId peerId) {
    return byId.get(peerId);
  }

  Peer peerAt(int index) {
    return peers[index];
  }

  void add(Peer peer) {
    if (size == peers.length) {
      Peer[] grown = new Peer[size * 2];
      System.arraycopy(peers, 0, grown, 0, size);
      peers = grown;
    }
    peer.index = size;
    peers[size++] = peer;
    byId.put(peer.id, peer);
    if (peer.seeder) {
      seeders++;
    }
  }

  void remove(Peer peer) {
    byId.remove(peer.id);
    Peer last = peers[--size];
    peers[peer.index] = last;
    last.index = peer.index;
    peers[size] = null;
    if (peer.seeder) {
      seeders--;
    }
    if (peer.report != null) {
      traffic.forget(peer.report);
      peer.report = null;
    }
    if (peers.length > 16 && size < peers.length / 4) {
      Peer[] shrunk = new Peer[peers.length / 2];
      System.arraycopy(peers, 0, shrunk, 0, size);
      peers = shrunk;
    }
  }

  /** Records a member's viewer report; returns the increase since its previous one. */
  ViewerReport report(Peer peer, ViewerReport report, long nowMillis) {
    if (traffic == null) {
      traffic = new SwarmTraffic();
    }
    ViewerReport increase = traffic.update(peer.report, report, nowMillis);
    peer.report = report;
    return increase;
  }

  SwarmSummary summarize(long nowMillis) {
    return traffic == null ? SwarmSummary.withoutReports(infoHash, size, seeders)
        : traffic.summarize(infoHash, size, seeders, nowMillis);
  }

  /** Marks a peer as a seeder; counts a download when it came from a {@code completed}. */
  void promote(Peer peer, boolean completedEvent) {
    if (!peer.seeder) {
      peer.seeder = true;
      seeders++;
      if (completedEvent) {
        downloaded++;
      }
    }
  }
}
