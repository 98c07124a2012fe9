package dev.hlsmesh.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hlsmesh.testsupport.WebSocketTestClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The standalone tracker as bin/tracker runs it: the shaded jar in its own JVM, started on the
 * defaults (with TRACKER_HOST/TRACKER_PORT), stopped by SIGTERM, refusing a bad configuration.
 */
class StandaloneTrackerIT {
  private static final Pattern LISTENING =
      Pattern.compile("tracker listening on ws://127\\.0\\.0\\.1:(\\d+) \\(");
  private static final long TIMEOUT_SECONDS = 60;

  private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final List<String> seen = new ArrayList<>();
  private Process process;

  @AfterEach
  void stop() {
    if (process != null) {
      process.destroyForcibly();
    }
  }

  private Process launch(List<String> args) throws IOException {
    String jar = System.getProperty("hlsmesh.trackerJar", "target/hlsmesh-tracker.jar");
    assertThat(Path.of(jar)).exists();
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("-Xmx256m");
    command.add("-jar");
    command.add(jar);
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("TRACKER_HOST", "127.0.0.1");
    builder.environment().put("TRACKER_PORT", "0");
    process = builder.start();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          lines.add(line);
        }
      } catch (IOException e) {
        lines.add("(output closed: " + e + ")");
      }
    }, "tracker-output");
    reader.setDaemon(true);
    reader.start();
    return process;
  }

  /** Returns the first output line containing {@code text}, waiting for it with a bound. */
  private String awaitLine(String text) throws InterruptedException {
    for (String line : seen) {
      if (line.contains(text)) {
        return line;
      }
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
    while (System.nanoTime() < deadline) {
      String line = lines.poll(100, TimeUnit.MILLISECONDS);
      if (line != null) {
        seen.add(line);
        if (line.contains(text)) {
          return line;
        }
      }
    }
    throw new AssertionError("no line containing '" + text + "' in " + seen);
  }

  @Test
  void startsOnTheDefaultsServesAndStopsGracefullyOnSigterm() throws Exception {
    launch(List.of());
    String started = awaitLine("tracker listening on");
    Matcher m = LISTENING.matcher(started);
    assertThat(m.find()).as(started).isTrue();
    assertThat(started).contains("max message 65536 B", "max offers/announce 10");
    URI uri = URI.create("ws://127.0.0.1:" + m.group(1) + "/announce");

    try (WebSocketTestClient client = WebSocketTestClient.connect(uri)) {
      client.send("{\"action\":\"announce\",\"event\":\"started\",\"numwant\":5,"
          + "\"info_hash\":\"D2L6qLdcAO0vh07WoiT4\",\"peer_id\":\"-PM0203-zw9unGhwyu7J\","
          + "\"offers\":[]}");
      assertThat(client.nextText()).isEqualTo("{\"action\":\"announce\","
          + "\"info_hash\":\"D2L6qLdcAO0vh07WoiT4\",\"complete\":0,\"incomplete\":1,"
          + "\"interval\":120}");
      // The shaded jar carries the metrics library and the dashboard page.
      HttpClient http = HttpClient.newHttpClient();
      URI base = URI.create("http://127.0.0.1:" + m.group(1));
      HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(base.resolve("/metrics"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.body()).contains("hlsmesh_tracker_peers 1.0", "jvm_threads_current");
      HttpResponse<String> dashboard = http.send(HttpRequest.newBuilder(
          base.resolve("/dashboard")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(dashboard.body()).contains("<title>hlsmesh tracker</title>");

      // SIGTERM, through the handle: Process.destroy() would also close our end of its output.
      assertThat(process.toHandle().destroy()).isTrue();

      assertThat(client.awaitClose())
          .isEqualTo(new WebSocketTestClient.Close(1001, "tracker shutting down"));
    }
    assertThat(process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
    awaitLine("stopped");
  }

  @Test
  void aBadConfigurationExitsWithStatus2AndListsEveryProblem(@TempDir Path dir)
      throws Exception {
    Path config = dir.resolve("tracker.yaml");
    Files.writeString(config, "tracker:\n  maxOffersPerAnnounce: 0\n  colour: blue\n");

    launch(List.of(config.toString()));

    assertThat(process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).isEqualTo(2);
    awaitLine("tracker.maxOffersPerAnnounce: 0 (expected: 1..50)");
    awaitLine("tracker.colour: unknown key");
  }
}
