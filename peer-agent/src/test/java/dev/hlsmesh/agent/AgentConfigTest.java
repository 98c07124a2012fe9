package dev.hlsmesh.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

class AgentConfigTest {
  private static final URI TRACKER = URI.create("wss://tracker.example/announce");

  @Test
  void defaultsMatchTheBrowserPeersTimings() {
    AgentConfig config = AgentConfig.builder(TRACKER).build();
    assertThat(config.noBytesTimeoutMillis()).isEqualTo(2_000);
    assertThat(config.maxConsecutiveTimeouts()).isEqualTo(3);
    assertThat(config.offerTimeoutMillis()).isEqualTo(50_000);
    assertThat(config.maxOffersPerAnnounce()).isEqualTo(5);
    assertThat(config.iceServers()).isEmpty();
    assertThat(config.reportIntervalMillis()).isEqualTo(5_000);
    assertThat(config.toBuilder().build()).isEqualTo(config);
  }

  @Test
  void viewerReportsAreOffAtZeroOrEveryTenthOfASecondToAnHour() {
    assertThat(AgentConfig.builder(TRACKER).reportIntervalMillis(0).build().reportIntervalMillis()).isZero();
    assertThat(AgentConfig.builder(TRACKER).reportIntervalMillis(100).build().toBuilder().build().reportIntervalMillis())
        .isEqualTo(100);
    assertThatThrownBy(() -> AgentConfig.builder(TRACKER).reportIntervalMillis(99).build())
        .hasMessageContaining("agent.reportIntervalMillis: 99 (expected: 0 (off) or 100..3600000)");
    assertThatThrownBy(() -> AgentConfig.builder(TRACKER).reportIntervalMillis(-1).build())
        .hasMessageContaining("agent.reportIntervalMillis: -1");
  }

  @Test
  void everyBadSettingIsReportedAtOnceWithItsExpectedRange() {
    assertThatThrownBy(() -> AgentConfig.builder(URI.create("http://tracker.example"))
        .peers(5, 0).noBytesTimeoutMillis(0).watermarks(100, 50).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("agent.trackerUrl: http://tracker.example (expected: ws://")
        .hasMessageContaining("agent.maxPeers: 0 (expected: 1..1000)")
        .hasMessageContaining("agent.minPeers: 5 (expected: <= agent.maxPeers 0)")
        .hasMessageContaining("agent.noBytesTimeoutMillis: 0 (expected: 50..600000)")
        .hasMessageContaining("agent.highWatermarkBytes: 50 (expected: 101..8388608)");
  }

  @Test
  void iceServersMustBeStunOrTurnUrls() {
    assertThat(new IceServer(List.of("turn:turn.example:3478?transport=udp"), "user", "secret").urls()).hasSize(1);
    assertThat(IceServer.stun("stun:stun.example:3478").username()).isNull();
    assertThatThrownBy(() -> new IceServer(List.of("http://stun.example"), null, null))
        .hasMessageContaining("http://stun.example (expected: a stun:, stuns:, turn: or turns: URL)");
    assertThatThrownBy(() -> new IceServer(List.of(), null, null)).hasMessageContaining("empty");
  }

  @Test
  void swarmKeysFromStreamSwarmIdsAreTheBrowsersAsciiInfoHashes() {
    SwarmKey key = SwarmKey.ofStreamSwarmId("https://cdn.example/live/master.m3u8-V-abc");
    String ascii = new String(key.infoHash(), java.nio.charset.StandardCharsets.ISO_8859_1);
    assertThat(ascii).hasSize(20).matches("[A-Za-z0-9+/]{20}");
    assertThat(SwarmKey.ofHex(key.toString())).isEqualTo(key);
    assertThatThrownBy(() -> SwarmKey.ofInfoHash(new byte[19])).hasMessageContaining("19 bytes (expected: 20)");
  }
}
