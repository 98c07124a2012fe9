package dev.hlsmesh.tracker.swarm;

import static java.util.Objects.requireNonNull;

import dev.hlsmesh.protocol.tracker.BinaryId;
import dev.hlsmesh.protocol.tracker.Offer;
import dev.hlsmesh.protocol.tracker.ScrapeResponse;
import dev.hlsmesh.protocol.tracker.ViewerReport;
import dev.hlsmesh.tracker.relay.PeerEndpoint;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntConsumer;

/**
 * The in-process {@link SwarmRegistry}: a concurrent map of swarms, each guarded by its own
 * monitor (held only for the few table operations of one message; sends happen after it is
 * released). Thread-safe.
 */
public final class LocalSwarmRegistry implements SwarmRegistry {

  private static final ScrapeResponse.Stats EMPTY = new ScrapeResponse.Stats(0, 0, 0);

  private final ConcurrentHashMap<BinaryId, Swarm> swarms = new ConcurrentHashMap<>();
  private final AtomicInteger swarmCount = new AtomicInteger();
  private final LongAdder peerCount = new LongAdder();
  private final int maxSwarms;
  private final int maxPeersPerSwarm;
  private final long peerTimeoutMillis;
  private final long offerTimeoutMillis;
  private final int pendingOffersPerPeer;
  private final SplittableRandom seeds;
  private volatile MembershipListener listener = MembershipListener.NONE;

  /**
   * @param pendingOffersPerPeer how many unanswered offers of one peer are remembered
   * @param random seeds each swarm's own random generator (swarms pick peers independently)
   */
  public LocalSwarmRegistry(int maxSwarms, int maxPeersPerSwarm, long peerTimeoutMillis,
      long offerTimeoutMillis, int pendingOffersPerPeer, SplittableRandom random) {
    this.maxSwarms = maxSwarms;
    this.maxPeersPerSwarm = maxPeersPerSwarm;
    this.peerTimeoutMillis = peerTimeoutMillis;
    this.offerTimeoutMillis = offerTimeoutMillis;
    this.pendingOffersPerPeer = pendingOffersPerPeer;
    this.seeds = requireNonNull(random, "random");
  }

  /**
   * Sets who hears membership changes from now on (a cluster node); set it before the tracker
   * serves, the changes before are not replayed (see {@link #forEachPeer}).
   */
  public void setMembershipListener(MembershipListener listener) {
    this.listener = requireNonNull(listener, "listener");
  }

  @Override
  public AnnounceResult announce(BinaryId infoHash, BinaryId peerId, PeerEndpoint endpoint,
      boolean completed, boolean seeder, List<Offer> offers, int maxTargets, long nowMillis) {
    while (true) {
      Swarm swarm = swarms.get(infoHash);
      if (swarm == null) {
        swarm = swarms.computeIfAbsent(infoHash, this::newSwarm);
        if (swarm == null) {
          return AnnounceResult.refused(AnnounceResult.Status.TOO_MANY_SWARMS, 0, 0);
        }
      }
      synchronized (swarm) {
        if (swarm.removed) {
          continue;
        }
        return announceLocked(swarm, peerId, endpoint, completed, seeder, offers, maxTargets,
            nowMillis);
      }
    }
  }

  private Swarm newSwarm(BinaryId infoHash) {
    if (swarmCount.incrementAndGet() > maxSwarms) {
      swarmCount.decrementAndGet();
      return null;
    }
    SplittableRandom random;
    synchronized (seeds) {
      random = seeds.split();
    }
    return new Swarm(infoHash, random);
  }

  private AnnounceResult announceLocked(Swarm swarm, BinaryId peerId, PeerEndpoint endpoint,
      boolean completed, boolean seeder, List<Offer> offers, int maxTargets, long nowMillis) {
    Peer peer = swarm.get(peerId);
    if (peer != null && peer.endpoint != endpoint) {
      if (!isExpired(peer, nowMillis)) {
        return AnnounceResult.refused(
            AnnounceResult.Status.PEER_ID_CONFLICT, swarm.seeders(), swarm.leechers());
      }
      removePeer(swarm, peer);
      peer = null;
    }
    if (peer == null) {
      if (swarm.size() >= maxPeersPerSwarm) {
        removeExpired(swarm, nowMillis);
      }
      if (swarm.size() >= maxPeersPerSwarm) {
        return AnnounceResult.refused(
            AnnounceResult.Status.SWARM_FULL, swarm.seeders(), swarm.leechers());
      }
      peer = new Peer(peerId, endpoint);
      swarm.add(peer);
      peerCount.increment();
      listener.peerJoined(swarm.infoHash, peerId, false);
    }
    peer.lastAnnounceMillis = nowMillis;
    if ((completed || seeder) && !peer.seeder) {
      int downloadedBefore = swarm.downloaded();
      swarm.promote(peer, completed);
      listener.peerJoined(swarm.infoHash, peerId, true);
      if (swarm.downloaded() != downloadedBefore) {
        listener.downloaded(swarm.infoHash, swarm.downloaded());
      }
    }
    PeerEndpoint[] targets = AnnounceResult.noTargets();
    int wanted = Math.min(offers.size(), maxTargets);
    if (wanted > 0 && swarm.size() > 1) {
      Peer[] chosen = selectTargets(swarm, peer, wanted, nowMillis);
      targets = new PeerEndpoint[chosen.length];
      long expiresAt = nowMillis + offerTimeoutMillis;
      for (int i = 0; i < chosen.length; i++) {
        targets[i] = chosen[i].endpoint;
        peer.addPending(new Peer.PendingOffer(offers.get(i).offerId(), chosen[i].id,
            chosen[i].endpoint, expiresAt), pendingOffersPerPeer);
      }
    }
    return new AnnounceResult(AnnounceResult.Status.OK, swarm.seeders(), swarm.leechers(),
        targets);
  }

  /** Up to {@code wanted} distinct random live peers other than {@code self}. */
  private Peer[] selectTargets(Swarm swarm, Peer self, int wanted, long nowMillis) {
    Peer[] chosen = new Peer[wanted];
    int count = 0;
    int others = swarm.size() - 1;
    if (others <= 2 * wanted + 8) {
      // Small swarm: a partial Fisher-Yates shuffle over the candidates.
      Peer[] candidates = new Peer[others];
      int n = 0;
      for (int i = 0; i < swarm.size(); i++) {
        Peer p = swarm.peerAt(i);
        if (p != self) {
          candidates[n++] = p;
        }
      }
      while (count < wanted && n > 0) {
        int pick = swarm.random.nextInt(n);
        Peer p = candidates[pick];
        candidates[pick] = candidates[--n];
        if (isExpired(p, nowMillis)) {
          removePeer(swarm, p);
        } else {
          chosen[count++] = p;
        }
      }
    } else {
      // Large swarm: random probes; collisions are rare because the swarm dwarfs `wanted`.
      int attempts = 0;
      while (count < wanted && swarm.size() > 1 && attempts++ < 16 * wanted) {
        Peer p = swarm.peerAt(swarm.random.nextInt(swarm.size()));
        if (p == self || contains(chosen, count, p)) {
          continue;
        }
        if (isExpired(p, nowMillis)) {
          removePeer(swarm, p);
        } else {
          chosen[count++] = p;
        }
      }
    }
    if (count == wanted) {
      return chosen;
    }
    Peer[] fewer = new Peer[count];
    System.arraycopy(chosen, 0, fewer, 0, count);
    return fewer;
  }

  private static boolean contains(Peer[] peers, int count, Peer peer) {
    for (int i = 0; i < count; i++) {
      if (peers[i] == peer) {
        return true;
      }
    }
    return false;
  }

  private boolean isExpired(Peer peer, long nowMillis) {
    return nowMillis - peer.lastAnnounceMillis > peerTimeoutMillis;
  }

  private void removePeer(Swarm swarm, Peer peer) {
    swarm.remove(peer);
    peerCount.decrement();
    listener.peerLeft(swarm.infoHash, peer.id);
  }

  private void removeExpired(Swarm swarm, long nowMillis) {
    for (int i = swarm.size() - 1; i >= 0; i--) {
      Peer p = swarm.peerAt(i);
      if (isExpired(p, nowMillis)) {
        removePeer(swarm, p);
      }
    }
  }

  /** Unlinks an empty swarm; the caller holds its monitor. */
  private void unlinkIfEmpty(Swarm swarm) {
    if (swarm.size() == 0 && !swarm.removed) {
      swarm.removed = true;
      swarms.remove(swarm.infoHash, swarm);
      swarmCount.decrementAndGet();
    }
  }

  @Override
  public ScrapeResponse.Stats leave(BinaryId infoHash, BinaryId peerId, PeerEndpoint endpoint) {
    Swarm swarm = swarms.get(infoHash);
    if (swarm == null) {
      return EMPTY;
    }
    synchronized (swarm) {
      Peer peer = swarm.get(peerId);
      if (peer != null && peer.endpoint == endpoint) {
        removePeer(swarm, peer);
        unlinkIfEmpty(swarm);
      }
      return new ScrapeResponse.Stats(swarm.seeders(), swarm.leechers(), swarm.downloaded());
    }
  }

  @Override
  public PeerEndpoint claimOffer(BinaryId infoHash, BinaryId offererId, BinaryId offerId,
      BinaryId answererId, PeerEndpoint answererEndpoint, long nowMillis) {
    Swarm swarm = swarms.get(infoHash);
    if (swarm == null) {
      return null;
    }
    synchronized (swarm) {
      Peer offerer = swarm.get(offererId);
      if (offerer == null) {
        return null;
      }
      if (isExpired(offerer, nowMillis)) {
        removePeer(swarm, offerer);
        unlinkIfEmpty(swarm);
        return null;
      }
      if (!offerer.claimPending(offerId, answererId, answererEndpoint, nowMillis)) {
        return null;
      }
      // Answering is a sign of life of the answerer, as an announce is.
      Peer answerer = swarm.get(answererId);
      if (answerer != null && answerer.endpoint == answererEndpoint) {
        answerer.lastAnnounceMillis = nowMillis;
      }
      return offerer.endpoint;
    }
  }

  @Override
  public ScrapeResponse.Stats scrape(BinaryId infoHash) {
    Swarm swarm = swarms.get(infoHash);
    if (swarm == null) {
      return EMPTY;
    }
    synchronized (swarm) {
      return new ScrapeResponse.Stats(swarm.seeders(), swarm.leechers(), swarm.downloaded());
    }
  }

  @Override
  public void sweep(long nowMillis) {
    for (Swarm swarm : swarms.values()) {
      synchronized (swarm) {
        removeExpired(swarm, nowMillis);
        unlinkIfEmpty(swarm);
      }
    }
  }

  @Override
  public ViewerReport report(BinaryId infoHash, BinaryId peerId, PeerEndpoint endpoint,
      ViewerReport report, long nowMillis) {
    requireNonNull(report, "report");
    Swarm swarm = swarms.get(infoHash);
    if (swarm == null) {
      return null;
    }
    synchronized (swarm) {
      Peer peer = swarm.get(peerId);
      if (peer == null || peer.endpoint != endpoint) {
        return null;
      }
      return swarm.report(peer, report, nowMillis);
    }
  }

  @Override
  public List<SwarmSummary> largestSwarms(int limit, long nowMillis) {
    if (limit <= 0) {
      return List.of();
    }
    // Keep the `limit` largest in a min-heap: O(swarms * log limit), one monitor at a time.
    record Sized(Swarm swarm, int size) {}
    PriorityQueue<Sized> largest = new PriorityQueue<>(Comparator.comparingInt(Sized::size));
    for (Swarm swarm : swarms.values()) {
      int size;
      synchronized (swarm) {
        if (swarm.removed) {
          continue;
        }
        size = swarm.size();
      }
      if (largest.size() < limit) {
        largest.add(new Sized(swarm, size));
      } else if (size > largest.peek().size()) {
        largest.poll();
        largest.add(new Sized(swarm, size));
      }
    }
    List<SwarmSummary> summaries = new ArrayList<>(largest.size());
    for (Sized sized : largest) {
      synchronized (sized.swarm()) {
        if (!sized.swarm().removed) {
          summaries.add(sized.swarm().summarize(nowMillis));
        }
      }
    }
    summaries.sort(Comparator.comparingInt(SwarmSummary::viewers).reversed()
        .thenComparing(s -> s.infoHash().toHex()));
    return summaries;
  }

  @Override
  public void forEachSwarmSize(IntConsumer action) {
    for (Swarm swarm : swarms.values()) {
      int size;
      synchronized (swarm) {
        if (swarm.removed) {
          continue;
        }
        size = swarm.size();
      }
      action.accept(size);
    }
  }

  /**
   * Peers of the swarm other than {@code peerId} (zero for an unknown swarm); expired peers not
   * yet swept are counted.
   */
  public int othersCount(BinaryId infoHash, BinaryId peerId) {
    Swarm swarm = swarms.get(infoHash);
    if (swarm == null) {
      return 0;
    }
    synchronized (swarm) {
      return swarm.size() - (swarm.get(peerId) == null ? 0 : 1);
    }
  }

  /** Whether the swarm has a peer here. */
  public boolean contains(BinaryId infoHash) {
    return swarms.containsKey(infoHash);
  }

  /** The endpoint of a member, or null if it is not in the swarm. */
  public PeerEndpoint endpointOf(BinaryId infoHash, BinaryId peerId) {
    Swarm swarm = swarms.get(infoHash);
    if (swarm == null) {
      return null;
    }
    synchronized (swarm) {
      Peer peer = swarm.get(peerId);
      return peer == null ? null : peer.endpoint;
    }
  }

  /**
   * Records an offer relayed from a peer of another cluster node ({@code offererNode}) to the
   * member {@code answererId}, answerable until the offer timeout.
   *
   * @return the answerer's endpoint to deliver the offer to, or null if it is not here
   */
  public PeerEndpoint acceptRemoteOffer(BinaryId infoHash, BinaryId answererId,
      BinaryId offererId, BinaryId offerId, String offererNode, long nowMillis) {
    Swarm swarm = swarms.get(infoHash);
    if (swarm == null) {
      return null;
    }
    synchronized (swarm) {
      Peer answerer = swarm.get(answererId);
      if (answerer == null || isExpired(answerer, nowMillis)) {
        return null;
      }
      answerer.addRemoteOffer(new Peer.RemoteOffer(offerId, offererId, offererNode,
          nowMillis + offerTimeoutMillis), pendingOffersPerPeer);
      return answerer.endpoint;
    }
  }

  /**
   * Consumes an offer {@link #acceptRemoteOffer accepted} from another node for the member
   * {@code answererId} on {@code answererEndpoint}.
   *
   * @return the node of the offerer to relay the answer to, or null if there is no such
   *     unexpired offer
   */
  public String claimRemoteOffer(BinaryId infoHash, BinaryId offererId, BinaryId offerId,
      BinaryId answererId, PeerEndpoint answererEndpoint, long nowMillis) {
    Swarm swarm = swarms.get(infoHash);
    if (swarm == null) {
      return null;
    }
    synchronized (swarm) {
      Peer answerer = swarm.get(answererId);
      if (answerer == null || answerer.endpoint != answererEndpoint) {
        return null;
      }
      String node = answerer.claimRemoteOffer(offerId, offererId, nowMillis);
      if (node != null) {
        answerer.lastAnnounceMillis = nowMillis;
      }
      return node;
    }
  }

  /** Visits every member and every swarm's downloaded count, one swarm's monitor at a time. */
  public void forEachPeer(MembershipListener visitor) {
    for (Swarm swarm : swarms.values()) {
      synchronized (swarm) {
        if (swarm.removed) {
          continue;
        }
        for (int i = 0; i < swarm.size(); i++) {
          Peer p = swarm.peerAt(i);
          visitor.peerJoined(swarm.infoHash, p.id, p.seeder);
        }
        if (swarm.downloaded() > 0) {
          visitor.downloaded(swarm.infoHash, swarm.downloaded());
        }
      }
    }
  }

  @Override
  public int swarmCount() {
    return swarmCount.get();
  }

  @Override
  public long peerCount() {
    return peerCount.sum();
  }
}
