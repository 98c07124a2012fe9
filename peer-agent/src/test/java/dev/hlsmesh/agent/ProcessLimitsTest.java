package dev.hlsmesh.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The open-files and thread check a process runs before it starts many agents. */
class ProcessLimitsTest {
  private static final String LIMITS = """
      Limit                     Soft Limit           Hard Limit           Units
      Max cpu time              unlimited            unlimited            seconds
      Max processes             96367                96367                processes
      Max open files            20000                40000                files
      Max locked memory         8388608              8388608              bytes
      """;

  @Test
  void readsTheSoftLimitOfALineAndNothingForUnlimitedOrMissingOnes() {
    assertThat(ProcessLimits.softLimit(LIMITS, "Max open files")).isEqualTo(OptionalLong.of(20_000));
    assertThat(ProcessLimits.softLimit(LIMITS, "Max processes")).isEqualTo(OptionalLong.of(96_367));
    assertThat(ProcessLimits.softLimit(LIMITS, "Max cpu time")).isEmpty();
    assertThat(ProcessLimits.softLimit(LIMITS, "Max pending signals")).isEmpty();
  }

  @Test
  void filesNeededCountTwoSocketsPerLinkForEveryPeerAndWaitingOffer() {
    // 10 peers and 10 waiting offers, 2 UDP sockets each, plus the agent's own 4.
    assertThat(ProcessLimits.filesNeeded(1, 10)).isEqualTo(44);
    assertThat(ProcessLimits.filesNeeded(50, 10)).isEqualTo(2_200);
  }

  @Test
  void tooManyAgentsForThisProcessesOpenFilesLimitAreReportedWithTheNumbersNeeded() throws Exception {
    if (!Files.isReadable(Path.of("/proc/self/limits"))) {
      assertThat(ProcessLimits.check(1_000_000, 10)).as("limits unknown off Linux").isEmpty();
      return;
    }
    long limit = ProcessLimits.softLimit(Files.readString(Path.of("/proc/self/limits")), "Max open files")
        .orElseThrow();
    int agents = (int) (limit / ProcessLimits.filesNeeded(1, 10)) + 1;

    String problem = ProcessLimits.check(agents, 10);

    assertThat(problem).startsWith(agents + " agents with up to 10 peers each need about ")
        .contains("open files (44 per agent, ", "but this process may open " + limit + " (ulimit -n)",
            "raise the limit (ulimit -n ")
        .containsPattern("or run at most \\d+ agents\\.");
    assertThat(ProcessLimits.check(1, 10)).as("one agent fits").isEmpty();
  }

  @Test
  void negativeCountsAreRefused() {
    assertThatThrownBy(() -> ProcessLimits.check(-1, 10)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("agents and maxPeers must be >= 0, got -1 and 10");
  }
}
