package dev.hlsmesh.tracker;

import static java.util.Objects.requireNonNull;

import dev.hlsmesh.protocol.tracker.TrackerCodec;
import dev.hlsmesh.tracker.cluster.ClusterNode;
import dev.hlsmesh.tracker.cluster.ClusterSwarmRegistry;
import dev.hlsmesh.tracker.config.TrackerConfig;
import dev.hlsmesh.tracker.http.TrackerServer;
import dev.hlsmesh.tracker.session.TrackerContext;
import dev.hlsmesh.tracker.stats.RateLimitedLog;
import dev.hlsmesh.tracker.stats.TrackerStats;
import dev.hlsmesh.tracker.swarm.LocalSwarmRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running WebTorrent-compatible tracker (PROTOCOL.md A): WebSocket signalling on any path,
 * plus {@code GET /metrics}, {@code /healthz}, {@code /readyz}, {@code /swarms},
 * {@code /dashboard}, {@code /health} and {@code /stats}, all on one port (docs/operations.md).
 *
 * <pre>{@code
 * try (Tracker tracker = Tracker.start(TrackerConfig.builder().port(0).build())) {
 *   URI announceUrl = tracker.webSocketUri();   // ws://127.0.0.1:<port>/
 *   ...
 * }
 * }</pre>
 *
 * <p>Thread-safe: {@link #close} may be called from any thread, more than once.
 */
public final class Tracker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Tracker.class);
  private static final int MAX_WARNINGS_PER_SECOND = 10;

  private final TrackerConfig config;
  private final TrackerServer server;
  private final ClusterNode cluster;
  private final AtomicBoolean closed = new AtomicBoolean();

  private Tracker(TrackerConfig config, TrackerServer server, ClusterNode cluster) {
    this.config = config;
    this.server = server;
    this.cluster = cluster;
  }

  /**
   * Starts a tracker; returns once it listens.
   *
   * @throws java.io.UncheckedIOException if the address cannot be bound
   */
  public static Tracker start(TrackerConfig config) {
    return start(config, Clock.systemUTC());
  }

  /**
   * Starts a tracker whose peer expiry, offer expiry and rate limits read {@code clock}
   * (tests and simulations step it by hand).
   *
   * @throws java.io.UncheckedIOException if the address cannot be bound
   */
  public static Tracker start(TrackerConfig config, Clock clock) {
    requireNonNull(config, "config");
    requireNonNull(clock, "clock");
    LocalSwarmRegistry local = new LocalSwarmRegistry(config.maxSwarms(),
        config.maxPeersPerSwarm(), config.peerTimeoutSeconds() * 1000L,
        config.offerTimeoutSeconds() * 1000L, Math.max(16, 4 * config.maxOffersPerAnnounce()),
        new SplittableRandom(new SecureRandom().nextLong()));
    TrackerCodec codec = new TrackerCodec();
    TrackerStats stats = new TrackerStats();
    RateLimitedLog warnings = new RateLimitedLog(
        LoggerFactory.getLogger("dev.hlsmesh.tracker.rejected"), clock, MAX_WARNINGS_PER_SECOND);
    TrackerContext context;
    ClusterNode cluster = null;
    if (config.cluster() == null) {
      context = new TrackerContext(config, local, codec, stats, warnings, clock);
    } else {
      cluster = new ClusterNode(config.cluster(), local, codec, stats, warnings, clock);
      cluster.start();
      context = new TrackerContext(config, new ClusterSwarmRegistry(local, cluster), codec,
          stats, warnings, clock, cluster);
    }
    TrackerServer server;
    try {
      server = TrackerServer.start(context);
    } catch (RuntimeException e) {
      if (cluster != null) {
        cluster.close();
      }
      throw e;
    }
    Tracker tracker = new Tracker(config, server, cluster);
    InetSocketAddress address = server.address();
    LOG.info("tracker listening on ws://{}:{} (interval {} s, peer timeout {} s, offer timeout"
            + " {} s, idle timeout {} s, max message {} B, max offers/announce {}, numwant cap {},"
            + " max swarms {}, max peers/swarm {}, max swarms/connection {}, rate {}/s burst {},"
            + " max connections/IP {})",
        config.host(), address.getPort(),
        config.announceIntervalSeconds(), config.peerTimeoutSeconds(),
        config.offerTimeoutSeconds(), config.idleTimeoutSeconds(), config.maxMessageBytes(),
        config.maxOffersPerAnnounce(), config.maxNumwant(), config.maxSwarms(),
        config.maxPeersPerSwarm(), config.maxSwarmsPerConnection(),
        config.messageRatePerSecond(), config.messageBurst(), config.maxConnectionsPerIp());
    LOG.info("join tokens {} ({} keys), origins {}, max connections {}, queue {} B/connection"
            + " {} B total, slow reader {} ms, announces/min {} per connection {} per IP,"
            + " offers/min {} per connection {} per IP",
        config.joinTokenKeys().isEmpty() ? "off"
            : config.requireJoinToken() ? "required" : "optional",
        config.joinTokenKeys().size(),
        config.allowedOrigins().isEmpty() ? "any" : config.allowedOrigins(),
        config.maxConnections(), config.maxQueuedBytesPerConnection(),
        config.maxQueuedBytesTotal(), config.slowReaderTimeoutMillis(),
        config.maxAnnouncesPerMinutePerConnection(), config.maxAnnouncesPerMinutePerIp(),
        config.maxOffersPerMinutePerConnection(), config.maxOffersPerMinutePerIp());
    if (cluster != null) {
      LOG.info("cluster mode: node {} ({}), Redis {}", cluster.nodeId(), config.cluster(),
          cluster.redisUp() ? "up" : "DOWN (serving this node's swarms only)");
    }
    return tracker;
  }

  /** The bound address; its port is the real one when the configuration asked for port 0. */
  public InetSocketAddress address() {
    return server.address();
  }

  /** The bound port. */
  public int port() {
    return address().getPort();
  }

  /**
   * The announce URL for clients on this machine: {@code ws://<host>:<port>/}, with
   * {@code 127.0.0.1} when bound to all interfaces.
   */
  public URI webSocketUri() {
    InetSocketAddress address = address();
    String host = address.getAddress().isAnyLocalAddress() ? "127.0.0.1"
        : address.getAddress().getHostAddress();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return URI.create("ws://" + host + ":" + address.getPort() + "/");
  }

  /** The configuration it runs with. */
  public TrackerConfig config() {
    return config;
  }

  /** Removes expired peers now instead of at the next sweep (for tests with a stepped clock). */
  void sweepNow() {
    server.sweepNow();
  }

  /** Closes every connection (WebSocket close 1001) and stops the threads. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      server.close();
      if (cluster != null) {
        // After the connections closed: their leaves reach Redis before the node leaves.
        cluster.close();
      }
      LOG.info("tracker on port {} stopped", server.address().getPort());
    }
  }
}
