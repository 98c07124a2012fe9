package dev.hlsmesh.agent.tracker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

class BackoffTest {
  @Test
  void delaysDoubleWithinTheJitterBandUpToTheCap() {
    Backoff backoff = new Backoff(1_000, 60_000, new Random(42));
    long[] ceilings = {1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000};
    for (long ceiling : ceilings) {
      long delay = backoff.nextDelayMillis();
      assertThat(delay).isBetween(ceiling / 2, Math.min(60_000, ceiling * 3 / 2));
    }
  }

  @Test
  void jitterSpreadsAgentsThatFailedTogether() {
    Backoff first = new Backoff(1_000, 60_000, new Random(11));
    Backoff second = new Backoff(1_000, 60_000, new Random(977));
    java.util.List<Long> a = new java.util.ArrayList<>();
    java.util.List<Long> b = new java.util.ArrayList<>();
    for (int i = 0; i < 5; i++) {
      a.add(first.nextDelayMillis());
      b.add(second.nextDelayMillis());
    }
    assertThat(a).isNotEqualTo(b);
  }

  @Test
  void resetStartsAgainFromTheBase() {
    Backoff backoff = new Backoff(1_000, 60_000, new Random(7));
    for (int i = 0; i < 10; i++) {
      backoff.nextDelayMillis();
    }
    backoff.reset();
    assertThat(backoff.nextDelayMillis()).isBetween(500L, 1_500L);
  }

  @Test
  void manyFailuresNeverOverflow() {
    Backoff backoff = new Backoff(1_000, 3_600_000, new Random(3));
    for (int i = 0; i < 200; i++) {
      assertThat(backoff.nextDelayMillis()).isBetween(1L, 3_600_000L);
    }
  }

  @Test
  void rejectsABaseAboveTheCap() {
    assertThatThrownBy(() -> new Backoff(10, 5, new Random())).isInstanceOf(IllegalArgumentException.class);
  }
}
