package dev.hlsmesh.agent.integrity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hlsmesh.agent.Agent;
import dev.hlsmesh.agent.AgentConfig;
import dev.hlsmesh.agent.IntegritySettings;
import dev.hlsmesh.agent.SwarmKey;
import dev.hlsmesh.agent.delivery.CdnSegmentLoader;
import dev.hlsmesh.agent.delivery.HlsStream;
import dev.hlsmesh.agent.delivery.SegmentLoader;
import dev.hlsmesh.agent.delivery.SegmentRequest;
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
import dev.hlsmesh.cdn.hls.MediaPlaylist;
import dev.hlsmesh.cdn.hls.PlaylistLoader;
import dev.hlsmesh.cdn.hls.PlaylistParser;
import dev.hlsmesh.cdn.hls.SwarmStreams;
import dev.hlsmesh.cdn.integrity.HashWindow;
import dev.hlsmesh.cdn.integrity.IntegrityKeys;
import dev.hlsmesh.cdn.integrity.SidecarCodec;
import dev.hlsmesh.testsupport.LiveHlsOrigin;
import dev.hlsmesh.tracker.Tracker;
import dev.hlsmesh.tracker.config.TrackerConfig;
import java.net.URI;
import java.nio.ByteBuffer;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A peer that serves corrupted segments, over real WebRTC through a real tracker, to an agent
 * whose player plays the live test origin through the hybrid scheduler (issue 6, item 4's
 * corrupted-peer case): the corrupt bytes never reach the player or the store, the peer is
 * banned, and playback does not stall.
 */
class CorruptPeerTest {
  private static final String VARIANT = "360p";
  private static final KeyPair PLATFORM = IntegrityKeys.generate();

  private Tracker tracker;
  private LiveHlsOrigin origin;
  private CdnFetcher fetcher;
  private ScheduledThreadPoolExecutor timer;
  private final List<AutoCloseable> closing = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() {
    tracker = Tracker.start(TrackerConfig.builder().host("127.0.0.1").port(0).build());
    origin = LiveHlsOrigin.builder().sidecars(".integrity", CorruptPeerTest::signedSidecar).start();
    fetcher = CdnFetcher.create(CdnConfig.defaults());
    timer = new ScheduledThreadPoolExecutor(1);
    timer.setRemoveOnCancelPolicy(true);
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
    timer.shutdownNow();
    fetcher.close();
    origin.close();
    tracker.close();
  }

  /** What the publisher would write for the playlist the origin serves now. */
  static byte[] signedSidecar(String playlistPath, String playlistText, java.util.function.LongFunction<byte[]> bytes) {
    try {
      MediaPlaylist playlist = PlaylistParser.parseMedia(URI.create("http://127.0.0.1" + playlistPath), playlistText);
      return SidecarCodec.sign(new HashWindow("platform-1", playlistPath, 0)
          .update(playlist, segment -> bytes.apply(segment.mediaSequenceNumber()), Instant.now()), PLATFORM.getPrivate());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private AgentConfig.Builder agentConfig() {
    return AgentConfig.builder(tracker.webSocketUri())
        .peers(1, 8)
        .belowMinimumAnnounceMillis(1_000)
        .trackerReconnectMillis(100, 1_000);
  }

  private <T extends AutoCloseable> T closeLater(T resource) {
    closing.add(resource);
    return resource;
  }

  @Test
  void corruptBytesFromAPeerNeverReachThePlayerThePeerIsBannedAndPlaybackDoesNotStall() throws Exception {
    PlaylistLoader playlists = PlaylistLoader.using(fetcher);
    PlaylistLoader.Loaded loaded = playlists.load(origin.masterPlaylistUri()).get(30, TimeUnit.SECONDS);
    MasterPlaylist master = PlaylistParser.parseMaster(loaded.uri(), loaded.text());
    HlsStream stream = HlsStream.ofVariant(master.uri(), master.variants().get(0));
    SwarmKey swarm = SwarmKey.ofStreamSwarmId(SwarmStreams.of(master).get(0).streamSwarmId());

    // The attacker holds and announces a same-size corrupted copy of every segment around the
    // live edge: only the hash can tell.
    InMemorySegmentStore poisoned = new InMemorySegmentStore(256L << 20, Duration.ofMinutes(10), Clock.systemUTC());
    long edge = origin.liveEdgeMediaSequence();
    for (long msn = Math.max(0, edge - 6); msn <= edge + 30; msn++) {
      byte[] corrupt = origin.segmentBytes(VARIANT, msn).clone();
      for (int i = 200; i < corrupt.length; i += 997) {
        corrupt[i] ^= 0x5a;
      }
      poisoned.put(swarm, msn, ByteBuffer.wrap(corrupt));
    }
    Agent attacker = closeLater(Agent.start(agentConfig().build(), poisoned));
    String attackerId = attacker.join(swarm);

    IntegritySettings integrity = IntegritySettings.builder()
        .publicKeys(Map.of("platform-1", IntegrityKeys.publicKeyBase64(PLATFORM.getPublic())))
        .build();
    InMemorySegmentStore store = new InMemorySegmentStore(64L << 20, Duration.ofMinutes(1), Clock.systemUTC());
    Agent viewer = closeLater(Agent.start(agentConfig().integrity(integrity).build(), store));
    viewer.join(swarm);
    await().atMost(Duration.ofSeconds(60)).until(() -> viewer.connectedPeers(swarm).contains(attackerId));

    AgentStats stats = new AgentStats();
    SegmentVerifier verifier = SegmentVerifier.create(integrity, fetcher);
    HybridSegmentLoader scheduler = closeLater(new HybridSegmentLoader(swarm, viewer.swarmPeers(swarm), store,
        new CdnSegmentLoader(fetcher, stats, 10_000, 16 << 20), stats, SchedulerSettings.defaults(), Clock.systemUTC(),
        new Random(1), verifier));
    List<String> mismatches = new CopyOnWriteArrayList<>();
    SegmentLoader checking = new SegmentLoader() {
      @Override
      public CompletableFuture<byte[]> load(SegmentRequest request) {
        long msn = request.segment().mediaSequenceNumber();
        return scheduler.load(request).whenComplete((bytes, error) -> {
          if (bytes != null && !Arrays.equals(bytes, origin.segmentBytes(VARIANT, msn))) {
            mismatches.add("segment " + msn + " differs from the origin's");
          }
        });
      }

      @Override
      public void playlistLoaded(HlsStream played, MediaPlaylist playlist) {
        scheduler.playlistLoaded(played, playlist);
      }
    };
    VirtualPlayer player = closeLater(VirtualPlayer.follow(stream, checking, playlists, Clock.systemUTC(),
        TaskScheduler.of(timer), PlayerSettings.defaults(), stats));

    await().atMost(Duration.ofSeconds(60)).until(() -> verifier.stats().corruptSegments() >= 1);
    await().atMost(Duration.ofSeconds(30)).until(() -> !viewer.connectedPeers(swarm).contains(attackerId));
    long loadedAtBan = player.stats().segmentsLoaded();
    // Four more segments (8 s of live stream) while the attacker keeps announcing itself.
    await().atMost(Duration.ofSeconds(60)).until(() -> player.stats().segmentsLoaded() >= loadedAtBan + 4);

    assertThat(attacker.uploadedBytes()).as("the attacker did send its bytes").isPositive();
    assertThat(mismatches).isEmpty();
    assertThat(player.stats().stalls()).isZero();
    assertThat(viewer.connectedPeers(swarm)).doesNotContain(attackerId);
    assertThat(verifier.stats().verifiedSegments()).isZero(); // nobody honest to verify
    // The verifier and the scheduler count on their own threads: the last rejection may be
    // counted by one and not yet by the other.
    await().atMost(Duration.ofSeconds(10))
        .until(() -> stats.validationFailures() == verifier.stats().corruptSegments());
    assertThat(stats.snapshot().verifiedPeerSegments()).isZero();
    assertThat(stats.snapshot().unverifiedPeerSegments()).isZero();
    assertThat(stats.cdnFallbacks(dev.hlsmesh.agent.stats.CdnFallbackReason.PEER_COPY_REJECTED)).isPositive();
    for (long id : store.segmentIds(swarm)) {
      assertThat(store.get(swarm, id).map(CorruptPeerTest::bytes).orElseThrow())
          .as("stored segment %d", id).isEqualTo(origin.segmentBytes(VARIANT, id));
    }
    assertThat(store.segmentIds(swarm)).isNotEmpty();
  }

  private static byte[] bytes(ByteBuffer buffer) {
    byte[] copy = new byte[buffer.remaining()];
    buffer.duplicate().get(copy);
    return copy;
  }
}
