package dev.hlsmesh.tracker.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code interop/check-report-compat.mjs}: the reference bittorrent-tracker server answers
 * announces that carry our viewer report ({@code x_hlsmesh}) exactly as it answers any announce,
 * so agents may send reports to standard WebTorrent trackers. Needs node and
 * {@code interop/node_modules} (installed by {@code bin/setup}); skipped, with that reason, only
 * when node is not installed.
 */
class ReferenceTrackerReportCompatTest {
  private static final long CHECK_TIMEOUT_SECONDS = 120;

  @Test
  void bittorrentTrackerAnswersAnnouncesWithReportsNormally(@TempDir Path tmp) throws Exception {
    assumeTrue(nodeInstalled(), "node is not installed (bash bin/setup installs it): "
        + "the bittorrent-tracker report compatibility check cannot run");
    Path repo = repositoryRoot();
    assertThat(repo.resolve("interop/node_modules/bittorrent-tracker"))
        .as("the reference bittorrent-tracker package: run bash bin/setup")
        .isDirectory();
    Path output = tmp.resolve("check-report-compat.out");

    Process check = new ProcessBuilder("node", "interop/check-report-compat.mjs")
        .directory(repo.toFile())
        .redirectErrorStream(true)
        .redirectOutput(output.toFile())
        .start();
    boolean exited = check.waitFor(CHECK_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    if (!exited) {
      check.destroyForcibly().waitFor();
    }
    String report = Files.readString(output, StandardCharsets.UTF_8);
    assertThat(exited).as("check-report-compat.mjs finished within %d s:%n%s",
        CHECK_TIMEOUT_SECONDS, report).isTrue();
    assertThat(check.exitValue()).as("check-report-compat.mjs exit status:%n%s", report).isZero();
    assertThat(report).contains("report compatibility checks passed");
  }

  private static boolean nodeInstalled() throws InterruptedException {
    try {
      Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    }
  }

  /** Surefire runs in the module directory; the script sits in the repository's interop/. */
  private static Path repositoryRoot() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("interop/check-report-compat.mjs"))) {
        return dir;
      }
    }
    throw new IllegalStateException(
        "interop/check-report-compat.mjs not found above " + Path.of("").toAbsolutePath());
  }
}
