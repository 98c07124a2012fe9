package dev.hlsmesh.agent.peer;

import static dev.hlsmesh.agent.webrtc.LinkPairs.on;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.hlsmesh.agent.PeerFetchException;
import dev.hlsmesh.agent.PeerFetchException.Reason;
import dev.hlsmesh.agent.store.SegmentBuffer;
import dev.hlsmesh.agent.webrtc.LinkPairs;
import dev.hlsmesh.agent.webrtc.LinkSettings;
import dev.hlsmesh.agent.webrtc.PeerLink;
import dev.hlsmesh.agent.webrtc.WebRtcRuntime;
import dev.hlsmesh.protocol.peer.CommandReassembler;
import dev.hlsmesh.protocol.peer.PeerCommand;
import dev.hlsmesh.protocol.peer.PeerCommand.CancelSegmentRequest;
import dev.hlsmesh.protocol.peer.PeerCommand.SegmentAbsent;
import dev.hlsmesh.protocol.peer.PeerCommand.SegmentData;
import dev.hlsmesh.protocol.peer.PeerCommand.SegmentDataSendingCompleted;
import dev.hlsmesh.protocol.peer.PeerCommand.SegmentRequest;
import dev.hlsmesh.protocol.peer.PeerCommand.SegmentsAnnouncement;
import dev.hlsmesh.protocol.peer.PeerFraming;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real PeerSession (the "victim") on one end of a real WebRTC link, and a scripted raw peer
 * on the other end that sends exactly the bytes each test needs, good or bad.
 */
class PeerSessionTest {
  private static final LinkSettings LINKS = new LinkSettings(List.of(), 5_000, 20_000, 256 * 1024, 1024 * 1024);
  private static final long NO_BYTES_MILLIS = 600;
  private static final SessionSettings SESSION = new SessionSettings(NO_BYTES_MILLIS, 3, 256L << 20, 4096, 4);
  /** For tests whose scripted peer must answer before the no-bytes timer fires, even on a loaded box. */
  private static final SessionSettings PATIENT_SESSION = new SessionSettings(3_000, 3, 256L << 20, 4096, 4);

  private WebRtcRuntime.Lease lease;
  private ScheduledExecutorService victimOwner;
  private ScheduledExecutorService rawOwner;
  private final Map<Long, byte[]> victimSegments = new ConcurrentHashMap<>();
  private final Map<Long, SegmentBuffer> victimArriving = new ConcurrentHashMap<>();
  private final List<PeerLink> links = new ArrayList<>();

  @BeforeEach
  void setUp() {
    lease = WebRtcRuntime.acquire();
    victimOwner = Executors.newSingleThreadScheduledExecutor();
    rawOwner = Executors.newSingleThreadScheduledExecutor();
  }

  @AfterEach
  void tearDown() throws Exception {
    for (PeerLink link : links) {
      ScheduledExecutorService owner = link.isInitiator() ? victimOwner : rawOwner;
      on(owner, () -> {
        link.close("test over");
        return null;
      });
    }
    victimOwner.shutdown();
    rawOwner.shutdown();
    victimOwner.awaitTermination(10, TimeUnit.SECONDS);
    rawOwner.awaitTermination(10, TimeUnit.SECONDS);
    lease.close();
  }

  @Test
  void uploaderAnnouncesOnConnectAndServesFromTheRequestedByteOffset() throws Exception {
    byte[] segment = random(150_000, 1);
    victimSegments.put(5L, segment);
    Connection c = connect();
    assertThat(c.raw.nextCommand()).isEqualTo(new SegmentsAnnouncement(List.of(5L), List.of()));

    c.raw.send(new SegmentRequest(5, 9, 70_000));
    assertThat(c.raw.nextCommand()).isEqualTo(new SegmentData(5, 9, 80_000));
    assertThat(c.raw.nextCommand()).isEqualTo(new SegmentDataSendingCompleted(5, 9));
    assertThat(c.raw.payload()).isEqualTo(Arrays.copyOfRange(segment, 70_000, 150_000));
    assertThat(c.raw.largestPayloadMessage.get()).isLessThanOrEqualTo(65_535);
  }

  @Test
  void uploaderServesASegmentWhileItArrivesOnceItsSizeIsKnownAndCompletesAfterTheLastByte() throws Exception {
    byte[] segment = random(100_000, 7);
    SegmentBuffer arriving = new SegmentBuffer(1 << 20);
    victimArriving.put(6L, arriving);
    Connection c = connect(PATIENT_SESSION);
    assertThat(c.raw.nextCommand()).isEqualTo(new SegmentsAnnouncement(List.of(), List.of(6L)));

    c.raw.send(new SegmentRequest(6, 4, 0));
    assertThat(c.raw.commands.poll(300, TimeUnit.MILLISECONDS)).as("no SegmentData before the size is known").isNull();
    arriving.size(segment.length);
    assertThat(c.raw.nextCommand()).isEqualTo(new SegmentData(6, 4, 100_000));
    arriving.append(ByteBuffer.wrap(segment, 0, 30_000));
    await().atMost(Duration.ofSeconds(30)).until(() -> c.raw.payloadBytes.get() == 30_000);
    arriving.append(ByteBuffer.wrap(segment, 30_000, 70_000));
    arriving.complete();
    assertThat(c.raw.nextCommand()).isEqualTo(new SegmentDataSendingCompleted(6, 4));
    assertThat(c.raw.payload()).isEqualTo(segment);

    // A resumed request (byte offset) is served from there, whole or still arriving.
    c.raw.send(new SegmentRequest(6, 5, 60_000));
    assertThat(c.raw.nextCommand()).isEqualTo(new SegmentData(6, 5, 40_000));
    assertThat(c.raw.nextCommand()).isEqualTo(new SegmentDataSendingCompleted(6, 5));
  }

  @Test
  void aFailedArrivalEndsTheUploadWithAbsentAfterTheBytesSoFar() throws Exception {
    byte[] segment = random(50_000, 8);
    SegmentBuffer arriving = new SegmentBuffer(1 << 20);
    arriving.size(segment.length);
    arriving.append(ByteBuffer.wrap(segment, 0, 20_000));
    victimArriving.put(6L, arriving);
    Connection c = connect(PATIENT_SESSION);
    c.raw.nextCommand(); // announcement

    c.raw.send(new SegmentRequest(6, 2, 0));
    assertThat(c.raw.nextCommand()).isEqualTo(new SegmentData(6, 2, 50_000));
    await().atMost(Duration.ofSeconds(30)).until(() -> c.raw.payloadBytes.get() == 20_000);
    arriving.fail();
    assertThat(c.raw.nextCommand()).isEqualTo(new SegmentAbsent(6, 2));
    assertThat(c.raw.payload()).isEqualTo(Arrays.copyOf(segment, 20_000));
    // Failed before a request: Absent at once.
    c.raw.send(new SegmentRequest(6, 3, 0));
    assertThat(c.raw.nextCommand()).isEqualTo(new SegmentAbsent(6, 3));
  }

  @Test
  void absentAfterSegmentDataFailsTheFetchWithTheBytesSoFarAndKeepsTheConnection() throws Exception {
    Connection c = connect(PATIENT_SESSION);
    c.raw.nextCommand(); // announcement
    byte[] segment = random(1000, 9);
    CompletableFuture<byte[]> fetch = on(victimOwner, () -> c.victim.session.fetch(13));
    SegmentRequest request = (SegmentRequest) c.raw.nextCommand();
    c.raw.send(new SegmentData(13, request.requestId(), 1000));
    c.raw.sendRaw(Arrays.copyOfRange(segment, 0, 400));
    c.raw.send(new SegmentAbsent(13, request.requestId()));

    assertThatThrownBy(() -> fetch.get(30, TimeUnit.SECONDS)).cause().isInstanceOfSatisfying(PeerFetchException.class,
        e -> {
          assertThat(e.reason()).isEqualTo(Reason.ABSENT);
          assertThat(e.partialBytes()).isEqualTo(Arrays.copyOf(segment, 400));
          assertThat(e.totalBytes()).isEqualTo(1000);
        });
    CompletableFuture<byte[]> next = on(victimOwner, () -> c.victim.session.fetch(14));
    SegmentRequest second = (SegmentRequest) c.raw.nextCommand();
    c.raw.send(new SegmentData(14, second.requestId(), 3));
    c.raw.sendRaw(new byte[] {1, 2, 3});
    c.raw.send(new SegmentDataSendingCompleted(14, second.requestId()));
    assertThat(next.get(30, TimeUnit.SECONDS)).containsExactly(1, 2, 3);
  }

  @Test
  void unknownSegmentIsAnsweredWithAbsentAtOnce() throws Exception {
    Connection c = connect();
    c.raw.nextCommand(); // announcement
    c.raw.send(new SegmentRequest(404, 3, 0));
    assertThat(c.raw.nextCommand()).isEqualTo(new SegmentAbsent(404, 3));
  }

  @Test
  void downloadResumesFromTheReceivedOffsetAfterANoBytesTimeout() throws Exception {
    Connection c = connect(PATIENT_SESSION);
    c.raw.nextCommand(); // announcement
    byte[] segment = random(1000, 2);
    CompletableFuture<byte[]> fetch = on(victimOwner, () -> c.victim.session.fetch(11));

    SegmentRequest first = (SegmentRequest) c.raw.nextCommand();
    assertThat(first.segmentId()).isEqualTo(11);
    assertThat(first.byteOffset()).isZero();
    c.raw.send(new SegmentData(11, first.requestId(), 1000));
    c.raw.sendRaw(Arrays.copyOfRange(segment, 0, 100));
    // Now silent: the victim cancels and asks for the rest.
    assertThat(c.raw.nextCommand()).isEqualTo(new CancelSegmentRequest(11, first.requestId()));
    SegmentRequest resumed = (SegmentRequest) c.raw.nextCommand();
    assertThat(resumed.byteOffset()).isEqualTo(100);
    assertThat(resumed.requestId()).isNotEqualTo(first.requestId());
    c.raw.send(new SegmentData(11, resumed.requestId(), 900));
    c.raw.sendRaw(Arrays.copyOfRange(segment, 100, 1000));
    c.raw.send(new SegmentDataSendingCompleted(11, resumed.requestId()));

    assertThat(fetch.get(20, TimeUnit.SECONDS)).isEqualTo(segment);
  }

  @Test
  void peerThatGoesSilentFailsTheFetchWithTimeoutAndIsDisconnected() throws Exception {
    Connection c = connect();
    c.raw.nextCommand(); // announcement
    long started = System.nanoTime();
    CompletableFuture<byte[]> fetch = on(victimOwner, () -> c.victim.session.fetch(12));
    assertFailsWith(fetch, Reason.TIMEOUT);
    long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    assertThat(elapsedMillis).as("3 timeouts of %d ms", NO_BYTES_MILLIS)
        .isGreaterThanOrEqualTo(3 * NO_BYTES_MILLIS - 50);
    c.raw.awaitClosed();
  }

  @Test
  void malformedCommandDisconnectsOnlyItsSender() throws Exception {
    byte[] segment = random(70_000, 3);
    victimSegments.put(1L, segment);
    Connection evil = connect();
    Connection good = connect();
    evil.raw.nextCommand();
    good.raw.nextCommand();
    CompletableFuture<byte[]> pending = on(victimOwner, () -> evil.victim.session.fetch(1));
    evil.raw.nextCommand(); // the request

    evil.raw.sendRaw(framed(new byte[] {9, 9, 9}));

    assertFailsWith(pending, Reason.PROTOCOL_VIOLATION);
    evil.raw.awaitClosed();
    good.raw.send(new SegmentRequest(1, 1, 0));
    assertThat(good.raw.nextCommand()).isEqualTo(new SegmentData(1, 1, 70_000));
    assertThat(good.raw.nextCommand()).isEqualTo(new SegmentDataSendingCompleted(1, 1));
    assertThat(good.raw.payload()).isEqualTo(segment);
  }

  @Test
  void oversizedCommandDisconnectsItsSender() throws Exception {
    Connection c = connect();
    c.raw.nextCommand();
    // A command of 6,000 bytes in two fragments, above the victim's 4,096-byte command limit.
    c.raw.sendRaw(fragment("cstr", new byte[3000], "dend"));
    c.raw.sendRaw(fragment("dstr", new byte[3000], "cend"));
    c.raw.awaitClosed();
    assertThat(on(victimOwner, () -> c.victim.session.isClosed())).isTrue();
  }

  @Test
  void moreBytesThanAnnouncedDisconnectAndDiscardThePartialSegment() throws Exception {
    Connection c = connect();
    c.raw.nextCommand();
    CompletableFuture<byte[]> fetch = on(victimOwner, () -> c.victim.session.fetch(3));
    SegmentRequest request = (SegmentRequest) c.raw.nextCommand();
    c.raw.send(new SegmentData(3, request.requestId(), 10));
    c.raw.sendRaw(random(20, 4));
    assertFailsWith(fetch, Reason.PROTOCOL_VIOLATION);
    c.raw.awaitClosed();
  }

  @Test
  void unrequestedPayloadDisconnects() throws Exception {
    Connection c = connect();
    c.raw.nextCommand();
    c.raw.sendRaw("not asked for".getBytes(StandardCharsets.US_ASCII));
    c.raw.awaitClosed();
  }

  @Test
  void uploadToAReaderSlowerThanTheSenderKeepsBufferedBytesBounded() throws Exception {
    int size = 200 * 1024 * 1024;
    byte[] segment = new byte[size];
    segment[size - 1] = 42;
    victimSegments.put(77L, segment);
    Connection c = connect();
    c.raw.nextCommand();
    c.raw.countOnly = true;
    Runtime runtime = Runtime.getRuntime();
    System.gc();
    long heapBefore = runtime.totalMemory() - runtime.freeMemory();

    c.raw.send(new SegmentRequest(77, 1, 0));
    assertThat(c.raw.nextCommand()).isEqualTo(new SegmentData(77, 1, size));
    AtomicLong peakHeapAfterGc = new AtomicLong();
    await().atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofMillis(500)).until(() -> {
      if (c.raw.payloadBytes.get() < size / 2) {
        System.gc();
        peakHeapAfterGc.accumulateAndGet(runtime.totalMemory() - runtime.freeMemory(), Math::max);
      }
      return c.raw.payloadBytes.get() == size;
    });
    assertThat(c.raw.nextCommand()).isEqualTo(new SegmentDataSendingCompleted(77, 1));

    long peakBuffered = on(victimOwner, () -> c.victimLink.peakBufferedBytes());
    assertThat(peakBuffered).as("sender's buffered bytes")
        .isLessThanOrEqualTo(LINKS.highWatermarkBytes() + 65_535 + 1024);
    assertThat(peakHeapAfterGc.get() - heapBefore).as("heap growth while sending 200 MB")
        .isLessThan(100L << 20);
  }

  // ---- harness ----

  private record Connection(VictimEnd victim, RawPeer raw, PeerLink victimLink) {}

  private Connection connect() throws Exception {
    return connect(SESSION);
  }

  private Connection connect(SessionSettings sessionSettings) throws Exception {
    VictimEnd victim = new VictimEnd(sessionSettings);
    RawPeer raw = new RawPeer();
    LinkPairs.Pair pair = LinkPairs.connect(lease, LINKS, victimOwner, victim, rawOwner, raw);
    links.add(pair.initiator());
    links.add(pair.answerer());
    raw.link = pair.answerer();
    assertThat(victim.opened.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(raw.opened.await(30, TimeUnit.SECONDS)).isTrue();
    return new Connection(victim, raw, pair.initiator());
  }

  private static void assertFailsWith(CompletableFuture<byte[]> future, Reason reason) {
    assertThatThrownBy(() -> future.get(30, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(PeerFetchException.class)
        .satisfies(e -> assertThat(((PeerFetchException) e).reason()).isEqualTo(reason));
  }

  private static byte[] framed(byte[] body) {
    return fragment("cstr", body, "cend");
  }

  private static byte[] fragment(String start, byte[] body, String end) {
    ByteBuffer buffer = ByteBuffer.allocate(body.length + 8);
    buffer.put(start.getBytes(StandardCharsets.US_ASCII)).put(body).put(end.getBytes(StandardCharsets.US_ASCII));
    return buffer.array();
  }

  private static byte[] random(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  /** The end under test: a real PeerSession serving {@link #victimSegments}. */
  private final class VictimEnd implements PeerLink.Listener {
    final CountDownLatch opened = new CountDownLatch(1);
    final SessionSettings settings;
    volatile PeerSession session;

    VictimEnd(SessionSettings settings) {
      this.settings = settings;
    }

    @Override
    public void onOpen(PeerLink link) {
      SegmentSource source = new SegmentSource() {
        @Override
        public ByteBuffer segment(long segmentId) {
          byte[] bytes = victimSegments.get(segmentId);
          return bytes == null ? null : ByteBuffer.wrap(bytes).asReadOnlyBuffer();
        }

        @Override
        public List<Long> storedSegmentIds() {
          return victimSegments.keySet().stream().sorted().toList();
        }

        @Override
        public List<Long> loadingSegmentIds() {
          return victimArriving.keySet().stream().sorted().toList();
        }

        @Override
        public SegmentBuffer arriving(long segmentId) {
          return victimArriving.get(segmentId);
        }
      };
      session = new PeerSession(link, "raw", settings, source, victimOwner, new PeerSession.Listener() {
        @Override
        public void onAnnouncement(PeerSession s) {}

        @Override
        public void onClosed(PeerSession s, String reason) {}
      });
      session.onOpen();
      opened.countDown();
    }

    @Override
    public void onMessage(PeerLink link, byte[] message) {
      session.onMessage(message);
    }

    @Override
    public void onWritable(PeerLink link) {
      session.onWritable();
    }

    @Override
    public void onClosed(PeerLink link, String reason) {
      if (session != null) {
        session.onClosed(reason);
      }
    }
  }

  /** The scripted end: records decoded commands and payload, sends whatever the test says. */
  private final class RawPeer implements PeerLink.Listener {
    final CountDownLatch opened = new CountDownLatch(1);
    final CountDownLatch closed = new CountDownLatch(1);
    final BlockingQueue<PeerCommand> commands = new LinkedBlockingQueue<>();
    final ByteArrayOutputStream payload = new ByteArrayOutputStream();
    final AtomicLong payloadBytes = new AtomicLong();
    final java.util.concurrent.atomic.AtomicInteger largestPayloadMessage = new java.util.concurrent.atomic.AtomicInteger();
    final CommandReassembler reassembler = new CommandReassembler();
    volatile boolean countOnly;
    volatile PeerLink link;

    PeerCommand nextCommand() throws InterruptedException {
      PeerCommand command = commands.poll(30, TimeUnit.SECONDS);
      assertThat(command).as("a command within 30 s").isNotNull();
      return command;
    }

    byte[] payload() throws Exception {
      return on(rawOwner, payload::toByteArray);
    }

    void send(PeerCommand command) throws Exception {
      for (byte[] message : PeerFraming.encode(command, PeerFraming.DEFAULT_MAX_MESSAGE_BYTES)) {
        sendRaw(message);
      }
    }

    void sendRaw(byte[] message) throws Exception {
      on(rawOwner, () -> link.send(message));
    }

    void awaitClosed() throws InterruptedException {
      assertThat(closed.await(30, TimeUnit.SECONDS)).as("raw peer's link closed by the victim").isTrue();
    }

    @Override
    public void onOpen(PeerLink opened) {
      this.opened.countDown();
    }

    @Override
    public void onMessage(PeerLink from, byte[] message) {
      CommandReassembler.Inbound inbound = reassembler.accept(ByteBuffer.wrap(message));
      if (inbound instanceof CommandReassembler.Inbound.Command command) {
        commands.add(command.command());
      } else if (inbound instanceof CommandReassembler.Inbound.Payload) {
        largestPayloadMessage.accumulateAndGet(message.length, Math::max);
        payloadBytes.addAndGet(message.length);
        if (!countOnly) {
          payload.writeBytes(message);
        }
      }
    }

    @Override
    public void onWritable(PeerLink from) {}

    @Override
    public void onClosed(PeerLink from, String reason) {
      closed.countDown();
    }
  }
}
