package dev.hlsmesh.e2e;

import dev.hlsmesh.agent.Agent;
import dev.hlsmesh.agent.AgentConfig;
import dev.hlsmesh.agent.SwarmKey;
import dev.hlsmesh.agent.delivery.CdnSegmentLoader;
import dev.hlsmesh.agent.delivery.HlsStream;
import dev.hlsmesh.agent.player.PlayerSettings;
import dev.hlsmesh.agent.player.VirtualPlayer;
import dev.hlsmesh.agent.scheduler.HybridSegmentLoader;
import dev.hlsmesh.agent.scheduler.SchedulerSettings;
import dev.hlsmesh.agent.stats.AgentStats;
import dev.hlsmesh.agent.store.InMemorySegmentStore;
import dev.hlsmesh.cdn.CdnConfig;
import dev.hlsmesh.cdn.TaskScheduler;
import dev.hlsmesh.cdn.fetch.CdnFetcher;
import dev.hlsmesh.cdn.hls.MasterPlaylist;
import dev.hlsmesh.cdn.hls.PlaylistLoader;
import dev.hlsmesh.cdn.hls.PlaylistParser;
import dev.hlsmesh.cdn.hls.SwarmStreams;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * One viewer (agent, hybrid scheduler, virtual player on the first variant) in a JVM of its own,
 * so that a test can kill it with SIGKILL, as a crashed process or a vanished machine: nothing
 * is closed, no data channel is shut, the tracker is not told. It prints {@code uploaded N}
 * (payload bytes uploaded so far) every 100 ms on stdout and exits by itself after
 * {@code lifetimeSeconds} in case nobody kills it.
 *
 * <p>Arguments: {@code trackerUri masterPlaylistUri maxUploadBytesPerSecond lifetimeSeconds}.
 */
public final class RemoteViewerMain {
  private RemoteViewerMain() {
  }

  public static void main(String[] args) throws Exception {
    URI tracker = URI.create(args[0]);
    URI masterUri = URI.create(args[1]);
    long maxUploadBytesPerSecond = Long.parseLong(args[2]);
    long lifetimeSeconds = Long.parseLong(args[3]);
    ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
    CdnFetcher fetcher = CdnFetcher.create(CdnConfig.defaults());
    PlaylistLoader playlists = PlaylistLoader.using(fetcher);
    PlaylistLoader.Loaded loaded = playlists.load(masterUri).get(30, TimeUnit.SECONDS);
    MasterPlaylist master = PlaylistParser.parseMaster(loaded.uri(), loaded.text());
    HlsStream stream = HlsStream.ofVariant(master.uri(), master.variants().get(0));
    SwarmKey swarm = SwarmKey.ofStreamSwarmId(SwarmStreams.of(master).get(0).streamSwarmId());
    InMemorySegmentStore store = new InMemorySegmentStore(64L << 20, Duration.ofMinutes(1), Clock.systemUTC());
    Agent agent = Agent.start(AgentConfig.builder(tracker).peers(4, 16).belowMinimumAnnounceMillis(1_000)
        .trackerReconnectMillis(100, 1_000).maxUploadBytesPerSecond(maxUploadBytesPerSecond).build(), store);
    agent.join(swarm);
    AgentStats stats = new AgentStats();
    HybridSegmentLoader scheduler = new HybridSegmentLoader(swarm, agent.swarmPeers(swarm), store,
        new CdnSegmentLoader(fetcher, stats, 10_000, 16 << 20), stats, SchedulerSettings.defaults(),
        Clock.systemUTC(), new Random(), agent.config().integrity());
    VirtualPlayer.follow(stream, scheduler, playlists, Clock.systemUTC(), TaskScheduler.of(timer),
        PlayerSettings.defaults(), stats);
    long endNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(lifetimeSeconds);
    timer.scheduleAtFixedRate(() -> {
      System.out.println("uploaded " + agent.uploadedBytes());
      System.out.flush();
      if (System.nanoTime() > endNanos) {
        Runtime.getRuntime().halt(0);
      }
    }, 100, 100, TimeUnit.MILLISECONDS);
  }
}
