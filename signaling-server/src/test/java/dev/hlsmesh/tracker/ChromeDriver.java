package dev.hlsmesh.tracker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.File;
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
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Headless Chromium driven through chromedriver's W3C WebDriver HTTP API (Debian packages
 * {@code chromium} and {@code chromium-driver}, installed by {@code bin/setup}): enough to open
 * a page, run a script in it and take a screenshot. Each instance has a fresh user-data dir.
 */
final class ChromeDriver implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern STARTED = Pattern.compile("started successfully on port (\\d+)");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final int START_ATTEMPTS = 3;
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(120);

  private final Process driver;
  private final URI base;
  private final HttpClient http = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(10)).build();
  private String sessionId;

  private ChromeDriver(Process driver, int port) {
    this.driver = driver;
    this.base = URI.create("http://127.0.0.1:" + port + "/");
  }

  /** Why Chromium cannot be driven here, or empty if it can. */
  static Optional<String> unavailableReason() {
    if (chromium().isEmpty() || findOnPath("chromedriver").isEmpty()) {
      return Optional.of("chromium or chromedriver is not installed (bash bin/setup installs the"
          + " Debian packages chromium and chromium-driver): the dashboard browser test cannot run");
    }
    return Optional.empty();
  }

  /** Starts chromedriver on a free port and a headless Chromium session. */
  static ChromeDriver start(Path userDataDir, int width, int height) throws IOException {
    // chromedriver picks its IPv4 port itself and then binds IPv6 to the same number, which can
    // collide with another process's port on a busy machine: it then exits. A fresh process
    // gets a fresh port, so a start is tried a few times before the test fails.
    IOException failure = null;
    for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
      try {
        return startOnce(userDataDir, width, height);
      } catch (IOException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    throw failure;
  }

  private static ChromeDriver startOnce(Path userDataDir, int width, int height)
      throws IOException {
    Process process = new ProcessBuilder(findOnPath("chromedriver").orElseThrow().toString(),
        "--port=0")
        .redirectErrorStream(true)
        .start();
    BufferedReader out = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    List<String> startOutput = Collections.synchronizedList(new ArrayList<>());
    CompletableFuture<Integer> port = CompletableFuture.supplyAsync(() -> {
      try {
        String line;
        while ((line = out.readLine()) != null) {
          startOutput.add(line);
          Matcher m = STARTED.matcher(line);
          if (m.find()) {
            return Integer.parseInt(m.group(1));
          }
        }
        return -1;
      } catch (IOException e) {
        return -1;
      }
    });
    int bound;
    try {
      bound = port.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (Exception e) {
      process.destroyForcibly();
      throw new IOException("chromedriver did not report its port within " + START_TIMEOUT
          + "; its output: " + startOutput, e);
    }
    if (bound < 0) {
      process.destroyForcibly();
      throw new IOException("chromedriver exited before listening; its output: " + startOutput);
    }
    // Keep draining its output so that it never blocks on a full pipe.
    CompletableFuture.runAsync(() -> {
      try {
        while (out.readLine() != null) {
          // discard
        }
      } catch (IOException ignored) {
        // the process ended
      }
    });
    ChromeDriver chrome = new ChromeDriver(process, bound);
    try {
      chrome.newSession(userDataDir, width, height);
    } catch (IOException | RuntimeException e) {
      chrome.close();
      throw e;
    }
    return chrome;
  }

  private void newSession(Path userDataDir, int width, int height) throws IOException {
    ObjectNode options = JSON.createObjectNode();
    options.put("binary", chromium().orElseThrow().toString());
    options.putArray("args")
        .add("--headless")
        .add("--no-sandbox")
        .add("--disable-gpu")
        .add("--disable-dev-shm-usage")
        .add("--user-data-dir=" + userDataDir.toAbsolutePath())
        .add("--window-size=" + width + "," + height);
    ObjectNode body = JSON.createObjectNode();
    body.putObject("capabilities").putObject("alwaysMatch")
        .put("browserName", "chrome")
        .set("goog:chromeOptions", options);
    sessionId = command("POST", "session", body).get("sessionId").asText();
  }

  /** Opens {@code url} and waits for its load event (WebDriver's default page-load strategy). */
  void open(URI url) throws IOException {
    ObjectNode body = JSON.createObjectNode().put("url", url.toString());
    command("POST", "session/" + sessionId + "/url", body);
  }

  /** Runs {@code script} (a function body; {@code return} gives the result) in the page. */
  JsonNode execute(String script) throws IOException {
    ObjectNode body = JSON.createObjectNode().put("script", script);
    body.putArray("args");
    return command("POST", "session/" + sessionId + "/execute/sync", body);
  }

  /** The viewport as PNG bytes. */
  byte[] screenshot() throws IOException {
    return Base64.getDecoder().decode(
        command("GET", "session/" + sessionId + "/screenshot", null).asText());
  }

  private JsonNode command(String method, String path, JsonNode body) throws IOException {
    HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path))
        .timeout(COMMAND_TIMEOUT)
        .header("Content-Type", "application/json; charset=utf-8");
    request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted during " + method + " " + path, e);
    }
    JsonNode reply = JSON.readTree(response.body());
    if (response.statusCode() != 200) {
      throw new IOException("WebDriver " + method + " " + path + " failed with HTTP "
          + response.statusCode() + ": " + response.body());
    }
    return reply.get("value");
  }

  @Override
  public void close() {
    try {
      if (sessionId != null) {
        command("DELETE", "session/" + sessionId, null);
      }
    } catch (IOException | UncheckedIOException e) {
      // Chromium dies with chromedriver below anyway.
    } finally {
      driver.destroy();
      try {
        if (!driver.waitFor(10, TimeUnit.SECONDS)) {
          driver.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        driver.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  private static Optional<Path> chromium() {
    for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
      Optional<Path> found = findOnPath(name);
      if (found.isPresent()) {
        return found;
      }
    }
    return Optional.empty();
  }

  private static Optional<Path> findOnPath(String name) {
    List<String> dirs = new ArrayList<>(
        List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
    dirs.add("/usr/bin");
    for (String dir : dirs) {
      Path candidate = Path.of(dir, name);
      if (!dir.isEmpty() && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }
}
