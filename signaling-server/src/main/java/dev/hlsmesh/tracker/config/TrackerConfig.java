package dev.hlsmesh.tracker.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Everything the tracker can be configured with: one immutable, validated value.
 *
 * <p>Build it in code with {@link #builder()} (every field starts at its documented default) or
 * load it from YAML with {@link TrackerConfigLoader}. The constructor validates every field and
 * reports all problems at once ({@link InvalidConfigException}), each as
 * {@code tracker.<key>: <value> (expected: <range>)}. Defaults follow aquatic_ws where it has
 * one; docs/configuration.md lists them.
 *
 * @param host address to bind ({@code 0.0.0.0} = all IPv4 interfaces)
 * @param port TCP port for WebSocket, {@code /health} and {@code /stats}; 0 picks a free port
 * @param ioThreads Netty event-loop threads; 0 = half the available processors (at least 1)
 * @param announceIntervalSeconds {@code interval} told to clients
 * @param peerTimeoutSeconds a peer that has not announced for this long leaves its swarm
 * @param offerTimeoutSeconds how long a relayed offer may be answered
 * @param idleTimeoutSeconds a connection that sent nothing for this long is closed
 * @param sweepIntervalSeconds how often expired peers and empty swarms are removed
 * @param maxMessageBytes largest WebSocket message (and frame) accepted
 * @param maxOffersPerAnnounce more offers in one announce is refused
 * @param maxNumwant cap on the peers one announce's offers are relayed to
 * @param maxSwarms swarms the tracker holds at most
 * @param maxPeersPerSwarm peers one swarm holds at most
 * @param maxSwarmsPerConnection swarms one connection may be in at once
 * @param maxScrapeInfoHashes info hashes one scrape may ask about
 * @param messageRatePerSecond sustained messages per second one connection may send
 * @param messageBurst messages one connection may send in a burst above the rate
 * @param maxConnectionsPerIp concurrent WebSocket connections from one IP address
 * @param maxConnections concurrent WebSocket connections in all; one more upgrade gets 503
 * @param maxQueuedBytesPerConnection outbound bytes queued for one connection above which
 *     messages to it are dropped (the channel's write-buffer high watermark)
 * @param maxQueuedBytesTotal outbound bytes queued for all connections together above which
 *     messages are dropped
 * @param slowReaderTimeoutMillis a connection whose queue stays above its limit this long is
 *     closed
 * @param maxAnnouncesPerMinutePerConnection announces (not answers) one connection may send per
 *     minute; more get a failure
 * @param maxAnnouncesPerMinutePerIp the same for all connections of one IP address together
 * @param maxOffersPerMinutePerConnection offers one connection may have relayed per minute; more
 *     are not relayed
 * @param maxOffersPerMinutePerIp the same for all connections of one IP address together
 * @param requireJoinToken refuse WebSocket upgrades without a valid join token (401)
 * @param joinTokenKeys HS256 keys by key id ({@code kid}) that join tokens may be signed with
 * @param allowedOrigins browser origins ({@code scheme://host[:port]}) allowed to connect; empty =
 *     any; a request without an {@code Origin} header (not a browser) is always allowed
 * @param cluster cluster mode through Redis, or {@code null} (the default) for one process
 *     holding its swarms in memory
 */
public record TrackerConfig(
    String host,
    int port,
    int ioThreads,
    int announceIntervalSeconds,
    int peerTimeoutSeconds,
    int offerTimeoutSeconds,
    int idleTimeoutSeconds,
    int sweepIntervalSeconds,
    int maxMessageBytes,
    int maxOffersPerAnnounce,
    int maxNumwant,
    int maxSwarms,
    int maxPeersPerSwarm,
    int maxSwarmsPerConnection,
    int maxScrapeInfoHashes,
    int messageRatePerSecond,
    int messageBurst,
    int maxConnectionsPerIp,
    int maxConnections,
    int maxQueuedBytesPerConnection,
    int maxQueuedBytesTotal,
    int slowReaderTimeoutMillis,
    int maxAnnouncesPerMinutePerConnection,
    int maxAnnouncesPerMinutePerIp,
    int maxOffersPerMinutePerConnection,
    int maxOffersPerMinutePerIp,
    boolean requireJoinToken,
    List<JoinTokenKey> joinTokenKeys,
    List<String> allowedOrigins,
    ClusterConfig cluster) {

  /** Key path prefix of every setting, as in the YAML file. */
  public static final String PREFIX = "tracker.";

  /** Integer settings: name, default, minimum, maximum (in record component order). */
  static final List<IntSetting> INT_SETTINGS = List.of(
      new IntSetting("port", 8000, 0, 65_535),
      new IntSetting("ioThreads", 0, 0, 256),
      new IntSetting("announceIntervalSeconds", 120, 10, 3_600),
      new IntSetting("peerTimeoutSeconds", 180, 15, 7_200),
      new IntSetting("offerTimeoutSeconds", 120, 5, 600),
      new IntSetting("idleTimeoutSeconds", 180, 15, 7_200),
      new IntSetting("sweepIntervalSeconds", 10, 1, 600),
      new IntSetting("maxMessageBytes", 65_536, 4_096, 16 * 1024 * 1024),
      new IntSetting("maxOffersPerAnnounce", 10, 1, 50),
      new IntSetting("maxNumwant", 10, 1, 50),
      new IntSetting("maxSwarms", 100_000, 1, 10_000_000),
      new IntSetting("maxPeersPerSwarm", 10_000, 2, 1_000_000),
      new IntSetting("maxSwarmsPerConnection", 16, 1, 1_000),
      new IntSetting("maxScrapeInfoHashes", 255, 1, 1_000),
      new IntSetting("messageRatePerSecond", 20, 1, 100_000),
      new IntSetting("messageBurst", 50, 1, 1_000_000),
      new IntSetting("maxConnectionsPerIp", 1_000, 1, 10_000_000),
      new IntSetting("maxConnections", 100_000, 1, 10_000_000),
      new IntSetting("maxQueuedBytesPerConnection", 262_144, 4_096, 1 << 30),
      new IntSetting("maxQueuedBytesTotal", 268_435_456, 65_536, Integer.MAX_VALUE),
      new IntSetting("slowReaderTimeoutMillis", 10_000, 10, 600_000),
      new IntSetting("maxAnnouncesPerMinutePerConnection", 120, 1, 10_000_000),
      new IntSetting("maxAnnouncesPerMinutePerIp", 12_000, 1, 100_000_000),
      new IntSetting("maxOffersPerMinutePerConnection", 600, 1, 100_000_000),
      new IntSetting("maxOffersPerMinutePerIp", 60_000, 1, 1_000_000_000));

  static final String DEFAULT_HOST = "0.0.0.0";

  /** Validates; see the class comment. */
  public TrackerConfig {
    List<String> problems = problems(host, new int[] {port, ioThreads, announceIntervalSeconds,
        peerTimeoutSeconds, offerTimeoutSeconds, idleTimeoutSeconds, sweepIntervalSeconds,
        maxMessageBytes, maxOffersPerAnnounce, maxNumwant, maxSwarms, maxPeersPerSwarm,
        maxSwarmsPerConnection, maxScrapeInfoHashes, messageRatePerSecond, messageBurst,
        maxConnectionsPerIp, maxConnections, maxQueuedBytesPerConnection, maxQueuedBytesTotal,
        slowReaderTimeoutMillis, maxAnnouncesPerMinutePerConnection, maxAnnouncesPerMinutePerIp,
        maxOffersPerMinutePerConnection, maxOffersPerMinutePerIp});
    problems.addAll(accessProblems(requireJoinToken, joinTokenKeys, allowedOrigins));
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(problems);
    }
    joinTokenKeys = List.copyOf(joinTokenKeys);
    allowedOrigins = List.copyOf(allowedOrigins);
  }

  /** The defaults: port 8000 on all interfaces, aquatic-like limits. */
  public static TrackerConfig defaults() {
    return builder().build();
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from this configuration. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.host = host;
    b.values = new int[] {port, ioThreads, announceIntervalSeconds, peerTimeoutSeconds,
        offerTimeoutSeconds, idleTimeoutSeconds, sweepIntervalSeconds, maxMessageBytes,
        maxOffersPerAnnounce, maxNumwant, maxSwarms, maxPeersPerSwarm, maxSwarmsPerConnection,
        maxScrapeInfoHashes, messageRatePerSecond, messageBurst, maxConnectionsPerIp,
        maxConnections, maxQueuedBytesPerConnection, maxQueuedBytesTotal, slowReaderTimeoutMillis,
        maxAnnouncesPerMinutePerConnection, maxAnnouncesPerMinutePerIp,
        maxOffersPerMinutePerConnection, maxOffersPerMinutePerIp};
    b.requireJoinToken = requireJoinToken;
    b.joinTokenKeys = joinTokenKeys;
    b.allowedOrigins = allowedOrigins;
    b.cluster = cluster;
    return b;
  }

  /** Every problem of these values, in key order, cross-field rules last. */
  static List<String> problems(String host, int[] values) {
    List<String> problems = new ArrayList<>();
    if (host == null || host.isBlank()) {
      problems.add(PREFIX + "host: " + (host == null ? "null" : "\"" + host + "\"")
          + " (expected: a host name or IP address)");
    }
    for (int i = 0; i < INT_SETTINGS.size(); i++) {
      IntSetting s = INT_SETTINGS.get(i);
      if (values[i] < s.min() || values[i] > s.max()) {
        problems.add(PREFIX + s.name() + ": " + values[i] + " (expected: " + s.range() + ")");
      }
    }
    int interval = values[index("announceIntervalSeconds")];
    int peerTimeout = values[index("peerTimeoutSeconds")];
    int idleTimeout = values[index("idleTimeoutSeconds")];
    if (peerTimeout <= interval) {
      problems.add(PREFIX + "peerTimeoutSeconds: " + peerTimeout + " (expected: more than "
          + PREFIX + "announceIntervalSeconds = " + interval + ")");
    }
    if (idleTimeout <= interval) {
      problems.add(PREFIX + "idleTimeoutSeconds: " + idleTimeout + " (expected: more than "
          + PREFIX + "announceIntervalSeconds = " + interval + ")");
    }
    int maxMessage = values[index("maxMessageBytes")];
    int perConnection = values[index("maxQueuedBytesPerConnection")];
    int total = values[index("maxQueuedBytesTotal")];
    if (perConnection < maxMessage) {
      problems.add(PREFIX + "maxQueuedBytesPerConnection: " + perConnection
          + " (expected: at least " + PREFIX + "maxMessageBytes = " + maxMessage + ")");
    }
    if (total < perConnection) {
      problems.add(PREFIX + "maxQueuedBytesTotal: " + total + " (expected: at least "
          + PREFIX + "maxQueuedBytesPerConnection = " + perConnection + ")");
    }
    return problems;
  }

  /** Every problem of the join-token and origin settings. */
  static List<String> accessProblems(boolean requireJoinToken, List<JoinTokenKey> keys,
      List<String> origins) {
    List<String> problems = new ArrayList<>();
    if (keys == null) {
      problems.add(PREFIX + "joinTokenKeys: null (expected: a list, possibly empty)");
    } else {
      Set<String> ids = new HashSet<>();
      for (JoinTokenKey key : keys) {
        if (key == null) {
          problems.add(PREFIX + "joinTokenKeys: null entry (expected: id and secret)");
        } else if (!ids.add(key.id())) {
          problems.add(PREFIX + "joinTokenKeys: id \"" + key.id()
              + "\" appears twice (expected: unique key ids)");
        }
      }
      if (requireJoinToken && keys.isEmpty()) {
        problems.add(PREFIX + "requireJoinToken: true (expected: at least one entry in "
            + PREFIX + "joinTokenKeys)");
      }
    }
    if (origins == null) {
      problems.add(PREFIX + "allowedOrigins: null (expected: a list, possibly empty)");
    } else {
      for (String origin : origins) {
        String problem = originProblem(origin);
        if (problem != null) {
          problems.add(PREFIX + "allowedOrigins: " + (origin == null ? "null" : "\"" + origin
              + "\"") + " (expected: " + problem + ")");
        }
      }
    }
    return problems;
  }

  /** Null if {@code origin} is a valid {@code scheme://host[:port]}, else what was expected. */
  private static String originProblem(String origin) {
    String expected = "scheme://host[:port] with scheme http or https, no path";
    if (origin == null) {
      return expected;
    }
    try {
      URI uri = new URI(origin);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      boolean ok = (scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null
          && (uri.getRawPath() == null || uri.getRawPath().isEmpty())
          && uri.getRawQuery() == null && uri.getRawFragment() == null
          && uri.getRawUserInfo() == null;
      return ok ? null : expected;
    } catch (URISyntaxException e) {
      return expected;
    }
  }

  static int index(String name) {
    for (int i = 0; i < INT_SETTINGS.size(); i++) {
      if (INT_SETTINGS.get(i).name().equals(name)) {
        return i;
      }
    }
    throw new IllegalArgumentException("no setting " + name);
  }

  /** One integer setting's name, default and inclusive range. */
  record IntSetting(String name, int defaultValue, int min, int max) {
    String range() {
      return min + ".." + max;
    }
  }

  /** Builds a {@link TrackerConfig}; unset fields keep their defaults. Not thread-safe. */
  public static final class Builder {
    private String host = DEFAULT_HOST;
    private boolean requireJoinToken;
    private List<JoinTokenKey> joinTokenKeys = List.of();
    private List<String> allowedOrigins = List.of();
    private ClusterConfig cluster;
    private int[] values = INT_SETTINGS.stream().mapToInt(IntSetting::defaultValue).toArray();

    private Builder() {}

    private Builder set(String name, int value) {
      values[index(name)] = value;
      return this;
    }

    /** Sets a setting by its key (as in YAML); package use by the loader. */
    Builder setInt(String name, int value) {
      return set(name, value);
    }

    int[] values() {
      return values.clone();
    }

    String host() {
      return host;
    }

    /** Sets {@code tracker.host}; see {@link TrackerConfig} for its meaning and range. */
    public Builder host(String host) {
      this.host = host;
      return this;
    }

    /** Sets {@code tracker.port}; see {@link TrackerConfig} for its meaning and range. */
    public Builder port(int port) {
      return set("port", port);
    }

    /** Sets {@code tracker.ioThreads}; see {@link TrackerConfig} for its meaning and range. */
    public Builder ioThreads(int ioThreads) {
      return set("ioThreads", ioThreads);
    }

    /** Sets {@code tracker.announceIntervalSeconds}; see {@link TrackerConfig} for its meaning and range. */
    public Builder announceIntervalSeconds(int seconds) {
      return set("announceIntervalSeconds", seconds);
    }

    /** Sets {@code tracker.peerTimeoutSeconds}; see {@link TrackerConfig} for its meaning and range. */
    public Builder peerTimeoutSeconds(int seconds) {
      return set("peerTimeoutSeconds", seconds);
    }

    /** Sets {@code tracker.offerTimeoutSeconds}; see {@link TrackerConfig} for its meaning and range. */
    public Builder offerTimeoutSeconds(int seconds) {
      return set("offerTimeoutSeconds", seconds);
    }

    /** Sets {@code tracker.idleTimeoutSeconds}; see {@link TrackerConfig} for its meaning and range. */
    public Builder idleTimeoutSeconds(int seconds) {
      return set("idleTimeoutSeconds", seconds);
    }

    /** Sets {@code tracker.sweepIntervalSeconds}; see {@link TrackerConfig} for its meaning and range. */
    public Builder sweepIntervalSeconds(int seconds) {
      return set("sweepIntervalSeconds", seconds);
    }

    /** Sets {@code tracker.maxMessageBytes}; see {@link TrackerConfig} for its meaning and range. */
    public Builder maxMessageBytes(int bytes) {
      return set("maxMessageBytes", bytes);
    }

    /** Sets {@code tracker.maxOffersPerAnnounce}; see {@link TrackerConfig} for its meaning and range. */
    public Builder maxOffersPerAnnounce(int offers) {
      return set("maxOffersPerAnnounce", offers);
    }

    /** Sets {@code tracker.maxNumwant}; see {@link TrackerConfig} for its meaning and range. */
    public Builder maxNumwant(int numwant) {
      return set("maxNumwant", numwant);
    }

    /** Sets {@code tracker.maxSwarms}; see {@link TrackerConfig} for its meaning and range. */
    public Builder maxSwarms(int swarms) {
      return set("maxSwarms", swarms);
    }

    /** Sets {@code tracker.maxPeersPerSwarm}; see {@link TrackerConfig} for its meaning and range. */
    public Builder maxPeersPerSwarm(int peers) {
      return set("maxPeersPerSwarm", peers);
    }

    /** Sets {@code tracker.maxSwarmsPerConnection}; see {@link TrackerConfig} for its meaning and range. */
    public Builder maxSwarmsPerConnection(int swarms) {
      return set("maxSwarmsPerConnection", swarms);
    }

    /** Sets {@code tracker.maxScrapeInfoHashes}; see {@link TrackerConfig} for its meaning and range. */
    public Builder maxScrapeInfoHashes(int infoHashes) {
      return set("maxScrapeInfoHashes", infoHashes);
    }

    /** Sets {@code tracker.messageRatePerSecond}; see {@link TrackerConfig} for its meaning and range. */
    public Builder messageRatePerSecond(int messages) {
      return set("messageRatePerSecond", messages);
    }

    /** Sets {@code tracker.messageBurst}; see {@link TrackerConfig} for its meaning and range. */
    public Builder messageBurst(int messages) {
      return set("messageBurst", messages);
    }

    /** Sets {@code tracker.maxConnectionsPerIp}; see {@link TrackerConfig} for its meaning and range. */
    public Builder maxConnectionsPerIp(int connections) {
      return set("maxConnectionsPerIp", connections);
    }

    /** Sets {@code tracker.maxConnections}; see {@link TrackerConfig} for its meaning and range. */
    public Builder maxConnections(int connections) {
      return set("maxConnections", connections);
    }

    /** Sets {@code tracker.maxQueuedBytesPerConnection}; see {@link TrackerConfig}. */
    public Builder maxQueuedBytesPerConnection(int bytes) {
      return set("maxQueuedBytesPerConnection", bytes);
    }

    /** Sets {@code tracker.maxQueuedBytesTotal}; see {@link TrackerConfig}. */
    public Builder maxQueuedBytesTotal(int bytes) {
      return set("maxQueuedBytesTotal", bytes);
    }

    /** Sets {@code tracker.slowReaderTimeoutMillis}; see {@link TrackerConfig}. */
    public Builder slowReaderTimeoutMillis(int millis) {
      return set("slowReaderTimeoutMillis", millis);
    }

    /** Sets {@code tracker.maxAnnouncesPerMinutePerConnection}; see {@link TrackerConfig}. */
    public Builder maxAnnouncesPerMinutePerConnection(int announces) {
      return set("maxAnnouncesPerMinutePerConnection", announces);
    }

    /** Sets {@code tracker.maxAnnouncesPerMinutePerIp}; see {@link TrackerConfig}. */
    public Builder maxAnnouncesPerMinutePerIp(int announces) {
      return set("maxAnnouncesPerMinutePerIp", announces);
    }

    /** Sets {@code tracker.maxOffersPerMinutePerConnection}; see {@link TrackerConfig}. */
    public Builder maxOffersPerMinutePerConnection(int offers) {
      return set("maxOffersPerMinutePerConnection", offers);
    }

    /** Sets {@code tracker.maxOffersPerMinutePerIp}; see {@link TrackerConfig}. */
    public Builder maxOffersPerMinutePerIp(int offers) {
      return set("maxOffersPerMinutePerIp", offers);
    }

    /** Sets {@code tracker.requireJoinToken}; see {@link TrackerConfig}. */
    public Builder requireJoinToken(boolean require) {
      this.requireJoinToken = require;
      return this;
    }

    /** Sets {@code tracker.joinTokenKeys}; see {@link TrackerConfig}. */
    public Builder joinTokenKeys(List<JoinTokenKey> keys) {
      this.joinTokenKeys = keys;
      return this;
    }

    /** Sets {@code tracker.allowedOrigins}; see {@link TrackerConfig}. */
    public Builder allowedOrigins(List<String> origins) {
      this.allowedOrigins = origins;
      return this;
    }

    /** Sets {@code tracker.cluster} ({@code null}: off, the default); see {@link ClusterConfig}. */
    public Builder cluster(ClusterConfig cluster) {
      this.cluster = cluster;
      return this;
    }

    boolean requireJoinToken() {
      return requireJoinToken;
    }

    List<JoinTokenKey> joinTokenKeys() {
      return joinTokenKeys;
    }

    List<String> allowedOrigins() {
      return allowedOrigins;
    }

    /**
     * Validates and builds.
     *
     * @throws InvalidConfigException listing every bad value
     */
    public TrackerConfig build() {
      int[] v = values;
      return new TrackerConfig(host, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9],
          v[10], v[11], v[12], v[13], v[14], v[15], v[16], v[17], v[18], v[19], v[20], v[21],
          v[22], v[23], v[24], requireJoinToken, joinTokenKeys, allowedOrigins, cluster);
    }
  }
}
