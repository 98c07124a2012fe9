package dev.hlsmesh.tracker.cluster;

import dev.hlsmesh.protocol.tracker.BinaryId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.random.RandomGenerator;

/**
 * The peers of one swarm that other cluster nodes hold. Written only by the cluster thread,
 * read by event loops: every access holds {@code synchronized (this)}.
 */
final class RemoteSwarm {

  /** A peer connected to another node. */
  static final class RemotePeer {
    final String node;
    final BinaryId id;
    boolean seeder;
    int index;

    RemotePeer(String node, BinaryId id, boolean seeder) {
      this.node = node;
      this.id = id;
      this.seeder = seeder;
    }
  }

  private final HashMap<BinaryId, RemotePeer> byId = new HashMap<>(4);
  /** Dense list for O(1) random picks; {@link RemotePeer#index} is the position. */
  private final ArrayList<RemotePeer> peers = new ArrayList<>(4);
  private final HashMap<String, Integer> downloadedByNode = new HashMap<>(2);
  private int seeders;

  synchronized int size() {
    return peers.size();
  }

  synchronized int seeders() {
    return seeders;
  }

  synchronized int downloaded() {
    int sum = 0;
    for (int d : downloadedByNode.values()) {
      sum += d;
    }
    return sum;
  }

  synchronized boolean isEmpty() {
    return peers.isEmpty() && downloadedByNode.isEmpty();
  }

  /** Adds or updates a peer; the latest node to announce a peer id holds it. */
  synchronized void put(String node, BinaryId id, boolean seeder) {
    RemotePeer p = byId.get(id);
    if (p != null && !p.node.equals(node)) {
      remove(p);
      p = null;
    }
    if (p == null) {
      p = new RemotePeer(node, id, seeder);
      p.index = peers.size();
      peers.add(p);
      byId.put(id, p);
      if (seeder) {
        seeders++;
      }
    } else if (p.seeder != seeder) {
      p.seeder = seeder;
      seeders += seeder ? 1 : -1;
    }
  }

  /** Removes the peer if {@code node} holds it. */
  synchronized void remove(String node, BinaryId id) {
    RemotePeer p = byId.get(id);
    if (p != null && p.node.equals(node)) {
      remove(p);
    }
  }

  private void remove(RemotePeer p) {
    byId.remove(p.id);
    RemotePeer last = peers.remove(peers.size() - 1);
    if (last != p) {
      peers.set(p.index, last);
      last.index = p.index;
    }
    if (p.seeder) {
      seeders--;
    }
  }

  synchronized void downloaded(String node, int downloaded) {
    if (downloaded <= 0) {
      downloadedByNode.remove(node);
    } else {
      downloadedByNode.put(node, downloaded);
    }
  }

  synchronized void forgetDownloaded(String node) {
    downloadedByNode.remove(node);
  }

  /**
   * Up to {@code wanted} distinct random peers other than {@code self}.
   */
  synchronized RemotePeer[] pick(int wanted, BinaryId self, RandomGenerator random) {
    int n = peers.size();
    if (wanted <= 0 || n == 0) {
      return new RemotePeer[0];
    }
    ArrayList<RemotePeer> chosen = new ArrayList<>(Math.min(wanted, n));
    if (n <= 2 * wanted + 8) {
      RemotePeer[] candidates = peers.toArray(new RemotePeer[0]);
      int left = n;
      while (chosen.size() < wanted && left > 0) {
        int i = random.nextInt(left);
        RemotePeer p = candidates[i];
        candidates[i] = candidates[--left];
        if (!p.id.equals(self)) {
          chosen.add(p);
        }
      }
    } else {
      int attempts = 0;
      while (chosen.size() < wanted && attempts++ < 16 * wanted) {
        RemotePeer p = peers.get(random.nextInt(n));
        if (!p.id.equals(self) && !chosen.contains(p)) {
          chosen.add(p);
        }
      }
    }
    return chosen.toArray(new RemotePeer[0]);
  }

  /** Number of peers other than {@code self}. */
  synchronized int othersCount(BinaryId self) {
    return peers.size() - (byId.containsKey(self) ? 1 : 0);
  }
}
