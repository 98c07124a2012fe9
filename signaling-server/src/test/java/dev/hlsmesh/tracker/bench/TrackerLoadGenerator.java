package dev.hlsmesh.tracker.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
* Load generator for a WebTorrent WebSocket tracker (ours or the bittorrent-tracker reference):
* C connections over S swarms announce with offers, answer every relayed offer, and the run
* reports messages received per second, relay latencies and the tracker's memory and CPU.
* A benchmark, not a test: run it with {@code bench/tracker.sh} (see docs/benchmarks.md).
*
* <p>The last line of its output is {@code RESULT key=value ...}, which the script tabulates.
*
* <p>Main thread drives the phases; the peers live on the client event loops.
*/
final class TrackerLoadGenerator {

  private static final int MAX_FRAME_BYTES = 1 << 20;

  private final LoadOptions options;
  private final LoadStats stats = new LoadStats();
  private final long epochNanos = System.nanoTime();
  private final List<LoadPeer> peers = new ArrayList<>();

  private TrackerLoadGenerator(LoadOptions options) {
    this.options = options;
  }

  public static void main(String[] args) throws Exception {
    LoadOptions options;
    try {
      options = LoadOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    System.exit(new TrackerLoadGenerator(options).run());
  }

  private int run() throws Exception {
    Optional<TrackerProbe> probe = TrackerProbe.find(options.trackerPid(), options.trackerMemoryUrl());
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(options.threads(), NioIoHandler.newFactory());
    try {
      long connectStart = System.nanoTime();
      int joined = connectAll(group);
      double connectSeconds = (System.nanoTime() - connectStart) / 1e9;
      System.out.printf(Locale.ROOT, "%s: %d of %d connections joined %d swarms in %.1f s%n",
          options.label(), joined, options.connections(), options.swarms(), connectSeconds);
      if (joined < options.connections() && !options.mode().equals("idle")) {
        System.err.println("not every connection joined; giving up (see the failures above)");
        return 1;
      }
      return options.mode().equals("idle") ? idle(probe, joined) : load(probe);
    } finally {
      peers.forEach(LoadPeer::close);
      group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  private int connectAll(EventLoopGroup group) throws InterruptedException {
    WebSocketClientProtocolConfig wsConfig = WebSocketClientProtocolConfig.newBuilder()
        .webSocketUri(options.url())
        .version(WebSocketVersion.V13)
        .maxFramePayloadLength(MAX_FRAME_BYTES)
        .handshakeTimeoutMillis(30_000)
        .withUTF8Validator(false)
        .build();
    Bootstrap bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
        .option(ChannelOption.SO_REUSEADDR, true)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000);
    InetSocketAddress remote = new InetSocketAddress(options.url().getHost(), options.url().getPort());
    SplittableRandom random = new SplittableRandom(options.seed());
    LoadWire wire = new LoadWire(options.sdpCandidates(), new Random(options.seed()));
    List<byte[]> swarms = new ArrayList<>();
    for (int i = 0; i < options.swarms(); i++) {
      byte[] infoHash = new byte[LoadWire.ID_BYTES];
      random.nextBytes(infoHash);
      swarms.add(infoHash);
    }
    Semaphore permits = new Semaphore(options.connectConcurrency());
    CountDownLatch settled = new CountDownLatch(options.connections());
    AtomicInteger joined = new AtomicInteger();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    LoadPeer.JoinListener listener = new LoadPeer.JoinListener() {
      @Override
      public void joined(LoadPeer peer) {
        joined.incrementAndGet();
        permits.release();
        settled.countDown();
      }

      @Override
      public void failed(LoadPeer peer, String reason) {
        if (failures.size() < 5) {
          failures.add(reason);
        }
        permits.release();
        settled.countDown();
      }
    };
    int windowOffers = options.windowAnnounces() * options.offersPerAnnounce();
    for (int i = 0; i < options.connections(); i++) {
      byte[] peerId = ("-HM0001-" + alphanumeric(random, 12)).getBytes(StandardCharsets.ISO_8859_1);
      LoadPeer peer = new LoadPeer(wire, stats, listener, swarms.get(i % swarms.size()), peerId,
          options.joinOffers(), options.offersPerAnnounce(), windowOffers,
          TimeUnit.MILLISECONDS.toNanos(options.offerTimeoutMillis()), epochNanos, random.split());
      peers.add(peer);
      permits.acquire();
      Bootstrap b = bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
        @Override
        protected void initChannel(SocketChannel ch) {
          ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(8192),
              new WebSocketClientProtocolHandler(wsConfig),
              new WebSocketFrameAggregator(MAX_FRAME_BYTES), peer);
        }
      });
      ChannelFuture connect = options.sources().isEmpty() ? b.connect(remote)
          : b.connect(remote, new InetSocketAddress(options.sources().get(i % options.sources().size()), 0));
      connect.addListener(f -> {
        if (!f.isSuccess()) {
          peer.connectFailed(f.cause());
        }
      });
    }
    if (!settled.await(300, TimeUnit.SECONDS)) {
      System.err.println("connect phase did not finish within 300 s");
    }
    failures.forEach(f -> System.err.println("connection failed: " + f));
    if (stats.connectFailures.sum() > 0) {
      System.err.println(stats.connectFailures.sum() + " connections failed");
    }
    return joined.get();
  }

  private int load(Optional<TrackerProbe> probe) throws Exception {
    SplittableRandom random = new SplittableRandom(options.seed() + 1);
    if (options.mode().equals("peak")) {
      peers.forEach(LoadPeer::startSaturating);
    } else {
      long periodNanos = (long) (options.connections() * 1e9 / options.announcesPerSecond());
      peers.forEach(p -> p.startPaced(random.nextLong(periodNanos), periodNanos));
    }
    Thread.sleep(TimeUnit.SECONDS.toMillis(options.warmupSeconds()));
    double cpuStart = probe.isPresent() ? probe.get().cpuSeconds() : Double.NaN;
    long ownCpuStart = ownCpuNanos();
    long start = System.nanoTime();
    stats.measuring = true;
    Thread.sleep(TimeUnit.SECONDS.toMillis(options.seconds()));
    stats.measuring = false;
    double seconds = (System.nanoTime() - start) / 1e9;
    double cpuEnd = probe.isPresent() ? probe.get().cpuSeconds() : Double.NaN;
    double ownCpuSeconds = (ownCpuNanos() - ownCpuStart) / 1e9;
    peers.forEach(LoadPeer::stop);
    long rss = probe.isPresent() ? probe.get().rssBytes() : -1;
    TrackerProbe.Heap heap = probe.isPresent() ? probe.get().heapAfterFullGc() : new TrackerProbe.Heap(-1, -1);

    double messagesPerSecond = stats.messagesReceived.sum() / seconds;
    Result r = new Result()
        .put("label", options.label())
        .put("mode", options.mode())
        .put("connections", options.connections())
        .put("swarms", options.swarms())
        .put("offers_per_announce", options.offersPerAnnounce())
        .put("window_announces", options.windowAnnounces())
        .put("target_announces_per_s", options.announcesPerSecond())
        .put("seconds", fmt(seconds))
        .put("messages_per_s", fmt(messagesPerSecond))
        .put("announces_per_s", fmt(stats.announcesSent.sum() / seconds))
        .put("offers_relayed_per_s", fmt(stats.relayedOffers.sum() / seconds))
        .put("answers_relayed_per_s", fmt(stats.relayedAnswers.sum() / seconds))
        .put("announce_responses_per_s", fmt(stats.announceResponses.sum() / seconds))
        .put("offer_p50_ms", fmt(stats.offerRelay.quantileMillis(0.50)))
        .put("offer_p99_ms", fmt(stats.offerRelay.quantileMillis(0.99)))
        .put("answer_p50_ms", fmt(stats.answerRelay.quantileMillis(0.50)))
        .put("answer_p99_ms", fmt(stats.answerRelay.quantileMillis(0.99)))
        .put("failures", stats.failures.sum())
        .put("other_messages", stats.otherMessages.sum())
        .put("offers_expired", stats.offersExpired.sum())
        .put("paced_sends_skipped", stats.pacedSendsSkipped.sum())
        .put("closed_by_tracker", stats.closedByTracker.sum())
        .put("tracker_cpu_cores", fmt((cpuEnd - cpuStart) / seconds))
        .put("generator_cpu_cores", fmt(ownCpuSeconds / seconds))
        .put("tracker_heap_after_gc_mib", mib(heap.usedBytes()))
        .put("tracker_max_heap_mib", mib(heap.maxBytes()))
        .put("tracker_rss_mib", mib(rss));
    stats.failureSamples.forEach(f -> System.out.println("failure sample: " + f));
    r.print();
    return 0;
  }

  private int idle(Optional<TrackerProbe> probe, int joined) throws Exception {
    Thread.sleep(TimeUnit.SECONDS.toMillis(options.idleHoldSeconds()));
    long open = peers.stream().filter(LoadPeer::isOpen).count();
    TrackerProbe.Heap heap = probe.isPresent() ? probe.get().heapAfterFullGc() : new TrackerProbe.Heap(-1, -1);
    long rss = probe.isPresent() ? probe.get().rssBytes() : -1;
    new Result()
        .put("label", options.label())
        .put("mode", "idle")
        .put("connections", options.connections())
        .put("joined", joined)
        .put("open_after_hold", open)
        .put("hold_seconds", options.idleHoldSeconds())
        .put("swarms", options.swarms())
        .put("closed_by_tracker", stats.closedByTracker.sum())
        .put("tracker_heap_after_gc_mib", mib(heap.usedBytes()))
        .put("tracker_max_heap_mib", mib(heap.maxBytes()))
        .put("tracker_rss_mib", mib(rss))
        .print();
    return 0;
  }

  private static long ownCpuNanos() {
    return ProcessHandle.current().info().totalCpuDuration().map(d -> d.toNanos()).orElse(0L);
  }

  private static String alphanumeric(SplittableRandom random, int length) {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    StringBuilder s = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      s.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return s.toString();
  }

  private static String fmt(double value) {
    return Double.isNaN(value) ? "NA" : String.format(Locale.ROOT, "%.2f", value);
  }

  private static String mib(long bytes) {
    return bytes < 0 ? "NA" : String.format(Locale.ROOT, "%.1f", bytes / (1024.0 * 1024.0));
  }

  /** One RESULT line: space-separated key=value pairs (values never contain spaces). */
  private static final class Result {
    private final StringBuilder line = new StringBuilder("RESULT");

    Result put(String key, Object value) {
      line.append(' ').append(key).append('=').append(String.valueOf(value).replace(' ', '_'));
      return this;
    }

    void print() {
      System.out.println(line);
    }
  }
}
