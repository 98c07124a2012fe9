package dev.hlsmesh.agent.webrtc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two real PeerConnections in one process, connected over the host's interface address. */
class PeerLinkTest {
  // Small watermarks: 16 MB through a 128 KiB window must make the sender wait, however fast
  // or slow this machine is at the moment.
  private static final LinkSettings SETTINGS = new LinkSettings(List.of(), 5_000, 20_000, 32 * 1024, 128 * 1024);

  private WebRtcRuntime.Lease lease;
  private ScheduledExecutorService ownerA;
  private ScheduledExecutorService ownerB;
  private final Recorder recorderA = new Recorder();
  private final Recorder recorderB = new Recorder();
  private PeerLink linkA;
  private PeerLink linkB;

  @BeforeEach
  void connect() throws Exception {
    lease = WebRtcRuntime.acquire();
    ownerA = Executors.newSingleThreadScheduledExecutor();
    ownerB = Executors.newSingleThreadScheduledExecutor();
    linkA = on(ownerA, () -> PeerLink.offer(lease, SETTINGS, ownerA, new Random(1), recorderA));
    String offer = linkA.localDescription().get(20, TimeUnit.SECONDS);
    assertThat(offer).contains("a=candidate").contains("webrtc-datachannel");
    linkB = on(ownerB, () -> PeerLink.answer(lease, SETTINGS, ownerB, offer, recorderB));
    String answer = linkB.localDescription().get(20, TimeUnit.SECONDS);
    on(ownerA, () -> {
      linkA.acceptAnswer(answer);
      return null;
    });
    await().atMost(Duration.ofSeconds(30)).until(() -> recorderA.opened && recorderB.opened);
  }

  @AfterEach
  void tearDown() throws Exception {
    on(ownerA, () -> {
      linkA.close("test over");
      return null;
    });
    on(ownerB, () -> {
      linkB.close("test over");
      return null;
    });
    ownerA.shutdown();
    ownerB.shutdown();
    lease.close();
  }

  @Test
  void binaryMessagesArriveWithExactLengthAndContentBothWays() throws Exception {
    int[] sizes = {1, 2, 1000, 65_535};
    Random random = new Random(7);
    for (int size : sizes) {
      byte[] message = new byte[size];
      random.nextBytes(message);
      on(ownerA, () -> linkA.send(message));
      assertThat(recorderB.messages.poll(20, TimeUnit.SECONDS)).isEqualTo(message);
      on(ownerB, () -> linkB.send(message));
      assertThat(recorderA.messages.poll(20, TimeUnit.SECONDS)).isEqualTo(message);
    }
    assertThat(on(ownerA, linkA::isInitiator)).isTrue();
    assertThat(on(ownerB, linkB::isInitiator)).isFalse();
  }

  @Test
  void senderThatHonoursWritabilityNeverBuffersMuchAboveTheHighWatermark() throws Exception {
    int messageBytes = 65_535;
    long totalBytes = 16L * 1024 * 1024;
    AtomicLong received = new AtomicLong();
    recorderB.countOnly = received;
    CompletableFuture<Void> done = new CompletableFuture<>();
    Runnable pump = new Runnable() {
      long sent;

      @Override
      public void run() {
        while (sent < totalBytes && linkA.isWritable()) {
          linkA.send(new byte[messageBytes]);
          sent += messageBytes;
        }
        if (sent >= totalBytes) {
          done.complete(null);
        }
      }
    };
    recorderA.onWritable = pump;
    ownerA.execute(pump);
    done.get(60, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(60)).until(() -> received.get() >= totalBytes);
    assertThat(received.get()).isEqualTo(on(ownerA, linkA::sentBytes));
    long peak = on(ownerA, linkA::peakBufferedBytes);
    assertThat(peak).isLessThanOrEqualTo(SETTINGS.highWatermarkBytes() + messageBytes);
    assertThat(recorderA.writableEvents).as("the sender had to wait for the channel to drain").isPositive();
  }

  @Test
  void closingOneSideClosesTheOther() throws Exception {
    on(ownerA, () -> {
      linkA.close("bye");
      return null;
    });
    assertThat(recorderA.closeReason.get()).isEqualTo("bye");
    await().atMost(Duration.ofSeconds(30)).until(() -> recorderB.closeReason.get() != null);
    assertThat(on(ownerB, linkB::isOpen)).isFalse();
  }

  private static <T> T on(ScheduledExecutorService owner, Supplier<T> action) throws Exception {
    return CompletableFuture.supplyAsync(action, owner).get(20, TimeUnit.SECONDS);
  }

  private static final class Recorder implements PeerLink.Listener {
    volatile boolean opened;
    final BlockingQueue<byte[]> messages = new LinkedBlockingQueue<>();
    final AtomicReference<String> closeReason = new AtomicReference<>();
    volatile AtomicLong countOnly;
    volatile Runnable onWritable;
    volatile int writableEvents;

    @Override
    public void onOpen(PeerLink link) {
      opened = true;
    }

    @Override
    public void onMessage(PeerLink link, byte[] message) {
      AtomicLong counter = countOnly;
      if (counter != null) {
        counter.addAndGet(message.length);
      } else {
        messages.add(message);
      }
    }

    @Override
    public void onWritable(PeerLink link) {
      writableEvents++;
      Runnable action = onWritable;
      if (action != null) {
        action.run();
      }
    }

    @Override
    public void onClosed(PeerLink link, String reason) {
      closeReason.compareAndSet(null, reason);
    }
  }
}
