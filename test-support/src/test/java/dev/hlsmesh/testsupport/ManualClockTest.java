package dev.hlsmesh.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class ManualClockTest {

  @Test
  void movesOnlyWhenAdvanced() {
    ManualClock clock = new ManualClock(Instant.parse("2026-03-01T10:00:00Z"));
    assertThat(clock.instant()).isEqualTo(Instant.parse("2026-03-01T10:00:00Z"));
    assertThat(clock.instant()).isEqualTo(clock.instant());

    clock.advance(Duration.ofMillis(1500));
    assertThat(clock.instant()).isEqualTo(Instant.parse("2026-03-01T10:00:01.500Z"));
    assertThat(clock.millis()).isEqualTo(Instant.parse("2026-03-01T10:00:01.500Z").toEpochMilli());
  }

  @Test
  void nanoTimeFollowsTheSameTime() {
    ManualClock clock = new ManualClock();
    long before = clock.nanoTime();
    clock.advance(Duration.ofNanos(7));
    assertThat(clock.nanoTime() - before).isEqualTo(7);
  }

  @Test
  void zoneViewsShareTheTime() {
    ManualClock clock = new ManualClock();
    ManualClock paris = clock.withZone(ZoneId.of("Europe/Paris"));
    paris.advanceMillis(1000);
    assertThat(clock.instant()).isEqualTo(ManualClock.DEFAULT_START.plusSeconds(1));
    assertThat(paris.getZone()).isEqualTo(ZoneId.of("Europe/Paris"));
  }

  @Test
  void refusesToGoBack() {
    ManualClock clock = new ManualClock();
    assertThatThrownBy(() -> clock.advance(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected: >= 0");
  }
}
