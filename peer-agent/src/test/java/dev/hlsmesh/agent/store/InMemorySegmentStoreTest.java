package dev.hlsmesh.agent.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hlsmesh.agent.SwarmKey;
import dev.hlsmesh.agent.store.StoreChange.Kind;
import dev.hlsmesh.testsupport.ManualClock;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class InMemorySegmentStoreTest {
  private static final SwarmKey VIDEO = SwarmKey.ofHex("11".repeat(20));
  private static final SwarmKey AUDIO = SwarmKey.ofHex("22".repeat(20));

  private final ManualClock clock = new ManualClock();
  private final List<StoreChange> changes = new ArrayList<>();

  private InMemorySegmentStore store(long maxBytes, Duration maxAge) {
    InMemorySegmentStore store = new InMemorySegmentStore(maxBytes, maxAge, clock);
    store.addListener(changes::add);
    return store;
  }

  private static byte[] bytes(int length, int seed) {
    byte[] data = new byte[length];
    new Random(seed).nextBytes(data);
    return data;
  }

  private static byte[] contents(Optional<ByteBuffer> buffer) {
    ByteBuffer view = buffer.orElseThrow();
    byte[] copy = new byte[view.remaining()];
    view.get(copy);
    return copy;
  }

  @Test
  void storedSegmentsAreReturnedByteExactPerSwarmAndIdAndListedInStoreOrder() {
    InMemorySegmentStore store = store(1_000, Duration.ofMinutes(1));
    byte[] video7 = bytes(100, 1);
    byte[] audio7 = bytes(50, 2);

    assertThat(store.put(VIDEO, 7, video7)).isTrue();
    assertThat(store.put(AUDIO, 7, audio7)).isTrue();
    assertThat(store.put(VIDEO, 5, new byte[0])).isTrue();

    assertThat(contents(store.get(VIDEO, 7))).isEqualTo(video7);
    assertThat(contents(store.get(AUDIO, 7))).isEqualTo(audio7);
    assertThat(contents(store.get(VIDEO, 5))).isEmpty();
    assertThat(store.get(AUDIO, 5)).isEmpty();
    assertThat(store.contains(VIDEO, 5)).isTrue();
    assertThat(store.segmentIds(VIDEO)).containsExactly(7L, 5L);
    assertThat(store.segmentIds(AUDIO)).containsExactly(7L);
    assertThat(store.swarms()).containsExactlyInAnyOrder(VIDEO, AUDIO);
    assertThat(store.sizeBytes()).isEqualTo(150);
  }

  @Test
  void returnedBuffersAreReadOnlyAndTheStoreKeepsItsOwnCopy() {
    InMemorySegmentStore store = store(1_000, Duration.ofMinutes(1));
    byte[] original = bytes(10, 3);
    byte[] expected = original.clone();
    store.put(VIDEO, 1, original);
    original[0]++;

    ByteBuffer view = store.get(VIDEO, 1).orElseThrow();

    assertThat(view.isReadOnly()).isTrue();
    assertThatThrownBy(() -> view.put(0, (byte) 0)).isInstanceOf(ReadOnlyBufferException.class);
    view.position(5); // a caller moving its view does not move anyone else's
    assertThat(contents(store.get(VIDEO, 1))).isEqualTo(expected);
  }

  @Test
  void putCopiesOnlyTheRemainingBytesAndLeavesTheSourceBufferAlone() {
    InMemorySegmentStore store = store(1_000, Duration.ofMinutes(1));
    ByteBuffer source = ByteBuffer.wrap(new byte[] {9, 1, 2, 3, 9});
    source.position(1).limit(4);

    store.put(VIDEO, 1, source);

    assertThat(contents(store.get(VIDEO, 1))).containsExactly(1, 2, 3);
    assertThat(source.position()).isEqualTo(1);
    assertThat(source.limit()).isEqualTo(4);
  }

  @Test
  void oldestSegmentsOfAnySwarmAreEvictedToStayWithinTheByteBound() {
    InMemorySegmentStore store = store(300, Duration.ofMinutes(1));
    store.put(VIDEO, 1, bytes(100, 1));
    store.put(AUDIO, 1, bytes(100, 2));
    store.put(VIDEO, 2, bytes(100, 3));
    changes.clear();

    store.put(VIDEO, 3, bytes(150, 4));

    assertThat(changes).containsExactly(
        new StoreChange(VIDEO, 1, Kind.EVICTED_FOR_SPACE),
        new StoreChange(AUDIO, 1, Kind.EVICTED_FOR_SPACE),
        new StoreChange(VIDEO, 3, Kind.STORED));
    assertThat(store.segmentIds(VIDEO)).containsExactly(2L, 3L);
    assertThat(store.segmentIds(AUDIO)).isEmpty();
    assertThat(store.swarms()).containsExactly(VIDEO);
    assertThat(store.sizeBytes()).isEqualTo(250);
  }

  @Test
  void segmentLargerThanTheWholeStoreIsRefusedWithoutEvictingAnything() {
    InMemorySegmentStore store = store(300, Duration.ofMinutes(1));
    store.put(VIDEO, 1, bytes(100, 1));
    changes.clear();

    assertThat(store.put(VIDEO, 2, bytes(301, 2))).isFalse();

    assertThat(changes).isEmpty();
    assertThat(store.segmentIds(VIDEO)).containsExactly(1L);
    assertThat(store.put(VIDEO, 3, bytes(300, 3))).isTrue();
    assertThat(store.segmentIds(VIDEO)).containsExactly(3L);
  }

  @Test
  void replacingASegmentCountsItsSizeOnceAndMovesItToTheNewestEnd() {
    InMemorySegmentStore store = store(300, Duration.ofMinutes(1));
    store.put(VIDEO, 1, bytes(100, 1));
    store.put(VIDEO, 2, bytes(100, 2));
    changes.clear();

    store.put(VIDEO, 1, bytes(150, 3));

    assertThat(changes).containsExactly(new StoreChange(VIDEO, 1, Kind.STORED));
    assertThat(store.sizeBytes()).isEqualTo(250);
    assertThat(store.segmentIds(VIDEO)).containsExactly(2L, 1L);
    assertThat(contents(store.get(VIDEO, 1))).isEqualTo(bytes(150, 3));
  }

  @Test
  void segmentsOlderThanTheMaximumAgeAreEvictedAndReported() {
    InMemorySegmentStore store = store(1_000, Duration.ofSeconds(30));
    store.put(VIDEO, 1, bytes(10, 1));
    clock.advance(Duration.ofSeconds(10));
    store.put(VIDEO, 2, bytes(10, 2));
    store.put(AUDIO, 2, bytes(10, 3));
    changes.clear();

    clock.advance(Duration.ofSeconds(20));
    assertThat(store.evictExpired()).isZero(); // exactly 30 s old: still inside the window
    clock.advanceMillis(1);

    assertThat(store.evictExpired()).isEqualTo(1);
    assertThat(changes).containsExactly(new StoreChange(VIDEO, 1, Kind.EXPIRED));
    assertThat(store.segmentIds(VIDEO)).containsExactly(2L);
    assertThat(store.sizeBytes()).isEqualTo(20);
  }

  @Test
  void expiredSegmentsAreNeverServedEvenWithoutAnExplicitEviction() {
    InMemorySegmentStore store = store(1_000, Duration.ofSeconds(30));
    store.put(VIDEO, 1, bytes(10, 1));
    clock.advance(Duration.ofSeconds(31));

    assertThat(store.get(VIDEO, 1)).isEmpty();
    assertThat(changes).containsExactly(new StoreChange(VIDEO, 1, Kind.STORED), new StoreChange(VIDEO, 1, Kind.EXPIRED));
    assertThat(store.contains(VIDEO, 1)).isFalse();
    assertThat(store.segmentIds(VIDEO)).isEmpty();
  }

  @Test
  void removalsAreReportedPerSegment() {
    InMemorySegmentStore store = store(1_000, Duration.ofMinutes(1));
    store.put(VIDEO, 1, bytes(10, 1));
    store.put(VIDEO, 2, bytes(10, 2));
    store.put(AUDIO, 1, bytes(10, 3));
    changes.clear();

    assertThat(store.remove(AUDIO, 1)).isTrue();
    assertThat(store.remove(AUDIO, 1)).isFalse();
    assertThat(store.removeSwarm(VIDEO)).isEqualTo(2);

    assertThat(changes).containsExactly(
        new StoreChange(AUDIO, 1, Kind.REMOVED),
        new StoreChange(VIDEO, 1, Kind.REMOVED),
        new StoreChange(VIDEO, 2, Kind.REMOVED));
    assertThat(changes).allMatch(c -> c.kind().isRemoval());
    assertThat(store.sizeBytes()).isZero();
    assertThat(store.swarms()).isEmpty();
  }

  @Test
  void aFailingListenerDoesNotStopTheStoreOrOtherListenersAndRemovedListenersHearNothing() {
    InMemorySegmentStore store = store(1_000, Duration.ofMinutes(1));
    store.addListener(change -> {
      throw new IllegalStateException("listener bug");
    });
    List<StoreChange> removedListenerSaw = new ArrayList<>();
    SegmentStore.Listener removed = removedListenerSaw::add;
    store.addListener(removed);
    store.removeListener(removed);

    assertThat(store.put(VIDEO, 1, bytes(10, 1))).isTrue();

    assertThat(changes).containsExactly(new StoreChange(VIDEO, 1, Kind.STORED));
    assertThat(removedListenerSaw).isEmpty();
  }

  @Test
  void listenersRunWithoutTheStoreLockSoAnotherThreadCanReadMeanwhile() throws Exception {
    InMemorySegmentStore store = store(1_000, Duration.ofMinutes(1));
    ExecutorService other = Executors.newSingleThreadExecutor();
    try {
      List<List<Long>> seenFromOtherThread = new ArrayList<>();
      store.addListener(change -> {
        try {
          // would time out if the listener were called while the store lock is held
          seenFromOtherThread.add(other.submit(() -> store.segmentIds(VIDEO)).get(10, TimeUnit.SECONDS));
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      });

      store.put(VIDEO, 1, bytes(10, 1));

      assertThat(seenFromOtherThread).containsExactly(List.of(1L));
    } finally {
      other.shutdownNow();
    }
  }

  @Test
  void concurrentWritersAndReadersKeepTheBoundsAndTheBookkeepingConsistent() throws Exception {
    long maxBytes = 50_000;
    InMemorySegmentStore store = new InMemorySegmentStore(maxBytes, Duration.ofMinutes(1), clock);
    Map<StoreChange.Kind, AtomicInteger> counts = new ConcurrentHashMap<>();
    ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
    store.addListener(change -> counts.computeIfAbsent(change.kind(), k -> new AtomicInteger()).incrementAndGet());
    int threads = 4;
    int operationsPerThread = 2_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int seed = t;
        done.add(pool.submit(() -> {
          Random random = new Random(seed);
          start.await();
          for (int i = 0; i < operationsPerThread; i++) {
            SwarmKey swarm = random.nextBoolean() ? VIDEO : AUDIO;
            long id = random.nextInt(40);
            int op = random.nextInt(10);
            if (op < 5) {
              // content derived from the id, so any reader can check what it gets
              store.put(swarm, id, bytes(500 + (int) id * 37, (int) id));
            } else if (op < 9) {
              store.get(swarm, id).ifPresent(view -> {
                byte[] got = new byte[view.remaining()];
                view.get(got);
                if (!java.util.Arrays.equals(got, bytes(500 + (int) id * 37, (int) id))) {
                  problems.add("wrong bytes for " + id);
                }
              });
            } else {
              store.remove(swarm, id);
            }
            if (store.sizeBytes() > maxBytes) {
              problems.add("size " + store.sizeBytes() + " above bound");
            }
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(problems).isEmpty();
    // Listeners may see changes of different threads in any order, so check the state itself:
    // the size bookkeeping matches what is listed, and everything listed is served.
    long expectedSize = 0;
    for (SwarmKey swarm : List.of(VIDEO, AUDIO)) {
      for (long id : store.segmentIds(swarm)) {
        expectedSize += 500 + id * 37;
        assertThat(store.get(swarm, id)).isPresent();
      }
    }
    assertThat(store.sizeBytes()).isEqualTo(expectedSize).isLessThanOrEqualTo(maxBytes);
    assertThat(counts.get(Kind.STORED)).isNotNull();
    assertThat(counts.get(Kind.EVICTED_FOR_SPACE)).as("the byte bound was exercised").isNotNull();
  }

  @Test
  void constructorRejectsUnusableBounds() {
    assertThatThrownBy(() -> new InMemorySegmentStore(0, Duration.ofSeconds(1), clock))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxBytes: 0 (expected: at least 1)");
    assertThatThrownBy(() -> new InMemorySegmentStore(1, Duration.ZERO, clock))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxAge: PT0S (expected: positive)");
  }

  @Test
  void anAdoptedSegmentIsKeptWithoutACopyAndHandedOutAsReadOnlyViewsOfIt() {
    InMemorySegmentStore frozen = new InMemorySegmentStore(1 << 20, Duration.ofMinutes(1), clock);
    SwarmKey swarm = SwarmKey.ofHex("00000000000000000000000000000000000000aa");
    byte[] segment = {1, 2, 3};
    SegmentBuffer adopted = SegmentBuffer.frozen(segment);
    assertThat(frozen.adopt(swarm, 1, adopted)).isTrue();
    assertThat(frozen.held(swarm, 1)).containsSame(adopted);
    ByteBuffer view = frozen.get(swarm, 1).orElseThrow();
    assertThat(view.isReadOnly()).isTrue();
    segment[0] = 9; // the test's probe of sharing: nobody modifies a frozen segment otherwise
    assertThat(view.get(0)).as("the store holds the caller's bytes, not a copy").isEqualTo((byte) 9);
    assertThat(frozen.sizeBytes()).isEqualTo(3);

    byte[] copied = {4, 5};
    frozen.put(swarm, 2, copied);
    copied[0] = 7;
    assertThat(frozen.get(swarm, 2).orElseThrow().get(0)).as("put copies").isEqualTo((byte) 4);
    assertThat(frozen.adopt(swarm, 3, SegmentBuffer.frozen(new byte[(1 << 20) + 1]))).isFalse();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> frozen.adopt(swarm, 4, new SegmentBuffer(10)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
