package dev.hlsmesh.tracker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The standalone tracker jar (as bin/tracker runs it) in its own JVM, for tests that kill it:
 * started with a YAML file on port 0, its output kept, its HTTP endpoints read. Closing it kills
 * it. One test thread drives it.
 */
final class TrackerProcess implements AutoCloseable {
  private static final Pattern LISTENING =
      Pattern.compile("tracker listening on ws://127\\.0\\.0\\.1:(\\d+) \\(");
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long START_SECONDS = 60;

  private final Process process;
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private int port;

  private TrackerProcess(Process process) {
    this.process = process;
  }

  /** Starts the jar with this YAML and waits until it listens. */
  static TrackerProcess start(Path dir, String name, String yaml) {
    try {
      Path config = dir.resolve(name + ".yaml");
      Files.writeString(config, yaml);
      String jar = System.getProperty("hlsmesh.trackerJar", "target/hlsmesh-tracker.jar");
      assertThat(Path.of(jar)).exists();
      List<String> command = new ArrayList<>(List.of(
          ProcessHandle.current().info().command().orElse("java"), "-Xmx192m",
          "-XX:TieredStopAtLevel=1", "-jar", jar, config.toString()));
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
      builder.environment().put("TRACKER_HOST", "127.0.0.1");
      builder.environment().put("TRACKER_PORT", "0");
      TrackerProcess tracker = new TrackerProcess(builder.start());
      tracker.readOutput(name);
      String started = tracker.awaitLine("tracker listening on", Duration.ofSeconds(START_SECONDS));
      assertThat(started).as(tracker.output()).isNotNull();
      Matcher m = LISTENING.matcher(started);
      assertThat(m.find()).as(started).isTrue();
      tracker.port = Integer.parseInt(m.group(1));
      return tracker;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void readOutput(String name) {
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
    }, "tracker-output-" + name);
    reader.setDaemon(true);
    reader.start();
  }

  /** The first output line containing {@code text}, awaited with a bound. */
  String awaitLine(String text, Duration bound) {
    try {
      return await().atMost(bound).pollInterval(Duration.ofMillis(20))
          .until(() -> firstLine(text), line -> line != null || !process.isAlive());
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("no line containing '" + text + "' within " + bound + " in:\n"
          + String.join("\n", lines), e);
    }
  }

  private String firstLine(String text) {
    for (String line : lines) {
      if (line.contains(text)) {
        return line;
      }
    }
    return null;
  }

  /** The output so far. */
  String output() {
    return String.join("\n", lines);
  }

  int port() {
    return port;
  }

  URI webSocketUri() {
    return URI.create("ws://127.0.0.1:" + port + "/");
  }

  String get(String path) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  JsonNode stats() {
    try {
      return JSON.readTree(get("/stats"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** SIGKILL: no goodbye to Redis or to the clients. */
  void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    kill();
  }
}
