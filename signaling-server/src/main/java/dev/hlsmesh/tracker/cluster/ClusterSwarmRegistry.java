package dev.hlsmesh.tracker.cluster;

import static java.util.Objects.requireNonNull;

import dev.hlsmesh.protocol.tracker.BinaryId;
import dev.hlsmesh.protocol.tracker.Offer;
import dev.hlsmesh.protocol.tracker.ScrapeResponse;
import dev.hlsmesh.protocol.tracker.ViewerReport;
import dev.hlsmesh.tracker.relay.PeerEndpoint;
import dev.hlsmesh.tracker.swarm.AnnounceResult;
import dev.hlsmesh.tracker.swarm.LocalSwarmRegistry;
import dev.hlsmesh.tracker.swarm.SwarmRegistry;
import dev.hlsmesh.tracker.swarm.SwarmSummary;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntConsumer;

/**
 * The swarms of the whole cluster: this node's peers in a {@link LocalSwarmRegistry}, the other
 * nodes' peers from the {@link ClusterNode}'s replica. An announce picks its targets uniformly
 * among both; offers and answers to peers of other nodes go through Redis
 * ({@link RemoteEndpoint}). Counts ({@code complete}, {@code incomplete}, scrapes) are
 * cluster-wide; {@link #swarmCount}, {@link #peerCount} and {@link #forEachSwarmSize} stay this
 * node's own (its metrics). Thread-safe.
 */
public final class ClusterSwarmRegistry implements SwarmRegistry {

  private final LocalSwarmRegistry local;
  private final ClusterNode cluster;

  public ClusterSwarmRegistry(LocalSwarmRegistry local, ClusterNode cluster) {
    this.local = requireNonNull(local, "local");
    this.cluster = requireNonNull(cluster, "cluster");
  }

  @Override
  public AnnounceResult announce(BinaryId infoHash, BinaryId peerId, PeerEndpoint endpoint,
      boolean completed, boolean seeder, List<Offer> offers, int maxTargets, long nowMillis) {
    RemoteSwarm remote = cluster.view().swarm(infoHash);
    if (remote == null) {
      return local.announce(infoHash, peerId, endpoint, completed, seeder, offers, maxTargets,
          nowMillis);
    }
    int wanted = Math.min(offers.size(), maxTargets);
    int localOthers = local.othersCount(infoHash, peerId);
    int remoteOthers = remote.othersCount(peerId);
    int picks = Math.min(wanted, localOthers + remoteOthers);
    // Draw the picks without replacement from the union: how many land on other nodes.
    ThreadLocalRandom random = ThreadLocalRandom.current();
    int remotePicks = 0;
    int localLeft = localOthers;
    int remoteLeft = remoteOthers;
    for (int i = 0; i < picks; i++) {
      if (random.nextInt(localLeft + remoteLeft) < remoteLeft) {
        remotePicks++;
        remoteLeft--;
      } else {
        localLeft--;
      }
    }
    AnnounceResult result = local.announce(infoHash, peerId, endpoint, completed, seeder, offers,
        picks - remotePicks, nowMillis);
    int remoteSeeders = remote.seeders();
    int remoteLeechers = remote.size() - remoteSeeders;
    if (result.status() != AnnounceResult.Status.OK) {
      return new AnnounceResult(result.status(), result.complete() + remoteSeeders,
          result.incomplete() + remoteLeechers, result.targets());
    }
    PeerEndpoint[] localTargets = result.targets();
    // If fewer local peers were live than counted, other nodes' peers fill in.
    int remoteWanted = Math.min(picks - localTargets.length, wanted - localTargets.length);
    RemoteSwarm.RemotePeer[] chosen = remote.pick(remoteWanted, peerId, random);
    PeerEndpoint[] targets = new PeerEndpoint[localTargets.length + chosen.length];
    System.arraycopy(localTargets, 0, targets, 0, localTargets.length);
    for (int i = 0; i < chosen.length; i++) {
      targets[localTargets.length + i] =
          new RemoteEndpoint(cluster, chosen[i].node, infoHash, chosen[i].id);
    }
    return new AnnounceResult(AnnounceResult.Status.OK, result.complete() + remoteSeeders,
        result.incomplete() + remoteLeechers, targets);
  }

  @Override
  public ScrapeResponse.Stats leave(BinaryId infoHash, BinaryId peerId, PeerEndpoint endpoint) {
    return withRemote(infoHash, local.leave(infoHash, peerId, endpoint));
  }

  @Override
  public PeerEndpoint claimOffer(BinaryId infoHash, BinaryId offererId, BinaryId offerId,
      BinaryId answererId, PeerEndpoint answererEndpoint, long nowMillis) {
    PeerEndpoint offerer = local.claimOffer(infoHash, offererId, offerId, answererId,
        answererEndpoint, nowMillis);
    if (offerer != null) {
      return offerer;
    }
    String node = local.claimRemoteOffer(infoHash, offererId, offerId, answererId,
        answererEndpoint, nowMillis);
    return node == null ? null : new RemoteEndpoint(cluster, node, infoHash, offererId);
  }

  @Override
  public ScrapeResponse.Stats scrape(BinaryId infoHash) {
    return withRemote(infoHash, local.scrape(infoHash));
  }

  private ScrapeResponse.Stats withRemote(BinaryId infoHash, ScrapeResponse.Stats stats) {
    RemoteSwarm remote = cluster.view().swarm(infoHash);
    if (remote == null) {
      return stats;
    }
    int seeders = remote.seeders();
    return new ScrapeResponse.Stats(stats.complete() + seeders,
        stats.incomplete() + remote.size() - seeders, stats.downloaded() + remote.downloaded());
  }

  @Override
  public void sweep(long nowMillis) {
    local.sweep(nowMillis);
  }

  @Override
  public ViewerReport report(BinaryId infoHash, BinaryId peerId, PeerEndpoint endpoint,
      ViewerReport report, long nowMillis) {
    return local.report(infoHash, peerId, endpoint, report, nowMillis);
  }

  @Override
  public List<SwarmSummary> largestSwarms(int limit, long nowMillis) {
    return cluster.largestSwarms(local.largestSwarms(limit, nowMillis), limit);
  }

  @Override
  public void forEachSwarmSize(IntConsumer action) {
    local.forEachSwarmSize(action);
  }

  @Override
  public int swarmCount() {
    return local.swarmCount();
  }

  @Override
  public long peerCount() {
    return local.peerCount();
  }
}
