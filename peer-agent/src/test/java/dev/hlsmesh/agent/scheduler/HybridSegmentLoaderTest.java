package dev.hlsmesh.agent.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hlsmesh.agent.Neighbour;
import dev.hlsmesh.agent.PeerFetchException;
import dev.hlsmesh.agent.SwarmKey;
import dev.hlsmesh.agent.delivery.HlsStream;
import dev.hlsmesh.agent.delivery.SegmentLoadException;
import dev.hlsmesh.agent.delivery.SegmentLoader;
import dev.hlsmesh.agent.delivery.SegmentRequest;
import dev.hlsmesh.agent.delivery.StreamingSegmentLoader;
import dev.hlsmesh.agent.stats.AgentStats;
import dev.hlsmesh.agent.store.InMemorySegmentStore;
import dev.hlsmesh.agent.store.SegmentBuffer;
import java.nio.ByteBuffer;
import dev.hlsmesh.cdn.hls.MediaPlaylist;
import dev.hlsmesh.cdn.hls.PlaylistParser;
import dev.hlsmesh.testsupport.ManualClock;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The scheduler's flow with a fake peer side, a fake CDN, and its owner simulated: a manual
 * executor on a manual clock, both driven by the test's thread (no wall clock, no other thread).
 */
class HybridSegmentLoaderTest {
  private static final URI PLAYLIST = URI.create("https://cdn.example/live/360p/index.m3u8");
  private static final HlsStream STREAM = HlsStream.ofMediaPlaylist(PLAYLIST);
  private static final SwarmKey SWARM = SwarmKey.ofHex("1234567890123456789012345678901234567890");
  private static final String SELF = "-HM0100-selfselfself";

  private final ManualClock clock = new ManualClock();
  private final ManualOwner timers = new ManualOwner(clock);
  private final FakeNetwork network = new FakeNetwork();
  private final FakeCdn cdn = new FakeCdn();
  private final InMemorySegmentStore store = new InMemorySegmentStore(64L << 20, Duration.ofMinutes(5), clock);
  private final AgentStats stats = new AgentStats(clock);
  private HybridSegmentLoader loader;

  @AfterEach
  void close() {
    if (loader != null) {
      loader.close();
    }
  }

  private HybridSegmentLoader loader(SchedulerSettings settings) {
    loader = new HybridSegmentLoader(SWARM, network, store, cdn, stats, settings, clock, new Random(1),
        dev.hlsmesh.agent.IntegritySettings.defaults());
    return loader;
  }

  private static MediaPlaylist playlist(long firstMsn, int count) throws Exception {
    StringBuilder text = new StringBuilder("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:"
        + firstMsn + "\n");
    for (long msn = firstMsn; msn < firstMsn + count; msn++) {
      text.append("#EXTINF:2.0,\nseg").append(msn).append(".ts\n");
    }
    return PlaylistParser.parseMedia(PLAYLIST, text.toString());
  }

  private SegmentRequest request(MediaPlaylist playlist, long msn, long deadlineInMillis) {
    return new SegmentRequest(STREAM, playlist, playlist.segmentByMediaSequence(msn).orElseThrow(),
        clock.instant().plusMillis(deadlineInMillis));
  }

  /** A segment for which this agent ranks {@code rank} among itself and {@code others}. */
  private static long segmentRanked(int rank, List<String> others) {
    for (long s = 100; ; s++) {
      if (Planner.rank(s, SELF, others) == rank) {
        return s;
      }
    }
  }

  @Test
  void electedAgentFetchesANewLiveSegmentAheadOfItsPlayerAndAnnouncesItWhileLoading() throws Exception {
    HybridSegmentLoader scheduler = loader(SchedulerSettings.defaults());
    String other = "-HM0100-otherotherot";
    network.neighbours = List.of(new Neighbour(other, Set.of(), Set.of()));
    long msn = segmentRanked(0, List.of(other));
    MediaPlaylist playlist = playlist(msn - 4, 5);

    scheduler.playlistLoaded(STREAM, playlist);
    long delay = new Planner(SchedulerSettings.defaults()).electionDelayMillis(msn, SELF, 0);
    timers.advanceMillis(delay - 1);
    assertThat(cdn.requested()).as("the elected agent waits its election delay").isEmpty();
    timers.advanceMillis(1);
    assertThat(cdn.requested()).containsExactly(msn);
    assertThat(network.lastLoading).containsExactly(msn);

    CompletableFuture<byte[]> load = scheduler.load(request(playlist, msn, 6_000));
    assertThat(cdn.requested()).as("the player's load joins the fetch under way").containsExactly(msn);
    clock.advanceMillis(100);
    cdn.complete(msn, new byte[] {1, 2, 3});
    assertThat(load.get()).containsExactly(1, 2, 3);
    assertThat(store.contains(SWARM, msn)).isTrue();
    assertThat(network.lastLoading).isEmpty();
    assertThat(scheduler.pendingSegments()).isZero();
  }

  @Test
  void notElectedAgentWaitsForTheElectedOneAndTakesTheSegmentFromIt() throws Exception {
    HybridSegmentLoader scheduler = loader(SchedulerSettings.defaults());
    String elected = "-HM0100-electedelect";
    network.neighbours = List.of(new Neighbour(elected, Set.of(), Set.of()));
    long msn = segmentRanked(1, List.of(elected));
    MediaPlaylist playlist = playlist(msn - 4, 5);
    scheduler.playlistLoaded(STREAM, playlist);
    assertThat(cdn.requested()).as("not elected: no fetch ahead").isEmpty();

    CompletableFuture<byte[]> load = scheduler.load(request(playlist, msn, 6_000));
    timers.advanceMillis(1_000);
    assertThat(cdn.requested()).isEmpty();
    network.announce(new Neighbour(elected, Set.of(), Set.of(msn)));
    timers.advanceMillis(2_000); // past the election back-off: a neighbour fetching it holds us
    assertThat(cdn.requested()).isEmpty();
    network.announce(new Neighbour(elected, Set.of(msn), Set.of()));
    assertThat(network.fetches).containsExactly(elected + "/" + msn);
    network.completeFetch(elected, msn, new byte[] {9, 8});

    assertThat(load.get()).containsExactly(9, 8);
    assertThat(stats.snapshot().peerBytes()).isEqualTo(2);
    assertThat(stats.snapshot().cdnBytes()).isZero();
    assertThat(store.contains(SWARM, msn)).isTrue();
    assertThat(cdn.requested()).isEmpty();
  }

  @Test
  void electionBackOffRunsOutWhenNobodyAnnouncesTheSegment() throws Exception {
    HybridSegmentLoader scheduler = loader(new SchedulerSettings(true, true, 1, 2_500, 0, 0, 2.0, 1_000,
        1_000_000, 2_000_000, 5_000));
    String elected = "-HM0100-electedelect";
    network.neighbours = List.of(new Neighbour(elected, Set.of(), Set.of()));
    long msn = segmentRanked(1, List.of(elected));
    MediaPlaylist playlist = playlist(msn - 4, 5);
    CompletableFuture<byte[]> load = scheduler.load(request(playlist, msn, 20_000));
    timers.advanceMillis(2_499);
    assertThat(cdn.requested()).isEmpty();
    timers.advanceMillis(1);
    assertThat(cdn.requested()).containsExactly(msn);
    cdn.complete(msn, new byte[] {5});
    assertThat(load.get()).containsExactly(5);
  }

  @Test
  void aPeerTooSlowForTheDeadlineIsOvertakenByTheCdnAtTheSafetyPoint() throws Exception {
    HybridSegmentLoader scheduler = loader(SchedulerSettings.defaults());
    String holder = "-HM0100-holderholder";
    long msn = 50;
    network.neighbours = List.of(new Neighbour(holder, Set.of(msn), Set.of()));
    MediaPlaylist playlist = playlist(46, 5);
    CompletableFuture<byte[]> load = scheduler.load(request(playlist, msn, 6_000));
    assertThat(network.fetches).containsExactly(holder + "/" + msn);
    // Margin with no measurement yet: 2 x (512 KiB at 1 MB/s = 525 ms) + 1000 ms = 2050 ms.
    timers.advanceMillis(3_949);
    assertThat(network.givenUp).isEmpty();
    timers.advanceMillis(1);
    assertThat(network.givenUp).containsExactly(holder + "/" + msn);
    // The peer does not hand back partial bytes in time: the whole segment from the CDN.
    timers.advanceMillis(249);
    assertThat(cdn.requested()).isEmpty();
    timers.advanceMillis(1);
    assertThat(cdn.requested()).containsExactly(msn);
    assertThat(cdn.ranges).containsExactly("whole");
    cdn.complete(msn, new byte[] {4, 4});
    assertThat(load.get()).containsExactly(4, 4);
    network.completeFetch(holder, msn, new byte[] {4, 4}); // late: dropped, only counted as bytes received
    assertThat(stats.snapshot().peerBytes()).isEqualTo(2);
  }

  @Test
  void aPartlyReceivedPeerTransferIsCompletedFromTheCdnWithARangeRequest() throws Exception {
    HybridSegmentLoader scheduler = loader(SchedulerSettings.defaults());
    String holder = "-HM0100-holderholder";
    long msn = 50;
    network.neighbours = List.of(new Neighbour(holder, Set.of(msn), Set.of()));
    CompletableFuture<byte[]> load = scheduler.load(request(playlist(46, 5), msn, 6_000));
    timers.advanceMillis(3_950);
    assertThat(network.givenUp).containsExactly(holder + "/" + msn);
    network.pending.remove(holder + "/" + msn).completeExceptionally(new PeerFetchException(
        PeerFetchException.Reason.GIVEN_UP, "given up", new byte[] {1, 2}, 5));
    assertThat(cdn.requested()).containsExactly(msn);
    assertThat(cdn.ranges).containsExactly("2+3");
    cdn.complete(msn, new byte[] {3, 4, 5});
    assertThat(load.get()).containsExactly(1, 2, 3, 4, 5);
    assertThat(stats.snapshot().peerBytes()).isEqualTo(2);
    assertThat(store.get(SWARM, msn)).isPresent();
  }

  @Test
  void aRangeAnswerOfTheWrongLengthFailsTheLoadInsteadOfDeliveringACorruptSegment() throws Exception {
    HybridSegmentLoader scheduler = loader(SchedulerSettings.defaults());
    String holder = "-HM0100-holderholder";
    network.neighbours = List.of(new Neighbour(holder, Set.of(50L), Set.of()));
    CompletableFuture<byte[]> load = scheduler.load(request(playlist(46, 5), 50, 6_000));
    timers.advanceMillis(3_950);
    network.pending.remove(holder + "/50").completeExceptionally(new PeerFetchException(
        PeerFetchException.Reason.GIVEN_UP, "given up", new byte[] {1, 2}, 5));
    cdn.complete(50, new byte[] {3, 4});
    assertThat(load).isCompletedExceptionally();
    assertThat(store.contains(SWARM, 50)).isFalse();
  }

  @Test
  void aFailingPeerIsSkippedForTheNextHolder() throws Exception {
    HybridSegmentLoader scheduler = loader(SchedulerSettings.defaults());
    String a = "-HM0100-aaaaaaaaaaaa";
    String b = "-HM0100-bbbbbbbbbbbb";
    long msn = 50;
    network.neighbours = List.of(new Neighbour(a, Set.of(msn), Set.of()), new Neighbour(b, Set.of(msn), Set.of()));
    MediaPlaylist playlist = playlist(46, 5);
    CompletableFuture<byte[]> load = scheduler.load(request(playlist, msn, 6_000));
    String first = network.fetches.get(0).split("/")[0];
    String second = first.equals(a) ? b : a;
    network.failFetch(first, msn);
    assertThat(network.fetches).containsExactly(first + "/" + msn, second + "/" + msn);
    network.completeFetch(second, msn, new byte[] {7});
    assertThat(load.get()).containsExactly(7);
    assertThat(cdn.requested()).isEmpty();
  }

  @Test
  void aJustStartedAgentWithoutNeighboursWaitsForThemAndALoneOneLaterFetchesAtOnce() throws Exception {
    HybridSegmentLoader scheduler = loader(SchedulerSettings.defaults());
    MediaPlaylist playlist = playlist(46, 5);
    CompletableFuture<byte[]> early = scheduler.load(request(playlist, 49, 6_000));
    timers.advanceMillis(1_000);
    assertThat(cdn.requested()).as("still connecting: no CDN fetch yet").isEmpty();
    String holder = "-HM0100-holderholder";
    network.announce(new Neighbour(holder, Set.of(49L), Set.of()));
    network.completeFetch(holder, 49, new byte[] {4});
    assertThat(early.get()).containsExactly(4);

    network.announce();
    timers.advanceMillis(4_000); // past the join grace of 5 s
    CompletableFuture<byte[]> alone = scheduler.load(request(playlist, 50, 6_000));
    assertThat(cdn.requested()).as("alone after the grace: a plain player").containsExactly(50L);
    cdn.complete(50, new byte[] {5});
    assertThat(alone.get()).containsExactly(5);
  }

  @Test
  void aCdnDownloadIsOfferedToPeersWhileItArrivesAndHandedToTheStoreWhenComplete() throws Exception {
    HybridSegmentLoader scheduler = loader(SchedulerSettings.defaults());
    MediaPlaylist playlist = playlist(46, 5);
    CompletableFuture<byte[]> load = scheduler.load(request(playlist, 50, 0));
    assertThat(network.inFlight.arriving(50)).as("offered before the first byte").isNotNull();
    assertThat(network.inFlight.loadingSegmentIds()).containsExactly(50L);
    SegmentBuffer arriving = network.inFlight.arriving(50);
    assertThat(cdn.buffers.get(50L)).as("the CDN fills the buffer peers read").isSameAs(arriving);
    arriving.size(3);
    arriving.append(ByteBuffer.wrap(new byte[] {1, 2}));
    assertThat(arriving.copyOfAvailable()).containsExactly(1, 2);
    arriving.append(ByteBuffer.wrap(new byte[] {3}));
    cdn.complete(50, new byte[] {1, 2, 3});
    assertThat(load.get()).containsExactly(1, 2, 3);
    assertThat(arriving.state()).isEqualTo(SegmentBuffer.State.COMPLETE);
    assertThat(load.get()).as("the player gets the buffer's own bytes").isSameAs(arriving.bytes());
    assertThat(network.inFlight.arriving(50)).isNull();
    assertThat(network.inFlight.loadingSegmentIds()).isEmpty();
    assertThat(store.contains(SWARM, 50)).isTrue();

    CompletableFuture<byte[]> failing = scheduler.load(request(playlist, 49, 0));
    SegmentBuffer second = network.inFlight.arriving(49);
    cdn.fail(49);
    assertThat(failing).isCompletedExceptionally();
    assertThat(second.state()).isEqualTo(SegmentBuffer.State.FAILED);
    assertThat(network.inFlight.arriving(49)).isNull();
  }

  @Test
  void aSegmentANeighbourIsStillReceivingIsTakenFromItWhileItArrives() throws Exception {
    HybridSegmentLoader scheduler = loader(SchedulerSettings.defaults());
    String loading = "-HM0100-loadingloadi";
    network.neighbours = List.of(new Neighbour(loading, Set.of(), Set.of(50L)));
    CompletableFuture<byte[]> load = scheduler.load(request(playlist(46, 5), 50, 6_000));
    assertThat(network.fetches).containsExactly(loading + "/50");
    network.completeFetch(loading, 50, new byte[] {6});
    assertThat(load.get()).containsExactly(6);
    assertThat(cdn.requested()).isEmpty();
  }

  @Test
  void aSegmentTakenFromAPeerIsNotOfferedOnwardsBeforeItIsCheckedAndStored() throws Exception {
    HybridSegmentLoader scheduler = loader(SchedulerSettings.defaults());
    String holder = "-HM0100-holderholder";
    network.neighbours = List.of(new Neighbour(holder, Set.of(50L), Set.of()));
    CompletableFuture<byte[]> load = scheduler.load(request(playlist(46, 5), 50, 6_000));
    assertThat(network.inFlight.arriving(50)).isNull();
    assertThat(network.lastLoading).as("p lists only what this agent fetches over HTTP").isNull();
    network.completeFetch(holder, 50, new byte[] {6});
    assertThat(load.get()).containsExactly(6);
    assertThat(store.get(SWARM, 50)).isPresent();
  }

  @Test
  void aLoadingNeighbourThatServesOnlyCompleteSegmentsIsWaitedForThenAskedOnceItHoldsIt() throws Exception {
    HybridSegmentLoader scheduler = loader(SchedulerSettings.defaults());
    String browser = "-WW0230-browserbrows";
    network.neighbours = List.of(new Neighbour(browser, Set.of(), Set.of(50L)));
    CompletableFuture<byte[]> load = scheduler.load(request(playlist(46, 5), 50, 6_000));
    network.pending.remove(browser + "/50").completeExceptionally(
        new PeerFetchException(PeerFetchException.Reason.ABSENT, "not in storage"));
    assertThat(network.fetches).as("not asked again while it only loads").hasSize(1);
    timers.advanceMillis(1_000);
    assertThat(cdn.requested()).isEmpty();
    network.announce(new Neighbour(browser, Set.of(50L), Set.of()));
    assertThat(network.fetches).containsExactly(browser + "/50", browser + "/50");
    network.completeFetch(browser, 50, new byte[] {8});
    assertThat(load.get()).containsExactly(8);
  }

  @Test
  void aNeighbourWhoseOwnDownloadFailedPartWayLeavesTheRestToARangeRequest() throws Exception {
    HybridSegmentLoader scheduler = loader(SchedulerSettings.defaults());
    String loading = "-HM0100-loadingloadi";
    network.neighbours = List.of(new Neighbour(loading, Set.of(), Set.of(50L)));
    CompletableFuture<byte[]> load = scheduler.load(request(playlist(46, 5), 50, 6_000));
    network.pending.remove(loading + "/50").completeExceptionally(new PeerFetchException(
        PeerFetchException.Reason.ABSENT, "its CDN failed", new byte[] {1, 2, 3}, 4));
    assertThat(cdn.ranges).containsExactly("3+1");
    cdn.complete(50, new byte[] {4});
    assertThat(load.get()).containsExactly(1, 2, 3, 4);
  }

  @Test
  void aCdnFailureFailsTheLoadAndTheNextLoadStartsAfresh() throws Exception {
    HybridSegmentLoader scheduler = loader(SchedulerSettings.defaults());
    MediaPlaylist playlist = playlist(46, 5);
    CompletableFuture<byte[]> load = scheduler.load(request(playlist, 50, 0));
    cdn.fail(50);
    assertThat(load).isCompletedExceptionally();
    assertThat(network.lastLoading).isEmpty();
    CompletableFuture<byte[]> again = scheduler.load(request(playlist, 50, 0));
    cdn.complete(50, new byte[] {1});
    assertThat(again.get()).containsExactly(1);
  }

  @Test
  void withP2pOffTheSchedulerIsAPlainCdnPlayer() throws Exception {
    HybridSegmentLoader scheduler = loader(SchedulerSettings.defaults().withP2pDisabled());
    network.neighbours = List.of(new Neighbour("-HM0100-holderholder", Set.of(50L), Set.of()));
    MediaPlaylist playlist = playlist(46, 5);
    scheduler.playlistLoaded(STREAM, playlist);
    CompletableFuture<byte[]> load = scheduler.load(request(playlist, 50, 10_000));
    cdn.complete(50, new byte[] {3});
    assertThat(load.get()).containsExactly(3);
    assertThat(network.fetches).isEmpty();
    assertThat(network.lastLoading).isNull();
    assertThat(store.segmentIds(SWARM)).isEmpty();
  }

  @Test
  void withUploadOffNothingIsStoredOrAnnouncedButPeersStillServeUs() throws Exception {
    HybridSegmentLoader scheduler = loader(SchedulerSettings.defaults().withUploadDisabled());
    String holder = "-HM0100-holderholder";
    network.neighbours = List.of(new Neighbour(holder, Set.of(50L), Set.of()));
    MediaPlaylist playlist = playlist(46, 5);
    CompletableFuture<byte[]> fromPeer = scheduler.load(request(playlist, 50, 10_000));
    network.completeFetch(holder, 50, new byte[] {2});
    assertThat(fromPeer.get()).containsExactly(2);
    CompletableFuture<byte[]> fromCdn = scheduler.load(request(playlist, 49, 0));
    cdn.complete(49, new byte[] {1});
    assertThat(fromCdn.get()).containsExactly(1);
    assertThat(store.segmentIds(SWARM)).isEmpty();
    assertThat(network.lastLoading).isNull();
  }

  @Test
  void everyDeliveryIsReportedWithItsSourcePeerAndFetchTimeAndEveryCdnFetchWithItsReason() throws Exception {
    List<dev.hlsmesh.agent.stats.AgentEvent> events = new java.util.ArrayList<>();
    stats.addEventListener(events::add, Runnable::run);
    // No election spread: the elected agent fetches at once, so the events' times are exact.
    HybridSegmentLoader scheduler = loader(new SchedulerSettings(true, true, 1, 2_500, 0, 0, 2.0, 1_000, 1_000_000,
        2_000_000, 5_000));
    String holder = "-HM0100-holderholder";
    MediaPlaylist playlist = playlist(46, 5);
    network.neighbours = List.of(new Neighbour(holder, Set.of(49L, 50L), Set.of()));
    long at = clock.millis();

    CompletableFuture<byte[]> fromPeer = scheduler.load(request(playlist, 49, 6_000));
    network.failFetch(holder, 49); // the only holder failed: nobody else has it, this agent elects itself
    timers.advanceMillis(30);
    cdn.complete(49, new byte[] {1, 2});
    assertThat(fromPeer.get()).containsExactly(1, 2);
    long afterFirst = clock.millis();

    CompletableFuture<byte[]> partly = scheduler.load(request(playlist, 50, 6_000));
    timers.advanceMillis(100);
    network.completeFetch(holder, 50, new byte[] {5, 6, 7});
    assertThat(partly.get()).containsExactly(5, 6, 7);

    CompletableFuture<byte[]> late = scheduler.load(request(playlist, 48, 0));
    cdn.complete(48, new byte[] {9});
    assertThat(late.get()).containsExactly(9);

    assertThat(events).filteredOn(e -> !(e instanceof dev.hlsmesh.agent.stats.AgentEvent.Failure)).containsExactly(
        new dev.hlsmesh.agent.stats.AgentEvent.CdnFallback(at, SWARM, 49,
            dev.hlsmesh.agent.stats.CdnFallbackReason.ELECTED),
        new dev.hlsmesh.agent.stats.AgentEvent.SegmentLoaded(afterFirst, SWARM, 49,
            dev.hlsmesh.agent.stats.SegmentSourceKind.CDN, null, 2, 30),
        new dev.hlsmesh.agent.stats.AgentEvent.SegmentLoaded(afterFirst + 100, SWARM, 50,
            dev.hlsmesh.agent.stats.SegmentSourceKind.PEER, holder, 3, 100),
        new dev.hlsmesh.agent.stats.AgentEvent.CdnFallback(afterFirst + 100, SWARM, 48,
            dev.hlsmesh.agent.stats.CdnFallbackReason.DEADLINE),
        new dev.hlsmesh.agent.stats.AgentEvent.SegmentLoaded(afterFirst + 100, SWARM, 48,
            dev.hlsmesh.agent.stats.SegmentSourceKind.CDN, null, 1, 0));
    assertThat(events).filteredOn(e -> e instanceof dev.hlsmesh.agent.stats.AgentEvent.Failure)
        .singleElement()
        .satisfies(e -> {
          var failure = (dev.hlsmesh.agent.stats.AgentEvent.Failure) e;
          assertThat(failure.atMillis()).isEqualTo(at);
          assertThat(failure.kind()).isEqualTo(dev.hlsmesh.agent.stats.AgentEvent.FailureKind.PEER_FETCH);
          assertThat(failure.message()).startsWith("segment 49 from peer " + holder + ": ");
        });
    assertThat(stats.cdnFallbacks(dev.hlsmesh.agent.stats.CdnFallbackReason.DEADLINE)).isEqualTo(1);
    assertThat(stats.cdnFallbacks(dev.hlsmesh.agent.stats.CdnFallbackReason.ELECTED)).isEqualTo(1);
  }

  @Test
  void aRangeCompletionAndP2pOffAreCountedAsTheirOwnFallbackReasons() throws Exception {
    HybridSegmentLoader scheduler = loader(SchedulerSettings.defaults());
    String holder = "-HM0100-holderholder";
    network.neighbours = List.of(new Neighbour(holder, Set.of(50L), Set.of()));
    CompletableFuture<byte[]> load = scheduler.load(request(playlist(46, 5), 50, 6_000));
    timers.advanceMillis(3_950);
    network.pending.remove(holder + "/50").completeExceptionally(new PeerFetchException(
        PeerFetchException.Reason.GIVEN_UP, "given up", new byte[] {1, 2}, 5));
    cdn.complete(50, new byte[] {3, 4, 5});
    assertThat(load.get()).containsExactly(1, 2, 3, 4, 5);
    assertThat(stats.cdnFallbacks(dev.hlsmesh.agent.stats.CdnFallbackReason.PEER_TOO_SLOW)).isEqualTo(1);
    assertThat(stats.cdnFallbacks(dev.hlsmesh.agent.stats.CdnFallbackReason.DEADLINE)).isZero();
    scheduler.close();

    HybridSegmentLoader plain = loader(SchedulerSettings.defaults().withP2pDisabled());
    MediaPlaylist playlist = playlist(46, 5);
    CompletableFuture<byte[]> cdnOnly = plain.load(request(playlist, 49, 10_000));
    cdn.complete(49, new byte[] {3});
    assertThat(cdnOnly.get()).containsExactly(3);
    assertThat(stats.cdnFallbacks(dev.hlsmesh.agent.stats.CdnFallbackReason.P2P_DISABLED)).isEqualTo(1);
  }

  @Test
  void closingFailsPendingLoads() throws Exception {
    HybridSegmentLoader scheduler = loader(SchedulerSettings.defaults());
    network.neighbours = List.of(new Neighbour("-HM0100-someoneelse1", Set.of(), Set.of(50L)));
    CompletableFuture<byte[]> load = scheduler.load(request(playlist(46, 5), 50, 10_000));
    scheduler.close();
    assertThat(load).isCompletedExceptionally();
    try {
      load.get();
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(SegmentLoadException.class);
    }
    assertThat(network.closed).isTrue();
    assertThat(cdn.closed).isTrue();
  }

  /** Peer side with scripted announcements and fetches completed by the test, on the manual owner. */
  private final class FakeNetwork implements SwarmPeers {
    volatile List<Neighbour> neighbours = List.of();
    final List<String> fetches = new ArrayList<>();
    final List<String> givenUp = new ArrayList<>();
    final Map<String, CompletableFuture<byte[]>> pending = new HashMap<>();
    List<Long> lastLoading;
    InFlightSegments inFlight;
    Runnable listener;
    boolean closed;

    @Override
    public SwarmExecutor owner() {
      return timers;
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
      fetches.add(peerId + "/" + segmentId);
      CompletableFuture<byte[]> f = new CompletableFuture<>();
      pending.put(peerId + "/" + segmentId, f);
      return f;
    }

    @Override
    public void giveUp(String peerId, long segmentId) {
      givenUp.add(peerId + "/" + segmentId);
    }

    @Override
    public void ban(String peerId, String reason) {
    }

    @Override
    public void attach(InFlightSegments segments, Runnable neighboursChanged) {
      this.inFlight = segments;
      this.listener = neighboursChanged;
    }

    @Override
    public void inFlightChanged() {
      lastLoading = List.copyOf(inFlight.loadingSegmentIds());
    }

    @Override
    public void detach() {
      closed = true;
    }

    void announce(Neighbour... now) {
      neighbours = List.of(now);
      timers.execute(listener);
    }

    void completeFetch(String peer, long segment, byte[] bytes) {
      pending.remove(peer + "/" + segment).complete(bytes);
    }

    void failFetch(String peer, long segment) {
      pending.remove(peer + "/" + segment).completeExceptionally(new SegmentLoadException("absent"));
    }
  }

  /**
   * CDN with fetches completed by the test; counts bytes like the real CDN loader, and fills the
   * scheduler's buffer with the body (after the bytes the test appended itself) like it.
   */
  private final class FakeCdn implements StreamingSegmentLoader {
    final Map<Long, CompletableFuture<byte[]>> pending = new HashMap<>();
    final Map<Long, SegmentBuffer> buffers = new HashMap<>();
    final Map<Long, Integer> prefixes = new HashMap<>();
    final List<Long> requested = new ArrayList<>();
    final List<String> ranges = new ArrayList<>();
    boolean closed;

    @Override
    public CompletableFuture<byte[]> load(SegmentRequest request, SegmentBuffer into) {
      buffers.put(request.segment().id(), into);
      prefixes.put(request.segment().id(), into.availableBytes());
      return load(request);
    }

    @Override
    public CompletableFuture<byte[]> load(SegmentRequest request) {
      requested.add(request.segment().id());
      ranges.add(request.segment().byteRange().map(r -> r.offset() + "+" + r.length()).orElse("whole"));
      CompletableFuture<byte[]> f = new CompletableFuture<>();
      pending.put(request.segment().id(), f);
      return f;
    }

    List<Long> requested() {
      return requested;
    }

    void complete(long id, byte[] bytes) {
      stats.recordReceived(dev.hlsmesh.agent.stats.SegmentSourceKind.CDN, bytes.length);
      CompletableFuture<byte[]> f = pending.remove(id);
      SegmentBuffer into = buffers.remove(id);
      if (into == null) {
        f.complete(bytes);
        return;
      }
      int prefix = prefixes.remove(id);
      int already = into.availableBytes() - prefix;
      boolean whole = (into.totalBytes() >= 0 || into.size(prefix + (long) bytes.length))
          && into.append(ByteBuffer.wrap(bytes, already, bytes.length - already)) && into.complete();
      if (whole) {
        f.complete(into.bytes());
      } else {
        into.fail();
        f.completeExceptionally(new SegmentLoadException("body of " + bytes.length + " bytes does not fit"));
      }
    }

    void fail(long id) {
      buffers.remove(id);
      pending.remove(id).completeExceptionally(new SegmentLoadException("503"));
    }

    @Override
    public void close() {
      closed = true;
    }
  }
}
