package dev.hlsmesh.agent;

import dev.hlsmesh.agent.store.InMemorySegmentStore;
import dev.hlsmesh.agent.webrtc.LinkPairs;
import dev.hlsmesh.agent.webrtc.LinkSettings;
import dev.hlsmesh.agent.webrtc.PeerLink;
import dev.hlsmesh.agent.webrtc.WebRtcRuntime;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * Peer-agent benchmark (a separate command, not a test: {@code bin/bench-agent}).
 *
 * <ol>
 *   <li>Raw: a bare pair of webrtc-java PeerConnections (our PeerLink, no peer protocol) sends
 *       65,536-byte messages with the agent's default watermarks; throughput to the receiver.
 *   <li>Agent: two agents connected through the embedded tracker; the leecher fetches 5 MB
 *       segments one after another from the seeder; throughput of whole segments.
 *   <li>Set-up: a fresh agent, connected to the tracker, joins a swarm holding one seeder; time
 *       from {@code join} (announce) to the open data channel, 20 times.
 * </ol>
 * Raw and agent rounds alternate so both see the same machine load.
 */
public final class AgentBenchmark {
  private static final int SEGMENT_BYTES = 5 * 1024 * 1024;

  private AgentBenchmark() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    int segmentsPerRound = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    int setups = args.length > 2 ? Integer.parseInt(args[2]) : 20;
    long bytesPerRound = (long) SEGMENT_BYTES * segmentsPerRound;

    try (TestTracker tracker = TestTracker.start(); WebRtcRuntime.Lease lease = WebRtcRuntime.acquire()) {
      AgentConfig config = AgentConfig.builder(tracker.url()).belowMinimumAnnounceMillis(1_000).build();
      SwarmKey swarm = SwarmKey.ofHex("b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0");
      InMemorySegmentStore seederStore = new InMemorySegmentStore(1L << 30, Duration.ofHours(1), Clock.systemUTC());
      Random random = new Random(5);
      for (int i = 0; i < segmentsPerRound; i++) {
        byte[] segment = new byte[SEGMENT_BYTES];
        random.nextBytes(segment);
        seederStore.put(swarm, i, segment);
      }
      List<Double> raw = new ArrayList<>();
      List<Double> agent = new ArrayList<>();
      List<Double> setupMillis = new ArrayList<>();
      try (Agent seeder = Agent.start(config, seederStore, new Random(1));
          Agent leecher = Agent.start(config, new InMemorySegmentStore(1L << 20, Duration.ofHours(1), Clock.systemUTC()),
              new Random(2))) {
        String seederId = seeder.join(swarm);
        leecher.join(swarm);
        await(() -> leecher.connectedPeers(swarm).contains(seederId), 60_000, "leecher to connect to the seeder");

        rawThroughput(lease, config, bytesPerRound); // warm-up
        agentThroughput(leecher, swarm, seederId, segmentsPerRound);
        for (int round = 0; round < rounds; round++) {
          raw.add(rawThroughput(lease, config, bytesPerRound));
          agent.add(agentThroughput(leecher, swarm, seederId, segmentsPerRound));
          System.out.printf("round %d: raw %.1f MB/s, agent %.1f MB/s%n", round + 1,
              raw.get(round), agent.get(round));
        }

        for (int i = 0; i < setups; i++) {
          try (Agent fresh = Agent.start(config,
              new InMemorySegmentStore(1L << 20, Duration.ofHours(1), Clock.systemUTC()), new Random(1000 + i))) {
            await(fresh::trackerConnected, 30_000, "tracker connection");
            long start = System.nanoTime();
            fresh.join(swarm);
            await(() -> fresh.connectedPeers(swarm).contains(seederId), 60_000, "set-up " + i);
            setupMillis.add((System.nanoTime() - start) / 1e6);
          }
        }
      }
      double rawMedian = median(raw);
      double agentMedian = median(agent);
      System.out.println();
      System.out.printf("| raw PeerConnection pair, 65,536-byte messages | %.1f MB/s (median of %d; rounds %s) |%n",
          rawMedian, rounds, format(raw));
      System.out.printf("| agent to agent, 5 MB segments, one request at a time | %.1f MB/s (median of %d; rounds %s) |%n",
          agentMedian, rounds, format(agent));
      System.out.printf("| agent / raw | %.0f %% |%n", 100 * agentMedian / rawMedian);
      System.out.printf("| connection set-up, join (announce) to open channel | median %.0f ms, min %.0f ms, max %.0f ms (%d runs) |%n",
          median(setupMillis), Collections.min(setupMillis), Collections.max(setupMillis), setupMillis.size());
    }
  }

  private static double agentThroughput(Agent leecher, SwarmKey swarm, String seederId, int segments) throws Exception {
    long start = System.nanoTime();
    long bytes = 0;
    for (int i = 0; i < segments; i++) {
      bytes += leecher.fetch(swarm, seederId, i).get(120, TimeUnit.SECONDS).length;
    }
    return mbPerSecond(bytes, System.nanoTime() - start);
  }

  private static double rawThroughput(WebRtcRuntime.Lease lease, AgentConfig config, long totalBytes) throws Exception {
    LinkSettings settings = new LinkSettings(List.of(), config.iceGatheringTimeoutMillis(),
        config.connectTimeoutMillis(), config.lowWatermarkBytes(), config.highWatermarkBytes());
    ScheduledExecutorService senderOwner = Executors.newSingleThreadScheduledExecutor();
    ScheduledExecutorService receiverOwner = Executors.newSingleThreadScheduledExecutor();
    AtomicLong received = new AtomicLong();
    CountDownLatch open = new CountDownLatch(2);
    CountDownLatch done = new CountDownLatch(1);
    Runnable[] pump = new Runnable[1];
    PeerLink.Listener sender = new Listener(open) {
      @Override
      public void onWritable(PeerLink link) {
        pump[0].run();
      }
    };
    PeerLink.Listener receiver = new Listener(open) {
      @Override
      public void onMessage(PeerLink link, byte[] message) {
        if (received.addAndGet(message.length) >= totalBytes) {
          done.countDown();
        }
      }
    };
    LinkPairs.Pair pair = LinkPairs.connect(lease, settings, senderOwner, sender, receiverOwner, receiver);
    if (!open.await(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException("raw pair did not open");
    }
    long[] sent = new long[1];
    pump[0] = () -> {
      while (sent[0] < totalBytes && pair.initiator().isWritable()) {
        pair.initiator().send(new byte[65_536]);
        sent[0] += 65_536;
      }
    };
    long start = System.nanoTime();
    senderOwner.execute(pump[0]);
    if (!done.await(300, TimeUnit.SECONDS)) {
      throw new IllegalStateException("raw transfer incomplete: " + received.get());
    }
    double result = mbPerSecond(received.get(), System.nanoTime() - start);
    CompletableFuture.runAsync(() -> pair.initiator().close("done"), senderOwner).get();
    CompletableFuture.runAsync(() -> pair.answerer().close("done"), receiverOwner).get();
    senderOwner.shutdown();
    receiverOwner.shutdown();
    return result;
  }

  private static double mbPerSecond(long bytes, long nanos) {
    return bytes / 1e6 / (nanos / 1e9);
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  private static String format(List<Double> values) {
    List<String> parts = new ArrayList<>();
    for (double v : values) {
      parts.add(String.format("%.1f", v));
    }
    return String.join(", ", parts);
  }

  private static void await(BooleanSupplier condition, long timeoutMillis, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out waiting for " + what);
      }
      Thread.sleep(1); // a benchmark polls finely; tests never do this
    }
  }

  private static class Listener implements PeerLink.Listener {
    private final CountDownLatch open;

    Listener(CountDownLatch open) {
      this.open = open;
    }

    @Override
    public void onOpen(PeerLink link) {
      open.countDown();
    }

    @Override
    public void onMessage(PeerLink link, byte[] message) {}

    @Override
    public void onWritable(PeerLink link) {}

    @Override
    public void onClosed(PeerLink link, String reason) {}
  }
}
