package dev.hlsmesh.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.hlsmesh.agent.PeerFetchException.Reason;
import dev.hlsmesh.agent.scheduler.InFlightSegments;
import dev.hlsmesh.agent.scheduler.SwarmPeers;
import dev.hlsmesh.agent.store.InMemorySegmentStore;
import dev.hlsmesh.agent.store.SegmentStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Whole agents, real WebRTC over the host interface, through a real tracker on port 0. */
class AgentSwarmTest {
  private static final Duration CONNECT_BOUND = Duration.ofSeconds(60);

  private TestTracker tracker;
  private final List<Agent> agents = new ArrayList<>();

  @BeforeEach
  void startTracker() throws Exception {
    tracker = TestTracker.start();
  }

  @AfterEach
  void stopAll() throws Exception {
    for (Agent agent : agents) {
      agent.close();
    }
    tracker.close();
  }

  private static InMemorySegmentStore store() {
    return new InMemorySegmentStore(1L << 30, Duration.ofMinutes(10), Clock.systemUTC());
  }

  private Agent agent(long seed) {
    return agent(seed, store());
  }

  private Agent agent(long seed, SegmentStore store) {
    return agent(seed, store, 1);
  }

  private Agent agent(long seed, SegmentStore store, int minPeers) {
    AgentConfig config = AgentConfig.builder(tracker.url())
        .peers(minPeers, 8)
        .belowMinimumAnnounceMillis(1_000)
        .trackerReconnectMillis(100, 1_000)
        .maxSegmentBytes(256L << 20)
        .build();
    Agent agent = Agent.start(config, store, new Random(seed));
    agents.add(agent);
    return agent;
  }

  @Test
  void twoAgentsTransferSegmentsOfEdgeSizesByteExact() throws Exception {
    SwarmKey swarm = SwarmKey.ofStreamSwarmId("https://cdn.example/live/master.m3u8-V-edge");
    int[] sizes = {0, 1, 65_535, 65_536, 5 * 1024 * 1024};
    byte[][] segments = new byte[sizes.length][];
    Random random = new Random(11);
    for (int i = 0; i < sizes.length; i++) {
      segments[i] = new byte[sizes[i]];
      random.nextBytes(segments[i]);
    }
    InMemorySegmentStore seederStore = store();
    Agent seeder = agent(1, seederStore);
    Agent leecher = agent(2);
    String seederId = seeder.join(swarm);
    String leecherId = leecher.join(swarm);
    awaitConnected(leecher, swarm, seederId);
    awaitConnected(seeder, swarm, leecherId);
    // Stored after connecting: the seeder re-announces on every store change.
    for (int i = 0; i < sizes.length; i++) {
      seederStore.put(swarm, i, segments[i]);
    }
    await().atMost(CONNECT_BOUND).until(() -> leecher.announcedSegments(swarm, seederId).size() == sizes.length);

    for (int i = 0; i < sizes.length; i++) {
      byte[] fetched = leecher.fetch(swarm, seederId, i).get(60, TimeUnit.SECONDS);
      assertThat(fetched).as("segment of %d bytes", sizes[i]).isEqualTo(segments[i]);
    }
    assertFailure(leecher.fetch(swarm, seederId, 999), Reason.ABSENT);
    assertFailure(leecher.fetch(swarm, "-XX0000-nobodyhere12", 0), Reason.NOT_CONNECTED);
    assertThat(seeder.connectedPeers(swarm)).containsExactly(leecherId);
  }

  @Test
  void neighboursSeeStoredAndLoadingAnnouncementsAndTheSchedulerIsTold() throws Exception {
    SwarmKey swarm = SwarmKey.ofHex("4444444444444444444444444444444444444444");
    InMemorySegmentStore seederStore = store();
    Agent seeder = agent(21, seederStore);
    Agent leecher = agent(22);
    String seederId = seeder.join(swarm);
    String leecherId = leecher.join(swarm);
    assertThat(seeder.peerId(swarm)).contains(seederId);
    assertThat(seeder.peerId(SwarmKey.ofHex("4444444444444444444444444444444444444445"))).isEmpty();
    // The leecher's scheduler side: told on the owner after its neighbours changed.
    SwarmPeers leecherPeers = leecher.swarmPeers(swarm);
    CountDownLatch told = new CountDownLatch(1);
    leecherPeers.owner().execute(() -> leecherPeers.attach(new FixedInFlight(List.of()), () -> {
      List<Neighbour> now = leecherPeers.neighbours();
      if (!now.isEmpty() && now.get(0).loadingSegmentIds().contains(8L)) {
        told.countDown();
      }
    }));
    awaitConnected(leecher, swarm, seederId);
    awaitConnected(seeder, swarm, leecherId);

    seederStore.put(swarm, 7, new byte[] {1, 2, 3});
    // The seeder's scheduler fetches 8 and 9 over HTTP: its in-flight segments are announced.
    SwarmPeers seederPeers = seeder.swarmPeers(swarm);
    FixedInFlight loading = new FixedInFlight(List.of(8L, 9L));
    seederPeers.owner().execute(() -> {
      seederPeers.attach(loading, () -> { });
      seederPeers.inFlightChanged();
    });
    await().atMost(CONNECT_BOUND).until(() -> leecher.neighbours(swarm).equals(
        List.of(new Neighbour(seederId, java.util.Set.of(7L), java.util.Set.of(8L, 9L)))));
    assertThat(told.await(30, TimeUnit.SECONDS)).as("the scheduler's listener told").isTrue();

    seederPeers.owner().execute(() -> {
      loading.ids = List.of();
      seederPeers.inFlightChanged();
    });
    await().atMost(CONNECT_BOUND).until(() -> leecher.neighbours(swarm).equals(
        List.of(new Neighbour(seederId, java.util.Set.of(7L), java.util.Set.of()))));
    seeder.leave(swarm);
    await().atMost(CONNECT_BOUND).until(() -> leecher.neighbours(swarm).isEmpty());
  }

  /** In-flight segments as a scheduler would offer them, changed by the test on the owner. */
  private static final class FixedInFlight implements InFlightSegments {
    volatile List<Long> ids;

    FixedInFlight(List<Long> ids) {
      this.ids = ids;
    }

    @Override
    public List<Long> loadingSegmentIds() {
      return ids;
    }

    @Override
    public dev.hlsmesh.agent.store.SegmentBuffer arriving(long segmentId) {
      return null;
    }
  }

  @Test
  void cappedUploadPacesTheTransferWithoutNoBytesTimeoutsAndIsCounted() throws Exception {
    SwarmKey swarm = SwarmKey.ofHex("3333333333333333333333333333333333333333");
    InMemorySegmentStore seederStore = store();
    AgentConfig capped = AgentConfig.builder(tracker.url())
        .peers(1, 8)
        .belowMinimumAnnounceMillis(1_000)
        .trackerReconnectMillis(100, 1_000)
        .maxUploadBytesPerSecond(50_000) // chunks of 5000 B every 100 ms: gaps far below the 2 s timeout
        .build();
    Agent seeder = Agent.start(capped, seederStore, new Random(31));
    agents.add(seeder);
    Agent leecher = agent(32);
    String seederId = seeder.join(swarm);
    leecher.join(swarm);
    awaitConnected(leecher, swarm, seederId);
    byte[] segment = new byte[100_000];
    new Random(33).nextBytes(segment);
    seederStore.put(swarm, 1, segment);
    await().atMost(CONNECT_BOUND).until(() -> leecher.announcedSegments(swarm, seederId).contains(1L));

    long started = System.nanoTime();
    byte[] fetched = leecher.fetch(swarm, seederId, 1).get(60, TimeUnit.SECONDS);
    long elapsedMillis = (System.nanoTime() - started) / 1_000_000;
    assertThat(fetched).isEqualTo(segment);
    // The bucket starts with one 5000-byte chunk; the other 95,000 bytes take at least 1.9 s.
    assertThat(elapsedMillis).as("transfer time under a 50 kB/s cap").isGreaterThanOrEqualTo(1_900);
    assertThat(seeder.uploadedBytes()).isEqualTo(100_000);
    assertThat(leecher.uploadedBytes()).isZero();
  }

  @Test
  void givingUpAFetchHandsBackAPrefixAndLeavesTheConnectionUsable() throws Exception {
    SwarmKey swarm = SwarmKey.ofHex("2222222222222222222222222222222222222222");
    InMemorySegmentStore seederStore = store();
    AgentConfig capped = AgentConfig.builder(tracker.url())
        .peers(1, 8)
        .belowMinimumAnnounceMillis(1_000)
        .trackerReconnectMillis(100, 1_000)
        .maxUploadBytesPerSecond(50_000) // 200 kB take 4 s: time to give up part way
        .build();
    Agent seeder = Agent.start(capped, seederStore, new Random(41));
    agents.add(seeder);
    Agent leecher = agent(42);
    String seederId = seeder.join(swarm);
    leecher.join(swarm);
    awaitConnected(leecher, swarm, seederId);
    byte[] big = new byte[200_000];
    new Random(43).nextBytes(big);
    byte[] small = {7, 7, 7};
    seederStore.put(swarm, 1, big);
    seederStore.put(swarm, 2, small);
    await().atMost(CONNECT_BOUND).until(() -> leecher.announcedSegments(swarm, seederId).containsAll(List.of(1L, 2L)));

    CompletableFuture<byte[]> fetch = leecher.fetch(swarm, seederId, 1);
    await().atMost(CONNECT_BOUND).until(() -> seeder.uploadedBytes() >= 60_000);
    leecher.giveUp(swarm, seederId, 1);
    ExecutionException failure = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> fetch.get(30, TimeUnit.SECONDS));
    PeerFetchException given = (PeerFetchException) failure.getCause();
    assertThat(given.reason()).isEqualTo(Reason.GIVEN_UP);
    assertThat(given.totalBytes()).isIn(-1L, 200_000L);
    assertThat(given.partialBytes()).as("a prefix of the segment").isEqualTo(
        java.util.Arrays.copyOf(big, given.partialBytes().length));
    // Bytes of the cancelled upload still in flight are ignored; the next fetch works.
    assertThat(leecher.fetch(swarm, seederId, 2).get(30, TimeUnit.SECONDS)).isEqualTo(small);
    assertThat(leecher.connectedPeers(swarm)).containsExactly(seederId);
  }

  @Test
  void fiveAgentsInOneSwarmAllConnectToEachOther() {
    SwarmKey swarm = SwarmKey.ofHex("5555555555555555555555555555555555555555");
    List<String> ids = new ArrayList<>();
    List<Agent> members = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      // minPeers 4: an agent short of a peer (a link that failed on a loaded machine) keeps
      // re-announcing every second instead of waiting for the tracker's 120 s interval.
      Agent agent = agent(100 + i, store(), 4);
      members.add(agent);
      ids.add(agent.join(swarm));
    }
    await().atMost(CONNECT_BOUND).untilAsserted(() -> {
      for (int i = 0; i < 5; i++) {
        List<String> others = new ArrayList<>(ids);
        others.remove(i);
        assertThat(members.get(i).connectedPeers(swarm)).containsExactlyInAnyOrderElementsOf(others);
      }
    });
  }

  @Test
  void agentsReconnectToARestartedTrackerAndStillMeetNewPeers() throws Exception {
    SwarmKey swarm = SwarmKey.ofHex("9999999999999999999999999999999999999999");
    Agent early = agent(21);
    String earlyId = early.join(swarm);
    await().atMost(CONNECT_BOUND).until(() -> early.trackerConnected());
    int port = tracker.port();
    tracker.close();
    await().atMost(CONNECT_BOUND).until(() -> !early.trackerConnected());
    tracker = TestTracker.start(port);
    await().atMost(CONNECT_BOUND).until(() -> early.trackerConnected());

    Agent late = agent(22);
    late.join(swarm);
    // The late agent's offers reach the early one only if it re-announced after reconnecting.
    await().atMost(CONNECT_BOUND).until(() -> late.connectedPeers(swarm).contains(earlyId));
  }

  @Test
  void peerVanishingMidTransferFailsTheFetchCleanlyWithinTheTimeout() throws Exception {
    SwarmKey swarm = SwarmKey.ofHex("7777777777777777777777777777777777777777");
    CountDownLatch uploadStarted = new CountDownLatch(1);
    byte[] big = new byte[100 * 1024 * 1024];
    MapSource source = new MapSource() {
      @Override
      public java.nio.ByteBuffer segment(long segmentId) {
        uploadStarted.countDown();
        return super.segment(segmentId);
      }
    };
    source.segments.put(1L, big);
    Agent seeder = agent(7);
    Agent leecher = agent(8);
    String seederId = seeder.join(swarm, source);
    leecher.join(swarm);
    awaitConnected(leecher, swarm, seederId);

    CompletableFuture<byte[]> fetch = leecher.fetch(swarm, seederId, 1);
    assertThat(uploadStarted.await(30, TimeUnit.SECONDS)).isTrue();
    seeder.close();

    // Bound: 3 no-bytes timeouts of 2 s plus generous slack for a loaded machine.
    assertThatThrownBy(() -> fetch.get(30, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(PeerFetchException.class)
        .satisfies(e -> assertThat(((PeerFetchException) e).reason()).isIn(Reason.DISCONNECTED, Reason.TIMEOUT));
    await().atMost(CONNECT_BOUND).until(() -> leecher.connectedPeers(swarm).isEmpty());
  }

  private static void awaitConnected(Agent agent, SwarmKey swarm, String peerId) {
    await().atMost(CONNECT_BOUND).until(() -> agent.connectedPeers(swarm).contains(peerId));
  }

  private static void assertFailure(CompletableFuture<byte[]> future, Reason reason) {
    assertThatThrownBy(() -> future.get(30, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(PeerFetchException.class)
        .satisfies(e -> assertThat(((PeerFetchException) e).reason()).isEqualTo(reason));
  }
}
