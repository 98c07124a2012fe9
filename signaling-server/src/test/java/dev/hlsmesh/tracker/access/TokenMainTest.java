package dev.hlsmesh.tracker.access;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hlsmesh.protocol.tracker.BinaryId;
import dev.hlsmesh.testsupport.ManualClock;
import dev.hlsmesh.tracker.config.JoinTokenKey;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenMainTest {
  private static final String STREAM =
      "v2-https://cdn.example.com/live/channel1/master.m3u8-main-RBJcGgBiOomhLhapF6nbpo2gYEs=";

  private final ManualClock clock = new ManualClock();
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(Map<String, String> env, String... args) {
    return TokenMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), env, clock);
  }

  private static byte[] secret(int fill) {
    byte[] s = new byte[32];
    java.util.Arrays.fill(s, (byte) fill);
    return s;
  }

  @Test
  void mintsATokenWithAKeyFromTheTrackerConfigurationThatTheTrackerAccepts(@TempDir Path dir)
      throws Exception {
    String b64 = Base64.getEncoder().encodeToString(secret(3));
    Path file = dir.resolve("tracker.yaml");
    Files.writeString(file, "tracker:\n  requireJoinToken: true\n  joinTokenKeys:\n"
        + "    - id: a\n      secret: " + Base64.getEncoder().encodeToString(secret(4)) + "\n"
        + "    - id: b\n      secretEnv: KEY_B\n");

    int status = run(Map.of("KEY_B", b64), "--config", file.toString(), "--kid", "b",
        "--stream-swarm-id", STREAM, "--info-hash", "00112233445566778899aabbccddeeff00112233",
        "--ttl-seconds", "600", "--subject", "viewer-7");

    assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
    String token = out.toString(StandardCharsets.UTF_8).strip();
    JoinGrant grant = new JoinTokenVerifier(List.of(new JoinTokenKey("b", secret(3))), clock)
        .verify(token);
    assertThat(grant.infoHashes()).containsExactlyInAnyOrder(
        BinaryId.ofAscii("D2L6qLdcAO0vh07WoiT4"),
        BinaryId.fromHex("00112233445566778899aabbccddeeff00112233"));
    assertThat(grant.expiresAt()).isEqualTo(clock.instant().plus(Duration.ofSeconds(600)));
    assertThat(grant.subject()).isEqualTo("viewer-7");
  }

  @Test
  void printsATrackerUrlWithAnAnySwarmTokenFromAnEnvironmentKey() throws Exception {
    int status = run(Map.of("K", Base64.getEncoder().encodeToString(secret(5))),
        "--secret-env", "K", "--kid", "k1", "--any-swarm", "--url", "wss://t.example/announce");

    assertThat(status).isZero();
    String url = out.toString(StandardCharsets.UTF_8).strip();
    assertThat(url).startsWith("wss://t.example/announce?token=");
    String token = url.substring(url.indexOf('=') + 1);
    assertThat(new JoinTokenVerifier(List.of(new JoinTokenKey("k1", secret(5))), clock)
        .verify(token).anySwarm()).isTrue();
  }

  @Test
  void usageErrorsExitWith2AndSayWhatIsWrong() {
    assertThat(run(Map.of(), "--secret-env", "K", "--kid", "k", "--any-swarm")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("tracker-token: environment variable K is not set");
    err.reset();
    assertThat(run(Map.of("K", "AAAA"), "--secret-env", "K", "--kid", "k")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("name the allowed swarms");
    err.reset();
    assertThat(run(Map.of(), "--info-hash", "short", "--secret-env", "K")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("--info-hash short (expected: 40 hex digits or a 20-character info hash)");
    err.reset();
    assertThat(run(Map.of("K", "AAAA"), "--secret-env", "K", "--kid", "k", "--any-swarm"))
        .isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("secret of key \"k\": 3 bytes (expected: at least 32)");
  }
}
