package dev.hlsmesh.agent.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hlsmesh.agent.IntegritySettings;
import dev.hlsmesh.agent.Neighbour;
import dev.hlsmesh.agent.SwarmKey;
import dev.hlsmesh.agent.delivery.CdnSegmentLoader;
import dev.hlsmesh.agent.delivery.HlsStream;
import dev.hlsmesh.agent.delivery.SegmentRequest;
import dev.hlsmesh.agent.stats.AgentStats;
import dev.hlsmesh.agent.store.InMemorySegmentStore;
import dev.hlsmesh.agent.store.SegmentBuffer;
import dev.hlsmesh.cdn.CdnConfig;
import dev.hlsmesh.cdn.fetch.CdnFetcher;
import dev.hlsmesh.cdn.hls.MediaPlaylist;
import dev.hlsmesh.cdn.hls.PlaylistParser;
import dev.hlsmesh.testsupport.LiveHlsOrigin;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How often a segment's bytes are copied on their way to the player (docs/architecture.md, "One
 * copy of a segment"): once on the CDN path (from the HTTP client's buffers into the segment
 * buffer, which peers, the store and the player then share), and not at all by the scheduler
 * and the store on the peer path (whose two copies are the link's and the session's).
 */
class SegmentCopiesTest {
  private static final SwarmKey SWARM = SwarmKey.ofHex("c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0");
  private static final String SELF = "-HM0100-selfselfself";
  private static final String HOLDER = "-HM0100-holderholder";

  private final ScheduledExecutorService owner = Executors.newSingleThreadScheduledExecutor();
  private final AgentStats stats = new AgentStats();
  private final InMemorySegmentStore store = new InMemorySegmentStore(64L << 20, Duration.ofMinutes(5),
      Clock.systemUTC());
  private final Map<Long, CompletableFuture<byte[]>> peerFetches = new ConcurrentHashMap<>();
  private final List<SegmentBuffer> offered = new CopyOnWriteArrayList<>();
  private volatile List<Neighbour> neighbours = List.of();
  private LiveHlsOrigin origin;
  private CdnFetcher fetcher;
  private HybridSegmentLoader scheduler;

  @BeforeEach
  void start() {
    origin = LiveHlsOrigin.start();
    fetcher = CdnFetcher.create(CdnConfig.defaults());
    scheduler = new HybridSegmentLoader(SWARM, new Peers(), store, new CdnSegmentLoader(fetcher, stats, 10_000, 16 << 20),
        stats, SchedulerSettings.defaults(), Clock.systemUTC(), new Random(1), IntegritySettings.defaults());
  }

  @AfterEach
  void stop() {
    scheduler.close();
    owner.shutdown();
    fetcher.close();
    origin.close();
  }

  @Test
  void aSegmentFromTheCdnIsCopiedOnceAndThePlayerTheStoreAndPeersShareThatCopy() throws Exception {
    MediaPlaylist playlist = PlaylistParser.parseMedia(origin.mediaPlaylistUri("360p"), origin.mediaPlaylist("360p"));
    long msn = origin.liveEdgeMediaSequence();
    byte[] expected = origin.segmentBytes("360p", msn);

    byte[] played = scheduler.load(request(playlist, msn)).get(30, TimeUnit.SECONDS);

    assertThat(played).isEqualTo(expected);
    assertThat(offered).as("offered to peers while it arrived").hasSize(1);
    SegmentBuffer buffer = offered.get(0);
    assertThat(buffer.copiedBytes()).as("bytes copied into the segment's one buffer").isEqualTo(expected.length);
    assertThat(played).as("the player gets the buffer's array, not a copy").isSameAs(buffer.bytes());
    assertThat(store.held(SWARM, playlist.segmentByMediaSequence(msn).orElseThrow().id()))
        .as("the store adopted the same buffer").containsSame(buffer);
    byte[] again = scheduler.load(request(playlist, msn)).get(30, TimeUnit.SECONDS);
    assertThat(again).as("a later read of the stored segment: no copy either").isSameAs(played);
  }

  @Test
  void aSegmentFromAPeerIsNeitherCopiedByTheSchedulerNorByTheStore() throws Exception {
    MediaPlaylist playlist = PlaylistParser.parseMedia(origin.mediaPlaylistUri("360p"), origin.mediaPlaylist("360p"));
    long msn = origin.liveEdgeMediaSequence();
    long id = playlist.segmentByMediaSequence(msn).orElseThrow().id();
    neighbours = List.of(new Neighbour(HOLDER, Set.of(id), Set.of()));
    byte[] fromPeer = origin.segmentBytes("360p", msn).clone(); // as the peer session hands it over

    CompletableFuture<byte[]> load = scheduler.load(new SegmentRequest(HlsStream.ofMediaPlaylist(playlist.uri()),
        playlist, playlist.segmentByMediaSequence(msn).orElseThrow(), Instant.now().plusSeconds(30)));
    await().atMost(Duration.ofSeconds(10)).until(() -> peerFetches.containsKey(id));
    peerFetches.get(id).complete(fromPeer);
    byte[] played = load.get(30, TimeUnit.SECONDS);

    assertThat(played).as("the session's array itself").isSameAs(fromPeer);
    assertThat(store.held(SWARM, id)).hasValueSatisfying(held -> assertThat(held.bytes()).isSameAs(fromPeer));
    ByteBuffer served = store.get(SWARM, id).orElseThrow();
    assertThat(served.isReadOnly()).as("peers read a read-only view").isTrue();
  }

  private SegmentRequest request(MediaPlaylist playlist, long msn) {
    // Needed now: from the CDN at once, as a plain player's first segment.
    return new SegmentRequest(HlsStream.ofMediaPlaylist(playlist.uri()), playlist,
        playlist.segmentByMediaSequence(msn).orElseThrow(), Instant.now());
  }

  /** A peer side on a real owner thread: records what the scheduler offers, fetches completed by the test. */
  private final class Peers implements SwarmPeers {
    private InFlightSegments inFlight;

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
      return neighbours;
    }

    @Override
    public CompletableFuture<byte[]> fetch(String peerId, long segmentId) {
      return peerFetches.computeIfAbsent(segmentId, s -> new CompletableFuture<>());
    }

    @Override
    public void giveUp(String peerId, long segmentId) {
    }

    @Override
    public void ban(String peerId, String reason) {
    }

    @Override
    public void attach(InFlightSegments segments, Runnable neighboursChanged) {
      this.inFlight = segments;
    }

    @Override
    public void inFlightChanged() {
      for (long id : inFlight.loadingSegmentIds()) {
        SegmentBuffer buffer = inFlight.arriving(id);
        if (buffer != null && !offered.contains(buffer)) {
          offered.add(buffer);
        }
      }
    }

    @Override
    public void detach() {
    }
  }
}
