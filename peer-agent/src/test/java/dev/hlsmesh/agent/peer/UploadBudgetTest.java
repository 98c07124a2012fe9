package dev.hlsmesh.agent.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The agent-wide upload cap on a hand-stepped nanosecond clock. */
class UploadBudgetTest {
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

  @Test
  void uncappedGrantsEverythingAndCounts() {
    UploadBudget budget = UploadBudget.unlimited();
    assertThat(budget.capped()).isFalse();
    assertThat(budget.grant(65_535)).isEqualTo(65_535);
    budget.spend(65_535);
    budget.spend(10);
    assertThat(budget.uploadedBytes()).isEqualTo(65_545);
    assertThat(budget.millisUntilGranted(65_535)).isZero();
  }

  @Test
  void cappedBudgetGrantsSmallEvenChunksAtTheConfiguredRate() {
    UploadBudget budget = UploadBudget.capped(10_000, nanos::get); // burst: max(1 KiB, a tenth of a second)
    assertThat(budget.capped()).isTrue();
    assertThat(budget.grant(65_535)).isEqualTo(1_024);
    budget.spend(1_024);
    assertThat(budget.grant(65_535)).as("empty bucket: nothing, not a dribble").isZero();
    assertThat(budget.millisUntilGranted(65_535)).isEqualTo(103);
    nanos.addAndGet(102_000_000L);
    assertThat(budget.grant(65_535)).isZero();
    nanos.addAndGet(1_000_000L);
    assertThat(budget.grant(65_535)).isEqualTo(1_024);
    assertThat(budget.grant(100)).as("a short last chunk needs only its own size").isEqualTo(100);
  }

  @Test
  void overTenSecondsTheUploadStaysWithinTheCap() {
    UploadBudget budget = UploadBudget.capped(14_000, nanos::get);
    long sent = 0;
    for (int step = 0; step < 10_000; step++) { // 10 s in 1 ms steps, always wanting a full chunk
      int granted = budget.grant(65_535);
      budget.spend(granted);
      sent += granted;
      nanos.addAndGet(1_000_000L);
    }
    assertThat(sent).isBetween(140_000L - 1_400, 140_000L + 1_400);
    assertThat(budget.uploadedBytes()).isEqualTo(sent);
  }

  @Test
  void negativeCapIsRejectedWithWhatWasExpected() {
    assertThatThrownBy(() -> UploadBudget.capped(-1, nanos::get))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("bytesPerSecond: -1 (expected: >= 0, 0 = uncapped)");
  }
}
