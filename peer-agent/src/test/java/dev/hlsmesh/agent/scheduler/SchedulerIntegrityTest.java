package dev.hlsmesh.agent.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hlsmesh.agent.IntegritySettings;
import dev.hlsmesh.agent.Neighbour;
import dev.hlsmesh.agent.SwarmKey;
import dev.hlsmesh.agent.delivery.HlsStream;
import dev.hlsmesh.agent.delivery.SegmentLoader;
import dev.hlsmesh.agent.delivery.SegmentRequest;
import dev.hlsmesh.agent.integrity.SegmentVerifier;
import dev.hlsmesh.agent.stats.AgentStats;
import dev.hlsmesh.agent.stats.CdnFallbackReason;
import dev.hlsmesh.agent.store.InMemorySegmentStore;
import dev.hlsmesh.cdn.hls.MediaPlaylist;
import dev.hlsmesh.cdn.hls.PlaylistParser;
import dev.hlsmesh.testsupport.ManualClock;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The scheduler's integrity hook with a fake peer side and CDN: a peer's copy is stored and
 * played only once it passed the verifier; a corrupt one bans the peer and goes to the CDN.
 */
class SchedulerIntegrityTest {
  private static final URI PLAYLIST = URI.create("https://cdn.example/live/360p/index.m3u8");
  private static final SwarmKey SWARM = SwarmKey.ofHex("1234567890123456789012345678901234567890");
  private static final String SELF = "-HM0100-selfselfself";
  private static final String HOLDER = "-HM0100-holderholder";
  private static final byte[] GOOD = {1, 2, 3};
  private static final byte[] BAD = {9, 9, 9};

  private final ManualClock clock = new ManualClock();
  private final InMemorySegmentStore store = new InMemorySegmentStore(1 << 20, Duration.ofMinutes(5), clock);
  private final AgentStats stats = new AgentStats(clock);
  private final Map<Long, CompletableFuture<byte[]>> peerFetches = new ConcurrentHashMap<>();
  private final Map<Long, CompletableFuture<byte[]>> cdnLoads = new ConcurrentHashMap<>();
  private final List<String> bans = new CopyOnWriteArrayList<>();
  /** The swarm's owner: a real thread here, as the verifier answers on threads of its own. */
  private final ScheduledExecutorService owner = Executors.newSingleThreadScheduledExecutor();
  private HybridSegmentLoader loader;

  @AfterEach
  void close() {
    if (loader != null) {
      loader.close();
    }
    owner.shutdown();
  }

  /** The validator accepts the good bytes, refuses the bad ones, and fails on anything else. */
  private HybridSegmentLoader loader() {
    SegmentVerifier verifier = SegmentVerifier.withoutCdn(IntegritySettings.builder()
        .validator((uri, range, bytes) -> {
          byte first = bytes.get(0);
          if (first != GOOD[0] && first != BAD[0]) {
            throw new IllegalStateException("validator bug");
          }
          return CompletableFuture.completedFuture(first == GOOD[0]);
        })
        .build());
    SwarmPeers network = new SwarmPeers() {
      @Override
      public SwarmExecutor owner() {
        return SwarmExecutor.of(owner);
      }

      @Override
      public String selfId() {
        return SELF;
      }

      @Override
      public List<Neighbour> neighbours() {
        return List.of(new Neighbour(HOLDER, Set.of(10L, 11L, 12L), Set.of()));
      }

      @Override
      public CompletableFuture<byte[]> fetch(String peerId, long segmentId) {
        return peerFetches.computeIfAbsent(segmentId, id -> new CompletableFuture<>());
      }

      @Override
      public void giveUp(String peerId, long segmentId) {}

      @Override
      public void ban(String peerId, String reason) {
        bans.add(peerId + ": " + reason);
      }

      @Override
      public void attach(InFlightSegments inFlight, Runnable neighboursChanged) {}

      @Override
      public void inFlightChanged() {}

      @Override
      public void detach() {}
    };
    SegmentLoader cdn = request -> cdnLoads.computeIfAbsent(request.segment().id(), id -> new CompletableFuture<>());
    // The manual clock never moves: no wait falls due, only completions drive the scheduler.
    loader = new HybridSegmentLoader(SWARM, network, store, cdn, stats, SchedulerSettings.defaults(), clock,
        new Random(1), verifier);
    return loader;
  }

  private CompletableFuture<byte[]> load(long msn) throws Exception {
    MediaPlaylist playlist = PlaylistParser.parseMedia(PLAYLIST,
        "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:10\n#EXTINF:2,\n10.ts\n#EXTINF:2,\n11.ts\n#EXTINF:2,\n12.ts\n");
    return loader.load(new SegmentRequest(HlsStream.ofMediaPlaylist(PLAYLIST), playlist,
        playlist.segmentByMediaSequence(msn).orElseThrow(), clock.instant().plusMillis(6_000)));
  }

  private static byte[] bytes(ByteBuffer buffer) {
    byte[] copy = new byte[buffer.remaining()];
    buffer.duplicate().get(copy);
    return copy;
  }

  @Test
  void aPeerCopyThatPassesIsStoredAndPlayedAndCountedUnverified() throws Exception {
    loader();
    CompletableFuture<byte[]> played = load(10);
    await().atMost(Duration.ofSeconds(10)).until(() -> peerFetches.containsKey(10L));
    peerFetches.get(10L).complete(GOOD.clone());
    assertThat(played.get(10, TimeUnit.SECONDS)).isEqualTo(GOOD);
    assertThat(store.get(SWARM, 10).map(SchedulerIntegrityTest::bytes)).hasValueSatisfying(b -> assertThat(b).isEqualTo(GOOD));
    assertThat(stats.snapshot().unverifiedPeerSegments()).isEqualTo(1);
    assertThat(stats.snapshot().verifiedPeerSegments()).isZero();
    assertThat(bans).isEmpty();
    assertThat(cdnLoads).isEmpty();
  }

  @Test
  void aCorruptPeerCopyIsNeverStoredOrPlayedItsPeerIsBannedAndTheCdnServesTheSegment() throws Exception {
    loader();
    CompletableFuture<byte[]> played = load(11);
    await().atMost(Duration.ofSeconds(10)).until(() -> peerFetches.containsKey(11L));
    peerFetches.get(11L).complete(BAD.clone());
    await().atMost(Duration.ofSeconds(10)).until(() -> cdnLoads.containsKey(11L));
    assertThat(played).isNotDone();
    assertThat(store.contains(SWARM, 11)).isFalse();
    assertThat(bans).containsExactly(HOLDER + ": sent a corrupt copy of segment 11");
    assertThat(stats.validationFailures()).isEqualTo(1);
    assertThat(stats.cdnFallbacks(CdnFallbackReason.PEER_COPY_REJECTED)).isEqualTo(1);

    cdnLoads.get(11L).complete(GOOD.clone());
    assertThat(played.get(10, TimeUnit.SECONDS)).isEqualTo(GOOD);
    assertThat(store.get(SWARM, 11).map(SchedulerIntegrityTest::bytes)).hasValueSatisfying(b -> assertThat(b).isEqualTo(GOOD));
    assertThat(stats.snapshot().unverifiedPeerSegments()).isZero();
  }

  @Test
  void aCopyThatCannotBeCheckedGoesToTheCdnWithoutBlamingThePeer() throws Exception {
    loader();
    CompletableFuture<byte[]> played = load(12);
    await().atMost(Duration.ofSeconds(10)).until(() -> peerFetches.containsKey(12L));
    peerFetches.get(12L).complete(new byte[] {5});
    await().atMost(Duration.ofSeconds(10)).until(() -> cdnLoads.containsKey(12L));
    assertThat(bans).isEmpty();
    assertThat(stats.validationFailures()).isZero();
    assertThat(stats.cdnFallbacks(CdnFallbackReason.PEER_COPY_REJECTED)).isEqualTo(1);
    cdnLoads.get(12L).complete(GOOD.clone());
    assertThat(played.get(10, TimeUnit.SECONDS)).isEqualTo(GOOD);
  }
}
