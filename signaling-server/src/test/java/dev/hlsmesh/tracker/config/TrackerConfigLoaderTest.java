package dev.hlsmesh.tracker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrackerConfigLoaderTest {

  @Test
  void noFileMeansTheDocumentedDefaults() {
    TrackerConfig config = TrackerConfigLoader.load(null, Map.of());

    assertThat(config).isEqualTo(TrackerConfig.defaults());
    assertThat(config.host()).isEqualTo("0.0.0.0");
    assertThat(config.port()).isEqualTo(8000);
    assertThat(config.maxMessageBytes()).isEqualTo(65_536);
    assertThat(config.maxOffersPerAnnounce()).isEqualTo(10);
    assertThat(config.announceIntervalSeconds()).isEqualTo(120);
    assertThat(config.peerTimeoutSeconds()).isEqualTo(180);
  }

  @Test
  void fileValuesOverrideDefaultsAndEnvironmentOverridesTheFile(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("tracker.yaml");
    Files.writeString(file, "tracker:\n  host: 127.0.0.1\n  port: 9000\n  maxOffersPerAnnounce: 5\n");

    TrackerConfig fromFile = TrackerConfigLoader.load(file, Map.of());
    TrackerConfig fromEnv = TrackerConfigLoader.load(file,
        Map.of("TRACKER_HOST", "::1", "TRACKER_PORT", "0"));

    assertThat(fromFile).isEqualTo(TrackerConfig.builder().host("127.0.0.1").port(9000)
        .maxOffersPerAnnounce(5).build());
    assertThat(fromEnv.host()).isEqualTo("::1");
    assertThat(fromEnv.port()).isZero();
    assertThat(fromEnv.maxOffersPerAnnounce()).isEqualTo(5);
  }

  @Test
  void everyProblemIsReportedAtOnceWithKeyPathAndExpectedRange() {
    String yaml = String.join("\n",
        "tracker:",
        "  port: 70000",
        "  maxOffersPerAnnounce: 0",
        "  maxSwarms: lots",
        "  maxPeersPerSwarm: 1.5",
        "  bogus: 1",
        "  host: [a, b]",
        "");

    assertThatThrownBy(() -> TrackerConfigLoader.parse(yaml, "t.yaml",
        Map.of("TRACKER_PORT", "http")))
        .isInstanceOfSatisfying(InvalidConfigException.class, e ->
            assertThat(e.problems()).containsExactlyInAnyOrder(
                "tracker.maxSwarms: \"lots\" (expected: an integer 1..10000000)",
                "tracker.maxPeersPerSwarm: 1.5 (expected: an integer 2..1000000)",
                "tracker.bogus: unknown key (expected one of: host, requireJoinToken,"
                    + " joinTokenKeys, allowedOrigins, cluster, port, ioThreads,"
                    + " announceIntervalSeconds, peerTimeoutSeconds, offerTimeoutSeconds,"
                    + " idleTimeoutSeconds, sweepIntervalSeconds, maxMessageBytes,"
                    + " maxOffersPerAnnounce, maxNumwant, maxSwarms, maxPeersPerSwarm,"
                    + " maxSwarmsPerConnection, maxScrapeInfoHashes, messageRatePerSecond,"
                    + " messageBurst, maxConnectionsPerIp, maxConnections,"
                    + " maxQueuedBytesPerConnection, maxQueuedBytesTotal,"
                    + " slowReaderTimeoutMillis, maxAnnouncesPerMinutePerConnection,"
                    + " maxAnnouncesPerMinutePerIp, maxOffersPerMinutePerConnection,"
                    + " maxOffersPerMinutePerIp)",
                "tracker.host: [\"a\",\"b\"] (expected: a host name or IP address)",
                "TRACKER_PORT=\"http\" (expected: an integer 0..65535)",
                "tracker.port: 70000 (expected: 0..65535)",
                "tracker.maxOffersPerAnnounce: 0 (expected: 1..50)"));
  }

  @Test
  void crossFieldRulesAreChecked() {
    assertThatThrownBy(() -> TrackerConfigLoader.parse(
        "tracker:\n  announceIntervalSeconds: 300\n", "t.yaml", Map.of()))
        .isInstanceOfSatisfying(InvalidConfigException.class, e ->
            assertThat(e.problems()).containsExactly(
                "tracker.peerTimeoutSeconds: 180 (expected: more than"
                    + " tracker.announceIntervalSeconds = 300)",
                "tracker.idleTimeoutSeconds: 180 (expected: more than"
                    + " tracker.announceIntervalSeconds = 300)"));
  }

  @Test
  void unknownTopLevelKeysAndBadShapesAreErrors() {
    assertThatThrownBy(() -> TrackerConfigLoader.parse("trackr:\n  port: 1\n", "t.yaml", Map.of()))
        .isInstanceOfSatisfying(InvalidConfigException.class, e ->
            assertThat(e.problems()).containsExactly("trackr: unknown key (expected: tracker)"));
    assertThatThrownBy(() -> TrackerConfigLoader.parse("- 1\n- 2\n", "t.yaml", Map.of()))
        .isInstanceOfSatisfying(InvalidConfigException.class, e ->
            assertThat(e.problems()).containsExactly(
                "t.yaml: expected a mapping with the key `tracker`, got a list"));
    assertThatThrownBy(() -> TrackerConfigLoader.parse("tracker: 5\n", "t.yaml", Map.of()))
        .isInstanceOfSatisfying(InvalidConfigException.class, e ->
            assertThat(e.problems()).containsExactly("tracker: 5 (expected: a mapping)"));
  }

  @Test
  void invalidYamlAndDuplicateKeysAreReported() {
    assertThatThrownBy(() -> TrackerConfigLoader.parse("tracker:\n  port: [1\n", "t.yaml", Map.of()))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageStartingWith("invalid tracker configuration:\n  t.yaml: invalid YAML:");
    assertThatThrownBy(() -> TrackerConfigLoader.parse("tracker:\n  port: 1\n  port: 2\n",
        "t.yaml", Map.of()))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("Duplicate field 'port'");
  }

  @Test
  void unreadableFileIsReported(@TempDir Path dir) {
    Path missing = dir.resolve("missing.yaml");
    assertThatThrownBy(() -> TrackerConfigLoader.load(missing, Map.of()))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining(missing + ": cannot read");
  }

  @Test
  void theBuilderValidatesLikeTheLoader() {
    assertThatThrownBy(() -> TrackerConfig.builder().port(-1).messageBurst(0).host(" ").build())
        .isInstanceOfSatisfying(InvalidConfigException.class, e ->
            assertThat(e.problems()).containsExactly(
                "tracker.host: \" \" (expected: a host name or IP address)",
                "tracker.port: -1 (expected: 0..65535)",
                "tracker.messageBurst: 0 (expected: 1..1000000)"));
    TrackerConfig config = TrackerConfig.defaults().toBuilder().port(0).build();
    assertThat(config.port()).isZero();
    assertThat(config.toBuilder().build()).isEqualTo(config);
  }

  @Test
  void joinTokenKeysOriginsAndAbuseLimitsAreRead() {
    byte[] secret = new byte[32];
    secret[0] = 7;
    String b64 = Base64.getEncoder().encodeToString(secret);
    String yaml = String.join("\n",
        "tracker:",
        "  requireJoinToken: true",
        "  joinTokenKeys:",
        "    - id: new-2026-11",
        "      secretEnv: KEY_NEW",
        "    - id: old-2026-10",
        "      secret: " + b64,
        "  allowedOrigins: [https://player.example.com, 'http://localhost:8080']",
        "  maxConnections: 500",
        "  slowReaderTimeoutMillis: 2000",
        "  maxOffersPerMinutePerIp: 1000",
        "");

    TrackerConfig config = TrackerConfigLoader.parse(yaml, "t.yaml", Map.of("KEY_NEW", b64));

    assertThat(config.requireJoinToken()).isTrue();
    assertThat(config.joinTokenKeys()).containsExactly(
        new JoinTokenKey("new-2026-11", secret), new JoinTokenKey("old-2026-10", secret));
    assertThat(config.allowedOrigins())
        .containsExactly("https://player.example.com", "http://localhost:8080");
    assertThat(config.maxConnections()).isEqualTo(500);
    assertThat(config.slowReaderTimeoutMillis()).isEqualTo(2000);
    assertThat(config.maxOffersPerMinutePerIp()).isEqualTo(1000);
    assertThat(config.toBuilder().build()).isEqualTo(config);
    assertThat(config.joinTokenKeys().get(0).toString()).doesNotContain(b64).contains("32 bytes");
  }

  @Test
  void badJoinTokenSettingsAreAllReportedWithoutEchoingSecrets() {
    String shortSecret = Base64.getEncoder().encodeToString(new byte[16]);
    String yaml = String.join("\n",
        "tracker:",
        "  requireJoinToken: yes-please",
        "  joinTokenKeys:",
        "    - id: a",
        "      secret: " + shortSecret,
        "    - id: b",
        "      secretEnv: MISSING_VAR",
        "    - id: c",
        "      secret: '%%%not-base64%%%'",
        "    - id: 'bad id'",
        "      secret: " + Base64.getEncoder().encodeToString(new byte[32]),
        "    - secret: " + Base64.getEncoder().encodeToString(new byte[32]),
        "  allowedOrigins: [https://ok.example, 'https://x.example/path', ftp://x, 5]",
        "  maxQueuedBytesPerConnection: 8192",
        "");

    assertThatThrownBy(() -> TrackerConfigLoader.parse(yaml, "t.yaml", Map.of()))
        .isInstanceOfSatisfying(InvalidConfigException.class, e -> {
          assertThat(e.problems()).containsExactlyInAnyOrder(
              "tracker.requireJoinToken: \"yes-please\" (expected: true or false)",
              "tracker.joinTokenKeys[0]: secret of key \"a\": 16 bytes (expected: at least 32)",
              "tracker.joinTokenKeys[1].secretEnv: environment variable MISSING_VAR is not set"
                  + " (expected: the key in Base64)",
              "tracker.joinTokenKeys[2].secret: not Base64 (expected: at least 32 bytes in"
                  + " standard Base64)",
              "tracker.joinTokenKeys[3]: key id \"bad id\" (expected: 1 to 64 characters from"
                  + " A-Z a-z 0-9 . _ -)",
              "tracker.joinTokenKeys[4]: no id (expected: id and secret or secretEnv)",
              "tracker.allowedOrigins: 5 (expected: an origin string)",
              "tracker.allowedOrigins: \"https://x.example/path\" (expected: scheme://host[:port]"
                  + " with scheme http or https, no path)",
              "tracker.allowedOrigins: \"ftp://x\" (expected: scheme://host[:port] with scheme"
                  + " http or https, no path)",
              "tracker.maxQueuedBytesPerConnection: 8192 (expected: at least"
                  + " tracker.maxMessageBytes = 65536)");
          assertThat(e.getMessage()).doesNotContain(shortSecret);
        });
  }

  @Test
  void requiringTokensWithoutKeysIsAnError() {
    assertThatThrownBy(() -> TrackerConfig.builder().requireJoinToken(true).build())
        .isInstanceOfSatisfying(InvalidConfigException.class, e ->
            assertThat(e.problems()).containsExactly("tracker.requireJoinToken: true (expected:"
                + " at least one entry in tracker.joinTokenKeys)"));
    assertThatThrownBy(() -> TrackerConfig.builder().joinTokenKeys(List.of(
        new JoinTokenKey("k", new byte[32]), new JoinTokenKey("k", new byte[33]))).build())
        .isInstanceOfSatisfying(InvalidConfigException.class, e ->
            assertThat(e.problems()).containsExactly("tracker.joinTokenKeys: id \"k\" appears"
                + " twice (expected: unique key ids)"));
  }

  @Test
  void clusterModeIsOffByDefaultAndReadFromTheClusterMapping() {
    assertThat(TrackerConfig.defaults().cluster()).isNull();
    TrackerConfig config = TrackerConfigLoader.parse(String.join("\n",
        "tracker:",
        "  cluster:",
        "    redis: redis://:secret@10.0.0.5:6380/2",
        "    nodeId: edge-1",
        "    heartbeatMillis: 3000",
        "    keyPrefix: live",
        ""), "t.yaml", Map.of());
    ClusterConfig cluster = config.cluster();
    assertThat(cluster.redisUris()).containsExactly("redis://:secret@10.0.0.5:6380/2");
    assertThat(cluster.nodeId()).isEqualTo("edge-1");
    assertThat(cluster.heartbeatMillis()).isEqualTo(3000);
    assertThat(cluster.keyPrefix()).isEqualTo("live");
    assertThat(cluster.commandTimeoutMillis()).isEqualTo(1000);
    assertThat(cluster.isRedisCluster()).isFalse();
    assertThat(cluster.toString()).doesNotContain("secret");

    ClusterConfig generated = TrackerConfigLoader.parse(
        "tracker:\n  cluster:\n    redis: [redis://r1:7000, redis://r2:7000]\n", "t.yaml",
        Map.of()).cluster();
    assertThat(generated.nodeId()).matches("node-[0-9a-f]{12}");
    assertThat(generated.isRedisCluster()).isTrue();
    assertThat(TrackerConfigLoader.parse("tracker:\n  cluster:\n    redis:"
        + " redis-sentinel://s1:26379,s2:26379/0#mymaster\n", "t.yaml", Map.of()).cluster()
        .redisUris()).hasSize(1);
  }

  @Test
  void everyClusterProblemIsReportedAtOnce() {
    String yaml = String.join("\n",
        "tracker:",
        "  cluster:",
        "    redis: http://:pw@x:1",
        "    nodeId: \"bad id\"",
        "    heartbeatMillis: 50",
        "    keyPrefix: \"a{b}\"",
        "    commandTimeoutMillis: 10",
        "    bogus: 1",
        "");
    assertThatThrownBy(() -> TrackerConfigLoader.parse(yaml, "t.yaml", Map.of()))
        .isInstanceOfSatisfying(InvalidConfigException.class, e ->
            assertThat(e.problems()).containsExactly(
                "tracker.cluster.bogus: unknown key (expected one of: redis, nodeId,"
                    + " heartbeatMillis, keyPrefix, commandTimeoutMillis)"));
    String values = yaml.replace("    bogus: 1\n", "");
    assertThatThrownBy(() -> TrackerConfigLoader.parse(values, "t.yaml", Map.of()))
        .isInstanceOfSatisfying(InvalidConfigException.class, e ->
            assertThat(e.problems()).containsExactly(
                "tracker.cluster.redis: \"http://***@x:1\" (expected: redis://host[:port][/db],"
                    + " rediss://... or redis-sentinel://host[:port][,host2[:port2]]/[db]"
                    + "#masterName)",
                "tracker.cluster.nodeId: \"bad id\" (expected: 1 to 64 characters from"
                    + " A-Z a-z 0-9 . _ -)",
                "tracker.cluster.heartbeatMillis: 50 (expected: 100..60000)",
                "tracker.cluster.keyPrefix: \"a{b}\" (expected: 1 to 32 characters from"
                    + " A-Z a-z 0-9 . _ -)",
                "tracker.cluster.commandTimeoutMillis: 10 (expected: 50..60000)"));
    assertThatThrownBy(() -> TrackerConfigLoader.parse("tracker:\n  cluster:\n    nodeId: a\n",
        "t.yaml", Map.of()))
        .isInstanceOfSatisfying(InvalidConfigException.class, e ->
            assertThat(e.problems()).containsExactly("tracker.cluster.redis: missing (expected:"
                + " a Redis URI; remove tracker.cluster to run a single tracker)"));
  }
}
