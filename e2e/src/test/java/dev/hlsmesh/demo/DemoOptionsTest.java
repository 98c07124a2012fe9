package dev.hlsmesh.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.api.Test;

class DemoOptionsTest {

  @Test
  void defaultsAreTenAgentsBuiltInTrackerAndOriginNoEnd() throws Exception {
    DemoOptions o = DemoOptions.parse();
    assertThat(o.agents()).isEqualTo(10);
    assertThat(o.playlist()).isEmpty();
    assertThat(o.tracker()).isEmpty();
    assertThat(o.durationSeconds()).isEmpty();
    assertThat(o.reportSeconds()).isEqualTo(5);
    assertThat(o.p2p()).isTrue();
  }

  @Test
  void noP2pMakesEveryAgentACdnOnlyPlayerAndRefusesATracker() throws Exception {
    DemoOptions o = DemoOptions.parse("--agents", "4", "--no-p2p");
    assertThat(o.p2p()).isFalse();
    assertThat(o.agents()).isEqualTo(4);
    assertThatThrownBy(() -> DemoOptions.parse("--no-p2p", "--tracker", "wss://tracker.example/"))
        .isInstanceOf(DemoOptions.UsageException.class)
        .hasMessage("--tracker: not used with --no-p2p");
  }

  @Test
  void readsEveryOption() throws Exception {
    DemoOptions o = DemoOptions.parse("--agents", "3", "--duration", "60", "--playlist",
        "https://cdn.example/live/master.m3u8?token=1", "--tracker", "wss://tracker.example/", "--report", "2");
    assertThat(o.agents()).isEqualTo(3);
    assertThat(o.durationSeconds()).hasValue(60);
    assertThat(o.playlist()).hasValue(URI.create("https://cdn.example/live/master.m3u8?token=1"));
    assertThat(o.tracker()).hasValue(URI.create("wss://tracker.example/"));
    assertThat(o.reportSeconds()).isEqualTo(2);
  }

  @Test
  void configIsAReadableYamlFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path temp) throws Exception {
    java.nio.file.Path file = java.nio.file.Files.writeString(temp.resolve("viewer.yaml"), "proxy:\n  port: 0\n");
    assertThat(DemoOptions.parse("--config", file.toString()).config()).hasValue(file);
    assertThatThrownBy(() -> DemoOptions.parse("--config", temp.resolve("missing.yaml").toString()))
        .isInstanceOf(DemoOptions.UsageException.class)
        .hasMessageContaining("missing.yaml (expected: a readable file)");
  }

  @Test
  void reportsEveryBadOptionAtOnce() {
    assertThatThrownBy(() -> DemoOptions.parse("--agents", "0", "--tracker", "http://x/", "--bogus", "--duration"))
        .isInstanceOf(DemoOptions.UsageException.class)
        .hasMessage("--agents: 0 (expected: 1..50); --tracker: http://x/ (expected: a ws or wss URL); "
            + "unknown option --bogus; --duration: missing value");
  }

  @Test
  void helpIsAUsageRequestWithoutAProblem() {
    assertThatThrownBy(() -> DemoOptions.parse("--help")).isInstanceOf(DemoOptions.UsageException.class).hasMessage("");
  }
}
