package dev.hlsmesh.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hlsmesh.agent.player.PlayerSettings;
import dev.hlsmesh.agent.proxy.ProxySettings;
import dev.hlsmesh.agent.scheduler.SchedulerSettings;
import dev.hlsmesh.agent.store.StoreSettings;
import dev.hlsmesh.cdn.CdnConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ViewerConfigTest {
  private static final URI TRACKER = URI.create("wss://tracker.example/");

  @TempDir
  Path temp;

  private static ViewerConfig parse(String yaml) {
    return ViewerConfig.parse(yaml, "viewer.yaml", Map.of());
  }

  private static List<String> problems(String yaml, Map<String, String> environment) {
    try {
      ViewerConfig.parse(yaml, "viewer.yaml", environment);
    } catch (InvalidConfigException e) {
      return e.problems();
    }
    throw new AssertionError("no problem found in:\n" + yaml);
  }

  @Test
  void aFileWithOnlyTheTrackerHoldsEveryDefault() {
    ViewerConfig config = parse("agent:\n  trackerUrl: wss://tracker.example/\n");
    assertThat(config).isEqualTo(ViewerConfig.builder(TRACKER).build());
    assertThat(config.cdn()).isEqualTo(CdnConfig.defaults());
    assertThat(config.scheduler()).isEqualTo(SchedulerSettings.defaults());
    assertThat(config.proxy()).isEqualTo(ProxySettings.defaults());
    assertThat(config.store()).isEqualTo(StoreSettings.defaults());
    assertThat(config.player()).isEqualTo(PlayerSettings.defaults());
  }

  @Test
  void everySectionMapsOntoItsRecordOneToOne() {
    ViewerConfig config = parse("""
        agent:
          trackerUrl: wss://tracker.example/
          minPeers: 4
          maxPeers: 16
          iceServers:
            - urls: stun:stun.example:3478
            - urls: ["turn:turn.example:3478?transport=udp"]
              username: u
              credential: p
          maxUploadBytesPerSecond: 500000
          integrity:
            sidecarSuffix: .sig
            peerBanMillis: 0
        cdn:
          cdnBaseUrls: [https://cdn-a.example/live/, https://cdn-b.example/live/]
          httpVersion: HTTP_1_1
          firstByteTimeoutMillis: 1500
        scheduler:
          safetyFactor: 3.5
          uploadEnabled: false
          cdnFetchTimeoutMillis: 20000
        proxy:
          port: 8080
        store:
          maxBytes: 134217728
          maxAgeMillis: 120000
        player:
          liveSyncTargetDurations: 2
        """);
    AgentConfig agent = config.agent().orElseThrow();
    assertThat(agent.minPeers()).isEqualTo(4);
    assertThat(agent.maxPeers()).isEqualTo(16);
    assertThat(agent.iceServers()).containsExactly(IceServer.stun("stun:stun.example:3478"),
        new IceServer(List.of("turn:turn.example:3478?transport=udp"), "u", "p"));
    assertThat(agent.maxUploadBytesPerSecond()).isEqualTo(500_000);
    assertThat(agent.integrity().sidecarSuffix()).isEqualTo(".sig");
    assertThat(agent.integrity().peerBanMillis()).isZero();
    assertThat(config.cdn().cdnBaseUrls()).containsExactly(URI.create("https://cdn-a.example/live/"),
        URI.create("https://cdn-b.example/live/"));
    assertThat(config.cdn().httpVersion()).isEqualTo(HttpClient.Version.HTTP_1_1);
    assertThat(config.cdn().firstByteTimeoutMillis()).isEqualTo(1_500);
    assertThat(config.scheduler().safetyFactor()).isEqualTo(3.5);
    assertThat(config.scheduler().uploadEnabled()).isFalse();
    assertThat(config.scheduler().cdnFetchTimeoutMillis()).isEqualTo(20_000);
    assertThat(config.proxy().port()).isEqualTo(8080);
    assertThat(config.store()).isEqualTo(new StoreSettings(128L << 20, 120_000));
    assertThat(config.player().liveSyncTargetDurations()).isEqualTo(2);
  }

  @Test
  void everyBadKeyOrValueIsReportedAtOnceWithItsPath() {
    List<String> problems = problems("""
        agent:
          trackerUrl: http://tracker.example/
          maxPeers: 0
          colour: blue
          integrity:
            peerBanMillis: -1
            validator: x
        cdn:
          maxAttempts: 0
          httpVersion: HTTP_3
        scheduler:
          safetyFactor: 0.5
          electedFetchers: many
        proxy:
          port: 70000
        store:
          maxBytes: 1
        player:
          retryDelayMillis: 0
        extra: 1
        """, Map.of());
    assertThat(problems).contains(
        "agent.trackerUrl: http://tracker.example/ (expected: ws://host[:port][/path] or wss://...)",
        "agent.maxPeers: 0 (expected: 1..1000)",
        "agent.integrity.peerBanMillis: -1 (expected: 0..86400000)",
        "cdn.maxAttempts: 0 (expected: 1..20)",
        "cdn.httpVersion: the string \"HTTP_3\" (expected: one of HTTP_1_1, HTTP_2)",
        "scheduler.safetyFactor: 0.5 (expected: 1.0..100.0)",
        "scheduler.electedFetchers: the string \"many\" (expected: an integer)",
        "proxy.port: 70000 (expected: 0..65535)",
        "store.maxBytes: 1 (expected: 1048576..1099511627776)",
        "player.retryDelayMillis: 0 (expected: 1..600000)",
        "extra: unknown key (expected one of: agent, cdn, scheduler, proxy, store, player)");
    assertThat(problems).anyMatch(p -> p.startsWith("agent.colour: unknown key (expected one of: trackerUrl, "));
    assertThat(problems).anyMatch(p -> p.startsWith("agent.integrity.validator: unknown key (expected one of: "));
  }

  @Test
  void theTrackerIsRequiredUnlessP2pIsOff() {
    assertThat(problems("proxy:\n  port: 0\n", Map.of())).containsExactly(
        "agent.trackerUrl: missing (expected: a ws:// or wss:// tracker URL, or scheduler.p2pEnabled: false)");
    ViewerConfig cdnOnly = parse("scheduler:\n  p2pEnabled: false\n  uploadEnabled: false\n");
    assertThat(cdnOnly.agent()).isEmpty();
    assertThat(cdnOnly).isEqualTo(ViewerConfig.cdnOnly().build());
    assertThat(parse("agent:\n  trackerUrl: wss://tracker.example/\nscheduler:\n  p2pEnabled: false\n").agent())
        .as("kept, unused").isPresent();
    assertThatThrownBy(() -> ViewerConfig.cdnOnly().scheduler(SchedulerSettings.defaults()).build())
        .isInstanceOf(InvalidConfigException.class).hasMessageContaining("agent.trackerUrl: missing");
  }

  @Test
  void theEnvironmentOverridesWhatOperatorsChangePerHost() {
    ViewerConfig config = ViewerConfig.parse("agent:\n  trackerUrl: wss://other.example/\nproxy:\n  port: 1\n",
        "viewer.yaml", Map.of(
            "HLSMESH_TRACKER_URL", "wss://tracker.example/",
            "HLSMESH_PROXY_PORT", "9000",
            "HLSMESH_CDN_BASE_URLS", "https://a.example/live/, https://b.example/live/",
            "HLSMESH_MAX_UPLOAD_BYTES_PER_SECOND", "250000"));
    assertThat(config.agent().orElseThrow().trackerUrl()).isEqualTo(TRACKER);
    assertThat(config.proxy().port()).isEqualTo(9000);
    assertThat(config.cdn().cdnBaseUrls()).hasSize(2);
    assertThat(config.agent().orElseThrow().maxUploadBytesPerSecond()).isEqualTo(250_000);
    assertThat(problems("", Map.of("HLSMESH_TRACKER_URL", "wss://t.example/", "HLSMESH_PROXY_PORT", "eighty")))
        .containsExactly("HLSMESH_PROXY_PORT=\"eighty\" (expected: an integer 0..65535)");
  }

  @Test
  void badYamlAndUnreadableFilesAreOneClearProblem() throws Exception {
    assertThat(problems("agent: [", Map.of())).singleElement().asString().startsWith("viewer.yaml: invalid YAML:");
    assertThat(problems("agent:\n  minPeers: 1\n  minPeers: 2\n", Map.of())).singleElement().asString()
        .contains("Duplicate field 'minPeers'");
    assertThat(problems("- a\n", Map.of())).first().asString()
        .isEqualTo("viewer.yaml: a list (expected: a mapping with the sections agent, cdn, scheduler, proxy, store,"
            + " player)");
    Path missing = temp.resolve("missing.yaml");
    assertThatThrownBy(() -> ViewerConfig.load(missing, Map.of())).isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("missing.yaml: cannot read");
    Path file = temp.resolve("viewer.yaml");
    Files.writeString(file, "agent:\n  trackerUrl: wss://tracker.example/\n");
    assertThat(ViewerConfig.load(file, Map.of())).isEqualTo(ViewerConfig.builder(TRACKER).build());
  }

  @Test
  void theValidatorIsAddedInCode() {
    SegmentValidator validator = (uri, range, bytes) -> CompletableFuture.completedFuture(bytes.remaining() > 0);
    ViewerConfig config = ViewerConfig.builder(TRACKER).build().withValidator(validator);
    assertThat(config.agent().orElseThrow().integrity().validator()).contains(validator);
    assertThat(validator.validate(URI.create("http://x/1.ts"), java.util.Optional.empty(), ByteBuffer.allocate(1))
        .toCompletableFuture().join()).isTrue();
    assertThatThrownBy(() -> ViewerConfig.cdnOnly().build().withValidator(validator))
        .isInstanceOf(IllegalStateException.class);
  }

  /**
   * docs/configuration.md's viewer tables list exactly the YAML keys, with the records' defaults:
   * a setting added, renamed or re-defaulted in code without the docs fails here.
   */
  @Test
  void theConfigurationReferenceListsEveryKeyWithItsDefault() throws Exception {
    Path docs = Path.of("..", "docs", "configuration.md");
    String text = Files.readString(docs, StandardCharsets.UTF_8);
    Map<String, String> documented = new java.util.LinkedHashMap<>();
    Matcher row = Pattern.compile("(?m)^\\| `((?:agent|cdn|scheduler|proxy|store|player)\\.[A-Za-z0-9.]+)` \\| ([^|]*) \\|")
        .matcher(text);
    while (row.find()) {
      documented.put(row.group(1), row.group(2).strip().replace("`", ""));
    }
    documented.remove("agent.integrity.validator"); // code only, documented beside the YAML keys
    assertThat(documented).isEqualTo(ViewerConfigYaml.reference());
  }
}
