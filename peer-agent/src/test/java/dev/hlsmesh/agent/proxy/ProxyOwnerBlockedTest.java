package dev.hlsmesh.agent.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hlsmesh.agent.Agent;
import dev.hlsmesh.agent.AgentConfig;
import dev.hlsmesh.agent.SwarmKey;
import dev.hlsmesh.agent.delivery.CdnSegmentLoader;
import dev.hlsmesh.agent.scheduler.HybridSegmentLoader;
import dev.hlsmesh.agent.scheduler.SchedulerSettings;
import dev.hlsmesh.agent.stats.AgentStats;
import dev.hlsmesh.agent.store.InMemorySegmentStore;
import dev.hlsmesh.cdn.CdnConfig;
import dev.hlsmesh.cdn.fetch.CdnFetcher;
import dev.hlsmesh.testsupport.LiveHlsOrigin;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * No call from the proxy's event loop waits for the agent's thread: with that thread held busy,
 * the proxy still joins the swarm of a newly requested variant, opens its scheduler and answers
 * playlists at once; the segment, which needs the scheduler, comes once the thread is free.
 */
class ProxyOwnerBlockedTest {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final CountDownLatch release = new CountDownLatch(1);
  private LiveHlsOrigin origin;
  private CdnFetcher fetcher;
  private Agent agent;
  private HlsProxy proxy;

  @AfterEach
  void stop() {
    release.countDown();
    if (proxy != null) {
      proxy.close();
    }
    if (agent != null) {
      agent.close();
    }
    if (fetcher != null) {
      fetcher.close();
    }
    if (origin != null) {
      origin.close();
    }
  }

  @Test
  void theProxyJoinsAndAnswersPlaylistsWhileTheAgentsThreadIsBusy() throws Exception {
    origin = LiveHlsOrigin.start();
    fetcher = CdnFetcher.create(CdnConfig.defaults());
    InMemorySegmentStore store = new InMemorySegmentStore(64L << 20, Duration.ofMinutes(1), Clock.systemUTC());
    // No tracker listens there: the agent keeps retrying in the background, which is beside the point.
    agent = Agent.start(AgentConfig.builder(URI.create("ws://127.0.0.1:9")).build(), store);
    AgentStats stats = agent.stats();
    proxy = HlsProxy.start(origin.masterPlaylistUri(), fetcher, agent,
        swarm -> new HybridSegmentLoader(swarm, agent.swarmPeers(swarm), store,
            new CdnSegmentLoader(fetcher, stats, 10_000, 16 << 20), stats, SchedulerSettings.defaults(),
            Clock.systemUTC(), new Random(1), agent.config().integrity()),
        stats, ProxySettings.defaults());

    // Hold the agent's thread (the owner of every swarm and scheduler) until the test releases it.
    SwarmKey elsewhere = SwarmKey.ofHex("abababababababababababababababababababab");
    agent.join(elsewhere);
    CountDownLatch held = new CountDownLatch(1);
    agent.swarmPeers(elsewhere).owner().execute(() -> {
      held.countDown();
      try {
        release.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();

    // Requested now, the variant's swarm is joined and its scheduler opened on the event loop:
    // before, joining waited for the agent's thread (up to 30 s) under the proxy's monitor.
    HttpResponse<String> master = get("/playlist.m3u8");
    assertThat(master.statusCode()).isEqualTo(200);
    HttpResponse<String> media = get("/stream/0/index.m3u8");
    assertThat(media.statusCode()).isEqualTo(200);
    assertThat(agent.peerId(SwarmKey.ofStreamSwarmId(firstSwarmId()))).as("joined at once").isPresent();
    List<String> segments = media.body().lines().filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
    String last = segments.get(segments.size() - 1);
    long msn = Long.parseLong(last.substring(last.lastIndexOf('/') + 1, last.indexOf(".ts")));
    CompletableFuture<HttpResponse<byte[]>> segment = http.sendAsync(
        HttpRequest.newBuilder(proxy.playlistUri().resolve(last)).timeout(Duration.ofSeconds(60)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    // The event loop stays free: another playlist request is answered while the segment waits.
    assertThat(get("/stream/0/index.m3u8").statusCode()).isEqualTo(200);
    assertThat(segment).as("the segment needs the scheduler, which waits for its owner").isNotDone();

    release.countDown();
    HttpResponse<byte[]> answered = segment.get(60, TimeUnit.SECONDS);
    assertThat(answered.statusCode()).isEqualTo(200);
    assertThat(answered.body()).isEqualTo(origin.segmentBytes("360p", msn));
  }

  /** The swarm of the 360p variant (stream 0), computed as the proxy computes it. */
  private String firstSwarmId() {
    return dev.hlsmesh.cdn.hls.SwarmStreams.of(masterPlaylist()).stream()
        .filter(s -> s.playlistUri().equals(origin.mediaPlaylistUri("360p"))).findFirst().orElseThrow()
        .streamSwarmId();
  }

  private dev.hlsmesh.cdn.hls.MasterPlaylist masterPlaylist() {
    try {
      return dev.hlsmesh.cdn.hls.PlaylistParser.parseMaster(origin.masterPlaylistUri(),
          new String(http.send(HttpRequest.newBuilder(origin.masterPlaylistUri()).build(),
              HttpResponse.BodyHandlers.ofByteArray()).body(), StandardCharsets.UTF_8));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** A request with a bound well below the 30 s the agent used to make the event loop wait. */
  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(proxy.playlistUri().resolve(path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
