package dev.hlsmesh.agent.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hlsmesh.agent.SwarmKey;
import dev.hlsmesh.testsupport.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The event listener API of {@link AgentStats}: delivery thread, order, isolation, overload. */
class AgentEventsTest {
  private static final SwarmKey SWARM = SwarmKey.ofHex("1234567890123456789012345678901234567890");
  private final ManualClock clock = new ManualClock();
  private final AgentStats stats = new AgentStats(clock);

  @Test
  void listenersGetEveryEventInOrderOnTheEventThreadNotTheRecordingThread() {
    List<AgentEvent> events = new CopyOnWriteArrayList<>();
    List<String> threads = new CopyOnWriteArrayList<>();
    stats.addEventListener(event -> {
      threads.add(Thread.currentThread().getName());
      events.add(event);
    });
    long at = clock.millis();
    stats.recordPeerConnected(SWARM, "peer-a");
    stats.recordCdnFallback(SWARM, 7, CdnFallbackReason.ELECTED);
    stats.recordSegmentLoaded(SWARM, 7, SegmentSourceKind.CDN, null, 1_000, 120);
    stats.recordSegmentLoaded(SWARM, 8, SegmentSourceKind.PEER, "peer-a", 2_000, 80);
    stats.recordValidationFailure(SWARM, 9, SegmentSourceKind.PEER, "peer-a", "sha-256 differs");
    stats.recordStall(300);
    stats.recordFailure(null, AgentEvent.FailureKind.TRACKER, "tracker unreachable");
    stats.recordPeerClosed(SWARM, "peer-a");

    await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 8);
    assertThat(events).containsExactly(
        new AgentEvent.PeerConnected(at, SWARM, "peer-a"),
        new AgentEvent.CdnFallback(at, SWARM, 7, CdnFallbackReason.ELECTED),
        new AgentEvent.SegmentLoaded(at, SWARM, 7, SegmentSourceKind.CDN, null, 1_000, 120),
        new AgentEvent.SegmentLoaded(at, SWARM, 8, SegmentSourceKind.PEER, "peer-a", 2_000, 80),
        new AgentEvent.ValidationFailed(at, SWARM, 9, SegmentSourceKind.PEER, "peer-a", "sha-256 differs"),
        new AgentEvent.Stall(at, 300),
        new AgentEvent.Failure(at, null, AgentEvent.FailureKind.TRACKER, "tracker unreachable"),
        new AgentEvent.PeerClosed(at, SWARM, "peer-a"));
    assertThat(threads).allSatisfy(name -> assertThat(name).startsWith("hlsmesh-agent-events-"));
    assertThat(stats.droppedEvents()).isZero();
  }

  @Test
  void aDirectListenerRunsOnTheRecordingThread() {
    List<String> threads = new CopyOnWriteArrayList<>();
    stats.addEventListener(event -> threads.add(Thread.currentThread().getName()), Runnable::run);
    stats.recordStall(10);
    assertThat(threads).containsExactly(Thread.currentThread().getName());
  }

  @Test
  void aThrowingListenerDoesNotStopTheOthersAndRemovedListenersHearNothing() {
    List<AgentEvent> seen = new CopyOnWriteArrayList<>();
    List<AgentEvent> removedSaw = new CopyOnWriteArrayList<>();
    AgentEventListener removed = removedSaw::add;
    stats.addEventListener(event -> {
      throw new IllegalStateException("listener bug");
    });
    stats.addEventListener(seen::add);
    stats.addEventListener(event -> {
      throw new IllegalStateException("direct listener bug");
    }, Runnable::run);
    stats.addEventListener(removed);
    stats.removeEventListener(removed);

    stats.recordStall(1);
    stats.recordStall(2);

    await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 2);
    assertThat(seen).extracting(e -> ((AgentEvent.Stall) e).stallMillis()).containsExactly(1L, 2L);
    assertThat(removedSaw).isEmpty();
  }

  @Test
  void aBlockedListenerLosesEventsBeyondTheQueueBoundButNeverBlocksTheRecorder() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch blocking = new CountDownLatch(1);
    List<AgentEvent> seen = new CopyOnWriteArrayList<>();
    stats.addEventListener(event -> {
      blocking.countDown();
      try {
        release.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      seen.add(event);
    });
    stats.recordStall(0);
    assertThat(blocking.await(10, TimeUnit.SECONDS)).isTrue(); // the event thread is now stuck in the listener
    int extra = 25;
    for (int i = 0; i < AgentStats.MAX_QUEUED_EVENTS + extra; i++) {
      stats.recordStall(1);
    }
    assertThat(stats.droppedEvents()).isEqualTo(extra);
    assertThat(stats.stalls()).as("counters do not depend on listeners").isEqualTo(AgentStats.MAX_QUEUED_EVENTS + extra + 1);
    release.countDown();
    await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() == AgentStats.MAX_QUEUED_EVENTS + 1);
  }

  @Test
  void fallbacksAndValidationFailuresAreCountedByKind() {
    stats.recordCdnFallback(SWARM, 1, CdnFallbackReason.DEADLINE);
    stats.recordCdnFallback(SWARM, 2, CdnFallbackReason.DEADLINE);
    stats.recordCdnFallback(SWARM, 3, CdnFallbackReason.PEER_TOO_SLOW);
    stats.recordValidationFailure(SWARM, 4, SegmentSourceKind.CDN, null, "length differs");

    assertThat(stats.cdnFallbacks(CdnFallbackReason.DEADLINE)).isEqualTo(2);
    assertThat(stats.cdnFallbacks(CdnFallbackReason.PEER_TOO_SLOW)).isEqualTo(1);
    assertThat(stats.cdnFallbacks(CdnFallbackReason.ELECTED)).isZero();
    assertThat(stats.validationFailures()).isEqualTo(1);
    assertThat(stats.snapshot().validationFailures()).isEqualTo(1);
  }
}
