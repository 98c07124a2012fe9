package dev.hlsmesh.e2e.browser;

import dev.hlsmesh.agent.Agent;
import dev.hlsmesh.agent.AgentConfig;
import dev.hlsmesh.agent.SwarmKey;
import dev.hlsmesh.agent.delivery.CdnSegmentLoader;
import dev.hlsmesh.agent.delivery.HlsStream;
import dev.hlsmesh.agent.delivery.SegmentLoader;
import dev.hlsmesh.agent.delivery.SegmentRequest;
import dev.hlsmesh.agent.integrity.SegmentVerifier;
import dev.hlsmesh.agent.player.PlayerSettings;
import dev.hlsmesh.agent.player.PlayerStats;
import dev.hlsmesh.agent.player.VirtualPlayer;
import dev.hlsmesh.agent.scheduler.HybridSegmentLoader;
import dev.hlsmesh.agent.scheduler.SchedulerSettings;
import dev.hlsmesh.agent.stats.AgentStats;
import dev.hlsmesh.agent.store.InMemorySegmentStore;
import dev.hlsmesh.cdn.CdnConfig;
import dev.hlsmesh.cdn.TaskScheduler;
import dev.hlsmesh.cdn.fetch.CdnFetcher;
import dev.hlsmesh.cdn.hls.MediaPlaylist;
import dev.hlsmesh.cdn.hls.PlaylistLoader;
import dev.hlsmesh.testsupport.LiveHlsOrigin;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Java viewer of the mixed-swarm tests: an agent in the swarm with its own CDN client, hybrid
 * scheduler (checking peers' segments against the signed sidecars when the agent's config has
 * keys) and virtual player on the stream; every segment its player receives is compared with
 * the origin's bytes.
 *
 * <p>Thread-safe for what the tests call.
 */
final class AgentViewer implements AutoCloseable {
  private final Agent agent;
  private final String peerId;
  private final CdnFetcher fetcher;
  private final HybridSegmentLoader scheduler;
  private final AgentStats stats = new AgentStats();
  private final VirtualPlayer player;
  private final AtomicLong segmentsPlayed = new AtomicLong();
  private final List<String> mismatches = new CopyOnWriteArrayList<>();

  private AgentViewer(AgentConfig config, SwarmKey swarm, HlsStream stream, String variant, LiveHlsOrigin origin,
      TaskScheduler timers, int seed) {
    InMemorySegmentStore store = new InMemorySegmentStore(64L << 20, Duration.ofMinutes(1), Clock.systemUTC());
    this.agent = Agent.start(config, store);
    this.peerId = agent.join(swarm);
    stats.connectedPeers(() -> agent.connectedPeers(swarm).size());
    this.fetcher = CdnFetcher.create(CdnConfig.defaults());
    this.scheduler = new HybridSegmentLoader(swarm, agent.swarmPeers(swarm), store,
        new CdnSegmentLoader(fetcher, stats, 10_000, 16 << 20), stats, SchedulerSettings.defaults(),
        Clock.systemUTC(), new Random(seed), SegmentVerifier.create(config.integrity(), fetcher));
    SegmentLoader checking = new SegmentLoader() {
      @Override
      public CompletableFuture<byte[]> load(SegmentRequest request) {
        long msn = request.segment().mediaSequenceNumber();
        return scheduler.load(request).whenComplete((bytes, error) -> {
          if (bytes != null) {
            segmentsPlayed.incrementAndGet();
            if (!Arrays.equals(bytes, origin.segmentBytes(variant, msn))) {
              mismatches.add("agent " + peerId + ": segment " + msn + " (" + bytes.length + " bytes) differs from the origin's");
            }
          }
        });
      }

      @Override
      public void playlistLoaded(HlsStream played, MediaPlaylist playlist) {
        scheduler.playlistLoaded(played, playlist);
      }
    };
    this.player = VirtualPlayer.follow(stream, checking, PlaylistLoader.using(fetcher), Clock.systemUTC(), timers,
        PlayerSettings.defaults(), stats);
  }

  /** Starts an agent in {@code swarm} and its player on {@code stream} (the variant {@code variant}). */
  static AgentViewer start(AgentConfig config, SwarmKey swarm, HlsStream stream, String variant, LiveHlsOrigin origin,
      TaskScheduler timers, int seed) {
    return new AgentViewer(config, swarm, stream, variant, origin, timers, seed);
  }

  String peerId() {
    return peerId;
  }

  PlayerStats playerStats() {
    return player.stats();
  }

  long segmentsPlayed() {
    return segmentsPlayed.get();
  }

  long peerBytes() {
    return stats.snapshot().peerBytes();
  }

  long cdnBytes() {
    return stats.snapshot().cdnBytes();
  }

  long uploadedBytes() {
    return agent.uploadedBytes();
  }

  long validationFailures() {
    return stats.validationFailures();
  }

  long verifiedPeerSegments() {
    return stats.snapshot().verifiedPeerSegments();
  }

  List<String> mismatches() {
    return List.copyOf(mismatches);
  }

  @Override
  public void close() {
    try {
      player.close();
      scheduler.close();
      agent.close();
    } finally {
      fetcher.close();
    }
  }
}
