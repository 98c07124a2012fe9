package dev.hlsmesh.e2e.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hlsmesh.agent.AgentConfig;
import dev.hlsmesh.agent.IntegritySettings;
import dev.hlsmesh.agent.SwarmKey;
import dev.hlsmesh.agent.delivery.HlsStream;
import dev.hlsmesh.cdn.CdnConfig;
import dev.hlsmesh.cdn.TaskScheduler;
import dev.hlsmesh.cdn.fetch.CdnFetcher;
import dev.hlsmesh.cdn.hls.MasterPlaylist;
import dev.hlsmesh.cdn.hls.MediaPlaylist;
import dev.hlsmesh.cdn.hls.PlaylistLoader;
import dev.hlsmesh.cdn.hls.PlaylistParser;
import dev.hlsmesh.cdn.hls.SwarmStreams;
import dev.hlsmesh.cdn.integrity.HashWindow;
import dev.hlsmesh.cdn.integrity.IntegrityKeys;
import dev.hlsmesh.cdn.integrity.SidecarCodec;
import dev.hlsmesh.testsupport.ChromeDriver;
import dev.hlsmesh.testsupport.LiveHlsOrigin;
import dev.hlsmesh.testsupport.ReferenceTracker;
import dev.hlsmesh.testsupport.StaticFileServer;
import dev.hlsmesh.protocol.tracker.BinaryId;
import dev.hlsmesh.tracker.Tracker;
import dev.hlsmesh.tracker.access.JoinGrant;
import dev.hlsmesh.tracker.access.JoinTokens;
import dev.hlsmesh.tracker.config.JoinTokenKey;
import dev.hlsmesh.tracker.config.TrackerConfig;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Java agents and browser viewers (hls.js + p2p-media-loader 2.3.1 in headless Chromium, the
 * web player example of docs/browser.md) in one live swarm for about a minute, through our
 * tracker and through the reference bittorrent-tracker (issue 15): segment bytes flow from
 * agents to browsers and from browsers to agents; every segment each side plays is the
 * origin's, byte for byte (hashed in the browser as hls.js loads it); nobody stalls. One browser
 * runs the recipe's live settings, the other p2p-media-loader's defaults. Both check what peers
 * send against the platform's signed sidecars with the integrity module; through our tracker a
 * third Java peer serves corrupted copies of every segment: the browsers reject them, drop that
 * peer and keep playing exact bytes.
 */
class MixedSwarmBrowserE2ETest {
  private static final String VARIANT = "360p";
  private static final String KEY_ID = "platform-1";
  private static final KeyPair PLATFORM = IntegrityKeys.generate();
  /** About 60 s of live stream at 2 s per segment. */
  private static final int SEGMENTS_EACH = 30;
  private static final Duration RUN_TIMEOUT = Duration.ofSeconds(180);
  private static final Pattern SEGMENT_PATH = Pattern.compile("/live/([^/]+)/(\\d+)\\.ts");

  @Test
  void agentsAndBrowsersShareOneSwarmThroughOurTrackerAndBrowsersRejectACorruptPeer(@TempDir Path tmp)
      throws Exception {
    ChromeDriver.skipReason().ifPresent(reason -> assumeTrue(false, reason));
    // As a platform runs it (docs/browser.md): join tokens required, each viewer with its own
    // token for the stream's swarms in its announce URL, and only the player's page origin allowed.
    JoinTokenKey tokenKey = new JoinTokenKey("k1", "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII));
    try (LiveHlsOrigin origin = startOrigin();
        StaticFileServer pages = BrowserViewer.pageServer();
        Tracker tracker = Tracker.start(TrackerConfig.builder().host("127.0.0.1").port(0)
            .requireJoinToken(true).joinTokenKeys(List.of(tokenKey))
            .allowedOrigins(List.of(pages.uri("").toString())).build())) {
      Set<BinaryId> streams = SwarmStreams.of(master(origin)).stream()
          .map(s -> JoinTokens.infoHashOf(s.streamSwarmId())).collect(Collectors.toSet());
      Function<String, URI> trackerUrlFor = viewer -> JoinTokens.withToken(tracker.webSocketUri(), JoinTokens.mint(tokenKey,
          JoinGrant.forSwarms(streams, Instant.now().plus(Duration.ofHours(1))).withSubject(viewer), Instant.now()));
      run(origin, pages, trackerUrlFor, true, tmp);
    }
  }

  @Test
  void agentsAndBrowsersShareOneSwarmThroughTheReferenceTracker(@TempDir Path tmp) throws Exception {
    ChromeDriver.skipReason().ifPresent(reason -> assumeTrue(false, reason));
    assumeTrue(ReferenceTracker.unavailableReason().isEmpty(), ReferenceTracker.unavailableReason().orElse(""));
    try (LiveHlsOrigin origin = startOrigin();
        StaticFileServer pages = BrowserViewer.pageServer();
        ReferenceTracker tracker = ReferenceTracker.start()) {
      run(origin, pages, viewer -> tracker.url(), false, tmp);
    }
  }

  private static LiveHlsOrigin startOrigin() {
    return LiveHlsOrigin.builder().sidecars(".integrity", MixedSwarmBrowserE2ETest::signedSidecar).start();
  }

  private static MasterPlaylist master(LiveHlsOrigin origin) throws Exception {
    try (CdnFetcher fetcher = CdnFetcher.create(CdnConfig.defaults())) {
      PlaylistLoader.Loaded loaded = PlaylistLoader.using(fetcher).load(origin.masterPlaylistUri()).get(30, TimeUnit.SECONDS);
      return PlaylistParser.parseMaster(loaded.uri(), loaded.text());
    }
  }

  /**
   * Two Java agents (and, with {@code withCorruptPeer}, a third serving corrupted segments) and
   * two browsers (the recipe's settings, p2p-media-loader's defaults) play the origin's live
   * stream until each has played {@link #SEGMENTS_EACH} segments; then every check.
   */
  private void run(LiveHlsOrigin origin, StaticFileServer pages, Function<String, URI> trackerUrlFor,
      boolean withCorruptPeer, Path tmp) throws Exception {
    ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(2);
    timer.setRemoveOnCancelPolicy(true);
    TaskScheduler timers = TaskScheduler.of(timer);
    List<AutoCloseable> closing = new ArrayList<>();
    try {
      MasterPlaylist master = master(origin);
      HlsStream stream = HlsStream.ofVariant(master.uri(), master.variants().get(0));
      SwarmKey swarm = SwarmKey.ofStreamSwarmId(SwarmStreams.of(master).get(0).streamSwarmId());
      Map<String, String> keys = Map.of(KEY_ID, IntegrityKeys.publicKeyBase64(PLATFORM.getPublic()));
      Function<String, AgentConfig> agentConfig = name -> AgentConfig.builder(trackerUrlFor.apply(name))
          .peers(2, 16)
          .belowMinimumAnnounceMillis(1_000)
          .trackerReconnectMillis(100, 1_000)
          .integrity(IntegritySettings.builder().publicKeys(keys).build())
          .build();

      String attackerId = null;
      if (withCorruptPeer) {
        CorruptPeer attacker = CorruptPeer.start(agentConfig.apply("attacker"), swarm, origin, VARIANT);
        closing.add(attacker);
        attackerId = attacker.peerId();
      }
      List<AgentViewer> agents = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        AgentViewer agent = AgentViewer.start(agentConfig.apply("agent-" + i), swarm, stream, VARIANT, origin, timers, i);
        closing.add(agent);
        agents.add(agent);
      }
      List<BrowserViewer> browsers = new ArrayList<>();
      browsers.add(BrowserViewer.open("browser-recipe", pages, tmp.resolve("profile-recipe"),
          origin.masterPlaylistUri(), trackerUrlFor.apply("browser-recipe"), keys, true));
      closing.add(browsers.get(0));
      browsers.add(BrowserViewer.open("browser-defaults", pages, tmp.resolve("profile-defaults"),
          origin.masterPlaylistUri(), trackerUrlFor.apply("browser-defaults"), keys, false));
      closing.add(browsers.get(1));

      try {
        await().atMost(RUN_TIMEOUT).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
          for (AgentViewer agent : agents) {
            assertThat(agent.segmentsPlayed()).as("agent %s segments played", agent.peerId())
                .isGreaterThanOrEqualTo(SEGMENTS_EACH);
          }
          for (BrowserViewer browser : browsers) {
            JsonNode report = browser.report();
            assertThat(report.path("playedCount").asInt()).as("%s segments played", browser.name())
                .isGreaterThanOrEqualTo(SEGMENTS_EACH);
            assertThat(report.path("pendingHashes").asInt()).isZero();
          }
        });
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + "\n" + diagnostics(browsers), e);
      }

      // What the browsers exchanged with the Java peers, seen from the browsers.
      Set<String> honest = Set.of(agents.get(0).peerId(), agents.get(1).peerId());
      long agentToBrowser = 0;
      long browserToAgent = 0;
      long rejected = 0;
      List<String> mismatches = new ArrayList<>();
      for (BrowserViewer browser : browsers) {
        JsonNode report = browser.report();
        System.out.printf("%s: played %d segments, from peers %s, to peers %s, from CDN %d bytes, stalls %d,"
                + " startup %d ms, mean latency %.1f s, integrity %s%n", browser.name(), report.path("playedCount").asInt(),
            report.path("fromPeers"), report.path("toPeers"), report.path("httpBytes").asLong(),
            report.path("stalls").asInt(), report.path("startupMillis").asLong(),
            report.path("latencySum").asDouble() / Math.max(1, report.path("latencySamples").asInt()),
            browser.integrityStats());
        String context = browser.name() + ": " + report + "\n" + diagnostics(browsers);
        agentToBrowser += sumFor(report.path("fromPeers"), honest);
        browserToAgent += sumFor(report.path("toPeers"), honest);
        assertThat(report.path("stalls").asInt()).as("%s stalls", context).isZero();
        for (Iterator<Map.Entry<String, JsonNode>> it = report.path("played").fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> played = it.next();
          // /live/VARIANT/MSN.ts: hls.js may play either variant.
          Matcher path = SEGMENT_PATH.matcher(played.getKey());
          assertThat(path.matches()).as("%s played %s", browser.name(), played.getKey()).isTrue();
          byte[] expected = origin.segmentBytes(path.group(1), Long.parseLong(path.group(2)));
          if (played.getValue().path("size").asInt() != expected.length
              || !played.getValue().path("sha256").asText().equals(sha256(expected))) {
            mismatches.add(browser.name() + ": segment " + played.getKey() + " " + played.getValue()
                + " differs from the origin's (" + expected.length + " bytes)");
          }
        }
        if (attackerId != null) {
          // What the corrupt peer sent arrived (counted in fromPeers) but was never played: the
          // byte-exact check below covers every played segment.
          rejected += browser.integrityStats().path("corrupt").asLong();
        }
      }
      for (AgentViewer agent : agents) {
        System.out.printf("agent %s: played %d segments, from peers %d bytes, from CDN %d bytes, uploaded %d bytes,"
                + " verified peer segments %d, validation failures %d, stalls %d%n", agent.peerId(), agent.segmentsPlayed(),
            agent.peerBytes(), agent.cdnBytes(), agent.uploadedBytes(), agent.verifiedPeerSegments(),
            agent.validationFailures(), agent.playerStats().stalls());
        mismatches.addAll(agent.mismatches());
        assertThat(agent.playerStats().stalls()).as("agent %s stalls", agent.peerId()).isZero();
      }
      assertThat(mismatches).as("segments played that differ from the origin's").isEmpty();
      assertThat(agentToBrowser).as("bytes from agents to browsers\n%s", diagnostics(browsers)).isPositive();
      assertThat(browserToAgent).as("bytes from browsers to agents\n%s", diagnostics(browsers)).isPositive();
      if (withCorruptPeer) {
        assertThat(rejected).as("corrupt segments the browsers rejected\n%s", diagnostics(browsers)).isPositive();
      }
    } finally {
      for (int i = closing.size() - 1; i >= 0; i--) {
        try {
          closing.get(i).close();
        } catch (Exception e) {
          // closing the rest matters more
        }
      }
      timer.shutdownNow();
    }
  }

  private static long sumFor(JsonNode bytesByPeer, Set<String> peerIds) {
    long sum = 0;
    for (String id : peerIds) {
      sum += bytesByPeer.path(id).asLong();
    }
    return sum;
  }

  private static String diagnostics(List<BrowserViewer> browsers) {
    StringBuilder text = new StringBuilder();
    for (BrowserViewer browser : browsers) {
      text.append(browser.name()).append(" console:\n");
      browser.console().stream().limit(60).forEach(line -> text.append("  ").append(line).append('\n'));
    }
    return text.toString();
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  /** What the publisher would write for the playlist the origin serves now. */
  static byte[] signedSidecar(String playlistPath, String playlistText, LongFunction<byte[]> bytes) {
    try {
      MediaPlaylist playlist = PlaylistParser.parseMedia(URI.create("http://127.0.0.1" + playlistPath), playlistText);
      return SidecarCodec.sign(new HashWindow(KEY_ID, playlistPath, 0)
          .update(playlist, segment -> bytes.apply(segment.mediaSequenceNumber()), Instant.now()), PLATFORM.getPrivate());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A Java peer that holds and announces same-size corrupted copies of the live segments around
   * the live edge (only their hashes can tell): whoever takes one from it must reject it.
   */
  static final class CorruptPeer implements AutoCloseable {
    private final dev.hlsmesh.agent.Agent agent;
    private final String peerId;

    private CorruptPeer(dev.hlsmesh.agent.Agent agent, String peerId) {
      this.agent = agent;
      this.peerId = peerId;
    }

    static CorruptPeer start(AgentConfig config, SwarmKey swarm, LiveHlsOrigin origin, String variant) {
      dev.hlsmesh.agent.store.InMemorySegmentStore poisoned = new dev.hlsmesh.agent.store.InMemorySegmentStore(
          256L << 20, Duration.ofMinutes(10), Clock.systemUTC());
      long edge = origin.liveEdgeMediaSequence();
      for (long msn = Math.max(0, edge - 6); msn <= edge + 60; msn++) {
        byte[] corrupt = origin.segmentBytes(variant, msn).clone();
        for (int i = 200; i < corrupt.length; i += 997) {
          corrupt[i] ^= 0x5a;
        }
        poisoned.put(swarm, msn, ByteBuffer.wrap(corrupt));
      }
      dev.hlsmesh.agent.Agent agent = dev.hlsmesh.agent.Agent.start(config, poisoned);
      return new CorruptPeer(agent, agent.join(swarm));
    }

    String peerId() {
      return peerId;
    }

    @Override
    public void close() {
      agent.close();
    }
  }
}
