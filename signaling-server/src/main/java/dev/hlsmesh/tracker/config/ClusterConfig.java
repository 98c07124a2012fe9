package dev.hlsmesh.tracker.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Cluster mode ({@code tracker.cluster}): several tracker nodes share one set of swarms through
 * Redis (docs/architecture.md, "Cluster mode"). Immutable and validated like
 * {@link TrackerConfig}.
 *
 * @param redisUris one {@code redis://}, {@code rediss://} or {@code redis-sentinel://} URI
 *     (Lettuce's URI syntax), or several {@code redis://}/{@code rediss://} seed nodes of a Redis
 *     Cluster
 * @param nodeId this node's name in Redis and in logs: 1 to 64 characters from
 *     {@code [A-Za-z0-9._-]}; unique per running node
 * @param heartbeatMillis how often a node announces it is alive and checks the others; a node
 *     silent for 1.5 heartbeats is forgotten (within two heartbeats of its last beat)
 * @param keyPrefix the prefix of every Redis key and channel, so that several clusters can share
 *     one Redis
 * @param commandTimeoutMillis a Redis command not answered this long fails (Redis is then
 *     considered down until a heartbeat succeeds)
 */
public record ClusterConfig(List<String> redisUris, String nodeId, int heartbeatMillis,
    String keyPrefix, int commandTimeoutMillis) {

  static final String PREFIX = TrackerConfig.PREFIX + "cluster.";
  private static final String NAME_PATTERN = "[A-Za-z0-9._-]{1,64}";
  private static final Set<String> SINGLE_SCHEMES =
      Set.of("redis", "rediss", "redis-sentinel", "rediss-sentinel");
  private static final Set<String> CLUSTER_SCHEMES = Set.of("redis", "rediss");

  /** Default {@code heartbeatMillis}. */
  public static final int DEFAULT_HEARTBEAT_MILLIS = 2_000;
  /** Default {@code keyPrefix}. */
  public static final String DEFAULT_KEY_PREFIX = "hlsmesh";
  /** Default {@code commandTimeoutMillis}. */
  public static final int DEFAULT_COMMAND_TIMEOUT_MILLIS = 1_000;

  /** Validates; every problem is reported at once. */
  public ClusterConfig {
    List<String> problems = problems(redisUris, nodeId, heartbeatMillis, keyPrefix,
        commandTimeoutMillis);
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(problems);
    }
    redisUris = List.copyOf(redisUris);
  }

  /** A configuration with the defaults and a generated node id. */
  public static ClusterConfig of(String... redisUris) {
    return new ClusterConfig(List.of(redisUris), generatedNodeId(), DEFAULT_HEARTBEAT_MILLIS,
        DEFAULT_KEY_PREFIX, DEFAULT_COMMAND_TIMEOUT_MILLIS);
  }

  /** A copy with another node id. */
  public ClusterConfig withNodeId(String id) {
    return new ClusterConfig(redisUris, id, heartbeatMillis, keyPrefix, commandTimeoutMillis);
  }

  /** A copy with another heartbeat. */
  public ClusterConfig withHeartbeatMillis(int millis) {
    return new ClusterConfig(redisUris, nodeId, millis, keyPrefix, commandTimeoutMillis);
  }

  /** A copy with another key prefix. */
  public ClusterConfig withKeyPrefix(String prefix) {
    return new ClusterConfig(redisUris, nodeId, heartbeatMillis, prefix, commandTimeoutMillis);
  }

  /** A copy with another command timeout. */
  public ClusterConfig withCommandTimeoutMillis(int millis) {
    return new ClusterConfig(redisUris, nodeId, heartbeatMillis, keyPrefix, millis);
  }

  /** Whether the URIs name the seed nodes of a Redis Cluster (more than one URI). */
  public boolean isRedisCluster() {
    return redisUris.size() > 1;
  }

  /** A random node id: {@code node-} and 12 hex digits. */
  public static String generatedNodeId() {
    byte[] bytes = new byte[6];
    new SecureRandom().nextBytes(bytes);
    return "node-" + HexFormat.of().formatHex(bytes);
  }

  static List<String> problems(List<String> redisUris, String nodeId, int heartbeatMillis,
      String keyPrefix, int commandTimeoutMillis) {
    List<String> problems = new ArrayList<>();
    if (redisUris == null || redisUris.isEmpty()) {
      problems.add(PREFIX + "redis: " + (redisUris == null ? "null" : "an empty list")
          + " (expected: a redis://, rediss:// or redis-sentinel:// URI, or a list of Redis"
          + " Cluster seed URIs)");
    } else {
      boolean cluster = redisUris.size() > 1;
      for (String uri : redisUris) {
        String problem = uriProblem(uri, cluster ? CLUSTER_SCHEMES : SINGLE_SCHEMES);
        if (problem != null) {
          problems.add(PREFIX + "redis: " + (uri == null ? "null" : "\"" + redact(uri) + "\"")
              + " (expected: " + problem + ")");
        }
      }
    }
    if (nodeId == null || !nodeId.matches(NAME_PATTERN)) {
      problems.add(PREFIX + "nodeId: " + (nodeId == null ? "null" : "\"" + nodeId + "\"")
          + " (expected: 1 to 64 characters from A-Z a-z 0-9 . _ -)");
    }
    if (heartbeatMillis < 100 || heartbeatMillis > 60_000) {
      problems.add(PREFIX + "heartbeatMillis: " + heartbeatMillis + " (expected: 100..60000)");
    }
    if (keyPrefix == null || !keyPrefix.matches("[A-Za-z0-9._-]{1,32}")) {
      problems.add(PREFIX + "keyPrefix: " + (keyPrefix == null ? "null" : "\"" + keyPrefix + "\"")
          + " (expected: 1 to 32 characters from A-Z a-z 0-9 . _ -)");
    }
    if (commandTimeoutMillis < 50 || commandTimeoutMillis > 60_000) {
      problems.add(PREFIX + "commandTimeoutMillis: " + commandTimeoutMillis
          + " (expected: 50..60000)");
    } else if (heartbeatMillis >= 100 && commandTimeoutMillis > heartbeatMillis) {
      problems.add(PREFIX + "commandTimeoutMillis: " + commandTimeoutMillis
          + " (expected: at most " + PREFIX + "heartbeatMillis = " + heartbeatMillis + ")");
    }
    return problems;
  }

  private static String uriProblem(String uri, Set<String> schemes) {
    String expected = (schemes.size() == 2 ? "Redis Cluster seeds as redis://host:port or"
        + " rediss://host:port" : "redis://host[:port][/db], rediss://... or"
        + " redis-sentinel://host[:port][,host2[:port2]]/[db]#masterName");
    if (uri == null) {
      return expected;
    }
    int colon = uri.indexOf("://");
    if (colon <= 0) {
      return expected;
    }
    String scheme = uri.substring(0, colon).toLowerCase(Locale.ROOT);
    if (!schemes.contains(scheme)) {
      return expected;
    }
    if (scheme.endsWith("sentinel")) {
      // Several comma-separated hosts: java.net.URI cannot parse them; Lettuce checks the rest.
      return uri.contains("#") ? null : expected + " (the master's name after #)";
    }
    try {
      URI parsed = new URI(uri);
      return parsed.getHost() == null ? expected : null;
    } catch (URISyntaxException e) {
      return expected;
    }
  }

  /** The URI without a password, for messages and logs. */
  public static String redact(String uri) {
    int at = uri.lastIndexOf('@');
    int scheme = uri.indexOf("://");
    if (at < 0 || scheme < 0 || at < scheme) {
      return uri;
    }
    return uri.substring(0, scheme + 3) + "***@" + uri.substring(at + 1);
  }

  @Override
  public String toString() {
    return "ClusterConfig[redis=" + redisUris.stream().map(ClusterConfig::redact).toList()
        + ", nodeId=" + nodeId + ", heartbeatMillis=" + heartbeatMillis + ", keyPrefix="
        + keyPrefix + ", commandTimeoutMillis=" + commandTimeoutMillis + "]";
  }
}
