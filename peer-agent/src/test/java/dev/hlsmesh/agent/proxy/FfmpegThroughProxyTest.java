package dev.hlsmesh.agent.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hlsmesh.agent.delivery.CdnSegmentLoader;
import dev.hlsmesh.agent.stats.AgentStats;
import dev.hlsmesh.cdn.CdnConfig;
import dev.hlsmesh.cdn.fetch.CdnFetcher;
import dev.hlsmesh.testsupport.LiveHlsOrigin;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Any HLS player works through the proxy: ffprobe and ffmpeg (Debian's, installed by
 * bin/setup) read and decode the live test origin's two-variant stream through it without a
 * single error. Skipped, saying why, only when ffmpeg is not installed.
 */
class FfmpegThroughProxyTest {
  private LiveHlsOrigin origin;
  private CdnFetcher fetcher;
  private CdnSegmentLoader loader;
  private final AgentStats stats = new AgentStats();
  private HlsProxy proxy;

  @TempDir
  Path temp;

  @BeforeEach
  void start() {
    assumeTrue(onPath("ffmpeg") && onPath("ffprobe"), "ffmpeg/ffprobe not installed (run bin/setup): proxy decode test skipped");
    origin = LiveHlsOrigin.start();
    fetcher = CdnFetcher.create(CdnConfig.defaults());
    loader = new CdnSegmentLoader(fetcher, stats, 10_000, 8 << 20);
    proxy = HlsProxy.start(origin.masterPlaylistUri(), fetcher, loader, stats, ProxySettings.defaults());
  }

  @AfterEach
  void stop() {
    if (proxy != null) {
      proxy.close();
      loader.close();
      fetcher.close();
      origin.close();
    }
  }

  @Test
  void ffprobeReadsBothVariantsThroughTheProxy() throws Exception {
    Result result = run("ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0",
        proxy.playlistUri().toString());

    assertThat(result.stderr).as("ffprobe errors").isEmpty();
    assertThat(result.exitCode).isZero();
    assertThat(result.stdout.lines().map(String::strip).toList()).contains("h264", "aac");
    assertThat(stats.snapshot().cdnSegments()).as("segments went through the proxy's loader").isPositive();
  }

  @Test
  void ffmpegDecodesSixSecondsOfTheLiveStreamThroughTheProxyWithoutAnError() throws Exception {
    Result result = run("ffmpeg", "-nostdin", "-v", "error", "-i", proxy.playlistUri().toString(),
        "-t", "6", "-f", "null", "-");

    assertThat(result.stderr).as("ffmpeg errors").isEmpty();
    assertThat(result.exitCode).isZero();
    assertThat(stats.snapshot().cdnSegments()).isGreaterThanOrEqualTo(3);
    // What the proxy tells of a real player: startup up to its first segment, and its latency
    // behind live (the origin's playlists carry no date-times: the distance to the live edge).
    assertThat(stats.snapshot().startupMillis()).as("startup").isBetween(0L, 30_000L);
    assertThat(stats.snapshot().liveLatencyMillis()).as("live latency").isBetween(0L, 60_000L);
  }

  private record Result(int exitCode, String stdout, String stderr) {
  }

  private Result run(String... command) throws IOException, InterruptedException {
    File out = temp.resolve("stdout").toFile();
    File err = temp.resolve("stderr").toFile();
    Process process = new ProcessBuilder(command).redirectOutput(out).redirectError(err).start();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError(String.join(" ", command) + " did not finish within 120 s; stderr: "
          + Files.readString(err.toPath(), StandardCharsets.UTF_8));
    }
    return new Result(process.exitValue(), Files.readString(out.toPath(), StandardCharsets.UTF_8),
        Files.readString(err.toPath(), StandardCharsets.UTF_8));
  }

  private static boolean onPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    List<String> dirs = new ArrayList<>(List.of(path.split(File.pathSeparator)));
    return dirs.stream().anyMatch(dir -> Files.isExecutable(Path.of(dir, program)));
  }
}
