package dev.hlsmesh.tracker.cluster;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hlsmesh.protocol.tracker.BinaryId;
import dev.hlsmesh.protocol.tracker.ServerMessage;
import dev.hlsmesh.protocol.tracker.TrackerCodec;
import dev.hlsmesh.tracker.config.ClusterConfig;
import dev.hlsmesh.tracker.stats.RateLimitedLog;
import dev.hlsmesh.tracker.stats.TrackerStats;
import dev.hlsmesh.tracker.swarm.LocalSwarmRegistry;
import dev.hlsmesh.tracker.swarm.MembershipListener;
import dev.hlsmesh.tracker.swarm.SwarmSummary;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.net.SocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One tracker node of a cluster (docs/architecture.md, "Cluster mode"): mirrors this node's
 * peers into Redis, keeps a replica of the other nodes' peers ({@link RemoteView}), relays
 * offers and answers to other nodes' peers through their relay channels and delivers theirs,
 * beats its heartbeat and forgets silent nodes.
 *
 * <p>Its state is owned by one thread, {@code tracker-cluster}: heartbeats, publishing this
 * node's changes, applying other nodes' changes. Event loops only enqueue changes
 * ({@link MembershipListener}), read the replica and publish relay messages (a thread-safe
 * Lettuce connection). Redis is never awaited on an event loop.
 */
public final class ClusterNode implements ClusterStatus, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterNode.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] SEQ_FIELD = "#seq".getBytes(US_ASCII);
  /** Fields per HSET when this node rewrites its snapshot. */
  private static final int SNAPSHOT_CHUNK = 1_000;
  /** Swarm summaries each node publishes for {@code /swarms}. */
  static final int PUBLISHED_SWARMS = 100;

  /**
   * One heartbeat, atomically: this node's beat on Redis' clock, then every node silent for
   * longer than ARGV[2] ms is removed with its snapshot. Returns {added, alive, removed}.
   */
  private static final String BEAT_SCRIPT = String.join("\n",
      "local t = redis.call('TIME')",
      "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)",
      "local added = redis.call('ZADD', KEYS[1], now, ARGV[1])",
      "local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))",
      "for _, n in ipairs(dead) do",
      "  redis.call('ZREM', KEYS[1], n)",
      "  redis.call('DEL', ARGV[3] .. n)",
      "  redis.call('DEL', ARGV[4] .. n)",
      "end",
      "return {added, redis.call('ZRANGE', KEYS[1], 0, -1), dead}");

  private final ClusterConfig config;
  private final String nodeId;
  private final LocalSwarmRegistry local;
  private final TrackerCodec codec;
  private final TrackerStats stats;
  private final RateLimitedLog warnings;
  private final Clock clock;
  private final RemoteView view = new RemoteView();
  private final ScheduledExecutorService executor;
  private final ClientResources resources;
  private final AbstractRedisClient client;
  private final ConcurrentLinkedQueue<Change> changes = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private final LongAdder relayFailures = new LongAdder();

  // Redis keys and channels, all in one hash slot ({prefix}) so that scripts and Redis
  // Cluster agree.
  private final byte[] nodesKey;
  private final String peersKeyPrefix;
  private final String statsKeyPrefix;
  private final byte[] eventsChannel;
  private final byte[] ownRelayChannel;
  private final byte[] ownPeersKey;
  private final byte[] ownStatsKey;

  // Owned by the cluster thread.
  private RedisClusterAsyncCommands<byte[], byte[]> commands;
  private final Map<String, NodeState> nodes = new HashMap<>();
  private long seq;
  private boolean firstBeat = true;

  // Read by any thread.
  private volatile RedisClusterAsyncCommands<byte[], byte[]> relay;
  private volatile boolean redisUp;
  private volatile boolean needsResync = true;
  private volatile int liveNodes = 1;
  private volatile List<NodeFigures> otherFigures = List.of();
  private volatile List<JsonNode> otherSwarms = List.of();
  private volatile boolean closed;

  /**
   * Creates a node; {@link #start} connects it.
   *
   * @param stats this node's counters, published for the cluster-wide {@code /stats}
   */
  public ClusterNode(ClusterConfig config, LocalSwarmRegistry local, TrackerCodec codec,
      TrackerStats stats, RateLimitedLog warnings, Clock clock) {
    this.config = requireNonNull(config, "config");
    this.nodeId = config.nodeId();
    this.local = requireNonNull(local, "local");
    this.codec = requireNonNull(codec, "codec");
    this.stats = requireNonNull(stats, "stats");
    this.warnings = requireNonNull(warnings, "warnings");
    this.clock = requireNonNull(clock, "clock");
    String prefix = "{" + config.keyPrefix() + "}:";
    this.nodesKey = (prefix + "nodes").getBytes(US_ASCII);
    this.peersKeyPrefix = prefix + "peers:";
    this.statsKeyPrefix = prefix + "stats:";
    this.eventsChannel = (prefix + "events").getBytes(US_ASCII);
    this.ownRelayChannel = relayChannel(nodeId);
    this.ownPeersKey = (peersKeyPrefix + nodeId).getBytes(US_ASCII);
    this.ownStatsKey = (statsKeyPrefix + nodeId).getBytes(US_ASCII);
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "tracker-cluster");
      t.setDaemon(true);
      return t;
    });
    // Reconnect within a heartbeat or so, not after Lettuce's default backoff of up to 30 s.
    this.resources = DefaultClientResources.builder().ioThreadPoolSize(2)
        .computationThreadPoolSize(1)
        .reconnectDelay(Delay.exponential(Duration.ofMillis(50),
            Duration.ofMillis(Math.max(100, config.heartbeatMillis() / 2)), 2,
            TimeUnit.MILLISECONDS))
        .build();
    Duration timeout = Duration.ofMillis(config.commandTimeoutMillis());
    SocketOptions socket = SocketOptions.builder().connectTimeout(timeout).keepAlive(true).build();
    TimeoutOptions timeouts = TimeoutOptions.enabled(timeout);
    if (config.isRedisCluster()) {
      List<RedisURI> uris = config.redisUris().stream().map(u -> uri(u, timeout)).toList();
      RedisClusterClient c = RedisClusterClient.create(resources, uris);
      c.setOptions(ClusterClientOptions.builder().autoReconnect(true)
          .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
          .socketOptions(socket).timeoutOptions(timeouts).build());
      this.client = c;
    } else {
      RedisClient c = RedisClient.create(resources, uri(config.redisUris().get(0), timeout));
      c.setOptions(ClientOptions.builder().autoReconnect(true)
          .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
          .socketOptions(socket).timeoutOptions(timeouts).build());
      this.client = c;
    }
    client.addListener(new RedisConnectionStateListener() {
      @Override
      public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
        // Changes or other nodes' events may have been lost: rewrite and reload on return.
        needsResync = true;
      }

      @Override
      public void onRedisConnected(RedisChannelHandler<?, ?> connection,
          SocketAddress address) {
        if (!closed) {
          executor.execute(ClusterNode.this::beatSafely);
        }
      }
    });
  }

  private static RedisURI uri(String text, Duration timeout) {
    RedisURI uri = RedisURI.create(text);
    uri.setTimeout(timeout);
    return uri;
  }

  /**
   * Starts mirroring {@code local} and beating; waits (at most one command timeout) for the
   * first heartbeat so that a node whose Redis is up serves as part of the cluster from its
   * first connection. If Redis is down it serves its own swarms and keeps trying.
   */
  public void start() {
    local.setMembershipListener(new MembershipListener() {
      @Override
      public void peerJoined(BinaryId infoHash, BinaryId peerId, boolean seeder) {
        enqueue(new Change('J', infoHash, peerId, seeder, 0));
      }

      @Override
      public void peerLeft(BinaryId infoHash, BinaryId peerId) {
        enqueue(new Change('L', infoHash, peerId, false, 0));
      }

      @Override
      public void downloaded(BinaryId infoHash, int downloaded) {
        enqueue(new Change('D', infoHash, null, false, downloaded));
      }
    });
    try {
      executor.submit(this::beatSafely).get(2L * config.commandTimeoutMillis() + 1_000,
          TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      LOG.warn("cluster node {}: first heartbeat did not finish: {}", nodeId, e.toString());
    }
    long period = Math.max(50, config.heartbeatMillis() / 2);
    executor.scheduleWithFixedDelay(this::beatSafely, period, period, TimeUnit.MILLISECONDS);
  }

  RemoteView view() {
    return view;
  }

  @Override
  public String nodeId() {
    return nodeId;
  }

  byte[] encode(ServerMessage message) {
    return codec.encodeToUtf8(message);
  }

  private byte[] relayChannel(String node) {
    return ("{" + config.keyPrefix() + "}:relay:" + node).getBytes(US_ASCII);
  }

  /** Publishes an offer or answer for a peer of {@code node}; false if Redis is down. */
  boolean publishRelay(String node, byte[] message) {
    RedisClusterAsyncCommands<byte[], byte[]> r = relay;
    if (r == null || !redisUp) {
      relayFailures.increment();
      return false;
    }
    r.publish(relayChannel(node), message).whenComplete((receivers, error) -> {
      if (error != null || receivers == 0) {
        // Not delivered: Redis failed, or the node is gone (its peers will expire here).
        relayFailures.increment();
      }
    });
    return true;
  }

  private void onRelay(byte[] bytes) {
    RelayMessage m;
    try {
      m = RelayMessage.decode(bytes);
    } catch (IllegalArgumentException e) {
      warnings.warn("dropped cluster relay message", "redis", e.getMessage());
      return;
    }
    long now = clock.millis();
    if (m.offer()) {
      var endpoint = local.acceptRemoteOffer(m.infoHash(), m.toPeerId(), m.fromPeerId(),
          m.offerId(), m.fromNode(), now);
      if (endpoint != null) {
        endpoint.sendEncoded(m.json(), true);
      }
    } else {
      var endpoint = local.endpointOf(m.infoHash(), m.toPeerId());
      if (endpoint != null) {
        endpoint.sendEncoded(m.json(), true);
      }
    }
  }

  // ---- this node's changes -> Redis -------------------------------------------------------

  /** A change of this node's membership, published in order. */
  private record Change(char type, BinaryId infoHash, BinaryId peerId, boolean seeder,
      int downloaded) {}

  private void enqueue(Change change) {
    if (closed) {
      return;
    }
    changes.add(change);
    if (drainScheduled.compareAndSet(false, true)) {
      executor.execute(this::drain);
    }
  }

  /** Publishes queued changes; drops them while a snapshot rewrite is pending (it has them). */
  private void drain() {
    drainScheduled.set(false);
    Change c;
    while ((c = changes.poll()) != null) {
      if (!redisUp || needsResync || commands == null) {
        continue;
      }
      long n = ++seq;
      byte[] seqValue = Long.toString(n).getBytes(US_ASCII);
      String event;
      if (c.type() == 'J') {
        Map<byte[], byte[]> fields = new LinkedHashMap<>();
        fields.put(peerField(c.infoHash(), c.peerId()), c.seeder() ? SEEDER : LEECHER);
        fields.put(SEQ_FIELD, seqValue);
        watch(commands.hset(ownPeersKey, fields));
        event = "J " + nodeId + " " + n + " " + c.infoHash().toHex() + " " + c.peerId().toHex()
            + (c.seeder() ? " s" : " l");
      } else if (c.type() == 'L') {
        watch(commands.hdel(ownPeersKey, peerField(c.infoHash(), c.peerId())));
        watch(commands.hset(ownPeersKey, SEQ_FIELD, seqValue));
        event = "L " + nodeId + " " + n + " " + c.infoHash().toHex() + " " + c.peerId().toHex();
      } else {
        Map<byte[], byte[]> fields = new LinkedHashMap<>();
        fields.put(downloadedField(c.infoHash()),
            Integer.toString(c.downloaded()).getBytes(US_ASCII));
        fields.put(SEQ_FIELD, seqValue);
        watch(commands.hset(ownPeersKey, fields));
        event = "D " + nodeId + " " + n + " " + c.infoHash().toHex() + " " + c.downloaded();
      }
      watch(commands.publish(eventsChannel, event.getBytes(US_ASCII)));
    }
  }

  private static final byte[] SEEDER = {'s'};
  private static final byte[] LEECHER = {'l'};

  private void watch(java.util.concurrent.CompletionStage<?> command) {
    command.whenComplete((ok, error) -> {
      if (error != null) {
        // The other nodes may now disagree with Redis: rewrite everything at the next beat.
        needsResync = true;
      }
    });
  }

  private static byte[] peerField(BinaryId infoHash, BinaryId peerId) {
    return (infoHash.toHex() + peerId.toHex()).getBytes(US_ASCII);
  }

  private static byte[] downloadedField(BinaryId infoHash) {
    return ("d" + infoHash.toHex()).getBytes(US_ASCII);
  }

  // ---- heartbeat ----------------------------------------------------------------------------

  private void beatSafely() {
    if (closed) {
      return;
    }
    try {
      beat();
    } catch (Exception e) {
      redisLost(e);
    } catch (Error e) {
      LOG.error("cluster node {}: heartbeat failed", nodeId, e);
      throw e;
    }
  }

  private long timeoutMillis() {
    return config.commandTimeoutMillis();
  }

  @SuppressWarnings("unchecked")
  private void beat() throws Exception {
    connectIfNeeded();
    long threshold = config.heartbeatMillis() * 3L / 2;
    List<Object> result = (List<Object>) commands.eval(BEAT_SCRIPT, ScriptOutputType.MULTI,
        new byte[][] {nodesKey}, nodeId.getBytes(US_ASCII),
        Long.toString(threshold).getBytes(US_ASCII), peersKeyPrefix.getBytes(US_ASCII),
        statsKeyPrefix.getBytes(US_ASCII))
        .get(timeoutMillis(), TimeUnit.MILLISECONDS);
    long added = (Long) result.get(0);
    Set<String> alive = new HashSet<>();
    for (Object n : (List<Object>) result.get(1)) {
      alive.add(new String((byte[]) n, US_ASCII));
    }
    for (Object n : (List<Object>) result.get(2)) {
      LOG.warn("cluster node {}: node {} missed its heartbeats: forgotten", nodeId,
          new String((byte[]) n, US_ASCII));
    }
    if (!redisUp) {
      redisUp = true;
      if (firstBeat) {
        LOG.info("cluster node {}: joined through Redis {} ({} live nodes)", nodeId,
            config.redisUris().stream().map(ClusterConfig::redact).toList(), alive.size());
      } else {
        LOG.warn("cluster node {}: Redis reachable again: merging this node's swarms back into"
            + " the cluster", nodeId);
      }
    } else if (added == 1 && !firstBeat) {
      LOG.warn("cluster node {}: the other nodes had forgotten this node: merging back", nodeId);
      needsResync = true;
    }
    firstBeat = false;
    liveNodes = alive.size();
    for (String node : new ArrayList<>(nodes.keySet())) {
      if (!alive.contains(node)) {
        nodes.remove(node);
        view.dropNode(node);
        LOG.info("cluster node {}: node {} left; its peers are forgotten", nodeId, node);
      }
    }
    if (needsResync) {
      needsResync = false;
      rewriteSnapshot();
      for (String node : alive) {
        if (!node.equals(nodeId)) {
          load(node);
        }
      }
    } else {
      for (String node : alive) {
        if (!node.equals(nodeId) && !nodes.containsKey(node)) {
          load(node);
        }
      }
    }
    publishFigures(alive);
  }

  private void connectIfNeeded() {
    if (commands != null) {
      return;
    }
    List<StatefulConnection<byte[], byte[]>> opened = new ArrayList<>();
    try {
      StatefulConnection<byte[], byte[]> c;
      StatefulConnection<byte[], byte[]> r;
      StatefulRedisPubSubConnection<byte[], byte[]> p;
      RedisClusterAsyncCommands<byte[], byte[]> cAsync;
      RedisClusterAsyncCommands<byte[], byte[]> rAsync;
      if (client instanceof RedisClusterClient cluster) {
        var cc = cluster.connect(ByteArrayCodec.INSTANCE);
        opened.add(cc);
        var rc = cluster.connect(ByteArrayCodec.INSTANCE);
        opened.add(rc);
        p = cluster.connectPubSub(ByteArrayCodec.INSTANCE);
        opened.add(p);
        c = cc;
        r = rc;
        cAsync = cc.async();
        rAsync = rc.async();
      } else {
        RedisClient single = (RedisClient) client;
        var cc = single.connect(ByteArrayCodec.INSTANCE);
        opened.add(cc);
        var rc = single.connect(ByteArrayCodec.INSTANCE);
        opened.add(rc);
        p = single.connectPubSub(ByteArrayCodec.INSTANCE);
        opened.add(p);
        c = cc;
        r = rc;
        cAsync = cc.async();
        rAsync = rc.async();
      }
      p.addListener(new RedisPubSubAdapter<>() {
        @Override
        public void message(byte[] channel, byte[] message) {
          if (Arrays.equals(channel, ownRelayChannel)) {
            onRelay(message);
          } else if (Arrays.equals(channel, eventsChannel) && !closed) {
            executor.execute(() -> onEvent(message));
          }
        }
      });
      p.sync().subscribe(eventsChannel, ownRelayChannel);
      relay = rAsync;
      commands = cAsync;
    } catch (RuntimeException e) {
      for (StatefulConnection<byte[], byte[]> c : opened) {
        c.closeAsync();
      }
      throw e;
    }
  }

  private void redisLost(Exception e) {
    if (redisUp || firstBeat) {
      String why = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null
          ? e.getCause().toString() : e.toString();
      LOG.warn("cluster node {}: Redis unreachable ({}): serving this node's swarms only until"
          + " it returns", nodeId, why);
    }
    firstBeat = false;
    redisUp = false;
    needsResync = true;
    liveNodes = 1;
    otherFigures = List.of();
    otherSwarms = List.of();
    nodes.clear();
    view.clear();
  }

  /** Replaces this node's snapshot in Redis with what its registry holds now. */
  private void rewriteSnapshot() throws Exception {
    // Changes queued before this point are in the snapshot or are replayed after it (drain
    // runs on this thread after us): both are idempotent, so Redis ends up exact.
    List<Map<byte[], byte[]>> chunks = new ArrayList<>();
    List<Map<byte[], byte[]>> current = new ArrayList<>(List.of(new LinkedHashMap<>()));
    MembershipListener collect = new MembershipListener() {
      @Override
      public void peerJoined(BinaryId infoHash, BinaryId peerId, boolean seeder) {
        add(peerField(infoHash, peerId), seeder ? SEEDER : LEECHER);
      }

      @Override
      public void peerLeft(BinaryId infoHash, BinaryId peerId) {}

      @Override
      public void downloaded(BinaryId infoHash, int downloaded) {
        add(downloadedField(infoHash), Integer.toString(downloaded).getBytes(US_ASCII));
      }

      private void add(byte[] field, byte[] value) {
        current.get(0).put(field, value);
        if (current.get(0).size() == SNAPSHOT_CHUNK) {
          chunks.add(current.get(0));
          current.set(0, new LinkedHashMap<>());
        }
      }
    };
    local.forEachPeer(collect);
    long n = ++seq;
    current.get(0).put(SEQ_FIELD, Long.toString(n).getBytes(US_ASCII));
    chunks.add(current.get(0));
    byte[] tmp = (peersKeyPrefix + nodeId + ":new").getBytes(US_ASCII);
    commands.del(tmp);
    for (Map<byte[], byte[]> chunk : chunks) {
      commands.hset(tmp, chunk);
    }
    commands.rename(tmp, ownPeersKey).get(timeoutMillis(), TimeUnit.MILLISECONDS);
    commands.publish(eventsChannel, ("R " + nodeId + " " + n).getBytes(US_ASCII))
        .get(timeoutMillis(), TimeUnit.MILLISECONDS);
    LOG.debug("cluster node {}: snapshot rewritten ({} fields)", nodeId,
        (chunks.size() - 1) * SNAPSHOT_CHUNK + current.get(0).size());
  }

  // ---- other nodes' changes -> replica ------------------------------------------------------

  /** What this node knows of another node's stream of changes. Cluster thread only. */
  private static final class NodeState {
    long lastSeq;
    boolean loading;
    final ArrayDeque<String[]> buffered = new ArrayDeque<>();
  }

  private void load(String node) {
    NodeState state = new NodeState();
    state.loading = true;
    NodeState previous = nodes.put(node, state);
    if (previous != null) {
      state.buffered.addAll(previous.buffered);
    }
    commands.hgetall((peersKeyPrefix + node).getBytes(US_ASCII)).whenComplete((map, error) ->
        executor.execute(() -> loaded(node, state, map, error)));
  }

  private void loaded(String node, NodeState state, Map<byte[], byte[]> snapshot,
      Throwable error) {
    if (nodes.get(node) != state) {
      return;
    }
    if (error != null) {
      nodes.remove(node);
      needsResync = true;
      return;
    }
    view.dropNode(node);
    long snapshotSeq = 0;
    for (Map.Entry<byte[], byte[]> e : snapshot.entrySet()) {
      String field = new String(e.getKey(), US_ASCII);
      String value = new String(e.getValue(), US_ASCII);
      try {
        if (field.equals("#seq")) {
          snapshotSeq = Long.parseLong(value);
        } else if (field.startsWith("d")) {
          view.downloaded(node, BinaryId.fromHex(field.substring(1)), Integer.parseInt(value));
        } else if (field.length() == 4 * BinaryId.LENGTH) {
          view.put(node, BinaryId.fromHex(field.substring(0, 2 * BinaryId.LENGTH)),
              BinaryId.fromHex(field.substring(2 * BinaryId.LENGTH)), value.equals("s"));
        }
      } catch (IllegalArgumentException ex) {
        warnings.warn("ignored a malformed cluster snapshot field", node, field);
      }
    }
    state.lastSeq = snapshotSeq;
    state.loading = false;
    while (!state.buffered.isEmpty() && nodes.get(node) == state) {
      apply(node, state, state.buffered.poll());
    }
  }

  private void onEvent(byte[] message) {
    if (!redisUp) {
      return;
    }
    String[] f = new String(message, UTF_8).split(" ");
    if (f.length < 3 || f[1].equals(nodeId)) {
      return;
    }
    String node = f[1];
    NodeState state = nodes.get(node);
    if (state == null || f[0].equals("R")) {
      load(node);
      if (!f[0].equals("R")) {
        nodes.get(node).buffered.add(f);
      }
      return;
    }
    if (state.loading) {
      state.buffered.add(f);
      return;
    }
    apply(node, state, f);
  }

  private void apply(String node, NodeState state, String[] f) {
    long n;
    try {
      n = Long.parseLong(f[2]);
    } catch (NumberFormatException e) {
      warnings.warn("ignored a malformed cluster event", node, String.join(" ", f));
      return;
    }
    if (n <= state.lastSeq) {
      return;
    }
    if (n != state.lastSeq + 1) {
      // A gap: events were lost (a reconnect). Read the node's snapshot again.
      load(node);
      nodes.get(node).buffered.add(f);
      return;
    }
    state.lastSeq = n;
    try {
      switch (f[0]) {
        case "J" -> view.put(node, BinaryId.fromHex(f[3]), BinaryId.fromHex(f[4]),
            f[5].equals("s"));
        case "L" -> view.remove(node, BinaryId.fromHex(f[3]), BinaryId.fromHex(f[4]));
        case "D" -> view.downloaded(node, BinaryId.fromHex(f[3]), Integer.parseInt(f[4]));
        default -> warnings.warn("ignored an unknown cluster event", node, f[0]);
      }
    } catch (RuntimeException e) {
      warnings.warn("ignored a malformed cluster event", node, String.join(" ", f));
    }
  }

  // ---- cluster-wide figures -------------------------------------------------------------------

  /** Publishes this node's counters and largest swarms; reads the other live nodes'. */
  private void publishFigures(Set<String> alive) throws Exception {
    ObjectNode doc = JSON.createObjectNode();
    doc.put("node", nodeId);
    doc.put("connections", stats.connections());
    ObjectNode messages = doc.putObject("messages");
    for (TrackerStats.MessageType t : TrackerStats.MessageType.values()) {
      messages.put(t.key(), stats.messages(t));
    }
    ObjectNode rejections = doc.putObject("rejections");
    for (TrackerStats.Rejection r : TrackerStats.Rejection.values()) {
      rejections.put(r.key(), stats.rejections(r));
    }
    ArrayNode swarms = doc.putArray("swarms");
    for (SwarmSummary s : local.largestSwarms(PUBLISHED_SWARMS, clock.millis())) {
      swarms.add(SwarmSummaries.toJson(s));
    }
    commands.set(ownStatsKey, JSON.writeValueAsBytes(doc),
        SetArgs.Builder.px(3L * config.heartbeatMillis()));
    List<String> others = alive.stream().filter(n -> !n.equals(nodeId)).sorted().toList();
    if (others.isEmpty()) {
      otherFigures = List.of();
      otherSwarms = List.of();
      return;
    }
    byte[][] keys = others.stream().map(n -> (statsKeyPrefix + n).getBytes(US_ASCII))
        .toArray(byte[][]::new);
    List<NodeFigures> figures = new ArrayList<>();
    List<JsonNode> summaries = new ArrayList<>();
    for (var value : commands.mget(keys).get(timeoutMillis(), TimeUnit.MILLISECONDS)) {
      if (!value.hasValue()) {
        continue;
      }
      try {
        JsonNode node = JSON.readTree(value.getValue());
        figures.add(new NodeFigures(node.path("node").asText(),
            node.path("connections").asLong(), longs(node.path("messages")),
            longs(node.path("rejections"))));
        node.path("swarms").forEach(summaries::add);
      } catch (JsonProcessingException e) {
        warnings.warn("ignored malformed cluster figures", "redis", e.getOriginalMessage());
      }
    }
    otherFigures = List.copyOf(figures);
    otherSwarms = List.copyOf(summaries);
  }

  private static Map<String, Long> longs(JsonNode object) {
    Map<String, Long> map = new LinkedHashMap<>();
    object.properties().forEach(e -> map.put(e.getKey(), e.getValue().asLong()));
    return map;
  }

  /** This node's largest swarms merged with the other nodes' published ones. */
  List<SwarmSummary> largestSwarms(List<SwarmSummary> own, int limit) {
    List<JsonNode> others = otherSwarms;
    if (others.isEmpty()) {
      return own;
    }
    return SwarmSummaries.merge(own, others, limit);
  }

  // ---- ClusterStatus ---------------------------------------------------------------------------

  @Override
  public boolean enabled() {
    return true;
  }

  @Override
  public boolean redisUp() {
    return redisUp;
  }

  @Override
  public int liveNodes() {
    return redisUp ? liveNodes : 1;
  }

  @Override
  public long remotePeers() {
    return view.peerCount();
  }

  @Override
  public Iterable<BinaryId> remoteSwarms() {
    return view.swarmIds();
  }

  @Override
  public int clusterSwarms() {
    int count = local.swarmCount();
    for (BinaryId infoHash : view.swarmIds()) {
      if (!local.contains(infoHash)) {
        count++;
      }
    }
    return count;
  }

  @Override
  public List<NodeFigures> otherNodes() {
    return otherFigures;
  }

  @Override
  public long relayFailures() {
    return relayFailures.sum();
  }

  /**
   * Leaves the cluster: removes this node from Redis (the others forget it at their next
   * heartbeat instead of after two) and closes the connections. Idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      executor.submit(() -> {
        if (commands != null && redisUp) {
          try {
            commands.zrem(nodesKey, nodeId.getBytes(US_ASCII));
            commands.del(ownPeersKey, ownStatsKey).get(timeoutMillis(), TimeUnit.MILLISECONDS);
          } catch (Exception e) {
            LOG.debug("cluster node {}: leaving Redis failed: {}", nodeId, e.toString());
          }
        }
      }).get(2L * timeoutMillis() + 1_000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      LOG.debug("cluster node {}: leave did not finish: {}", nodeId, e.toString());
    }
    executor.shutdownNow();
    // Closes the connections too.
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    resources.shutdown(0, 2, TimeUnit.SECONDS);
  }
}
