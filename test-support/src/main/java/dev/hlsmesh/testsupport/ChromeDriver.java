package dev.hlsmesh.testsupport;

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
 * a page, run a script in it (a returned promise is awaited), add a script that runs before
 * every page's own, read the browser console and take a screenshot. Each instance is its own
 * Chromium process with a fresh user-data dir, started with the flags a root user on a quiet
 * machine needs ({@link #BASE_ARGS}) plus the caller's.
 *
 * <p>Used by the tracker dashboard's test and the browser viewers of the mixed-swarm tests.
 * Thread-safe for one caller at a time (each command is one blocking HTTP request).
 */
public final class ChromeDriver implements AutoCloseable {
  /**
   * Always passed: headless, no sandbox (tests run as root), no GPU, no QUIC, and none of
   * Chromium's own background traffic (first-run, component updates, sync, background
   * networking), so that nothing but the test's pages talks to the network.
   */
  public static final List<String> BASE_ARGS = List.of("--headless", "--no-sandbox", "--disable-gpu",
      "--disable-dev-shm-usage", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync");
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
  public static Optional<String> unavailableReason() {
    if (chromium().isEmpty() || findOnPath("chromedriver").isEmpty()) {
      return Optional.of("chromium or chromedriver is not installed (bash bin/setup installs the"
          + " Debian packages chromium and chromium-driver): browser tests cannot run");
    }
    return Optional.empty();
  }

  /**
   * Why a browser test should be skipped here (Chromium is missing), or empty to run it. Under
   * {@code CI=true} a missing browser is a failure instead: CI runs {@code bin/setup}, which
   * installs it. Use: {@code skipReason().ifPresent(r -> assumeTrue(false, r))}.
   *
   * @throws IllegalStateException under CI=true when Chromium is missing
   */
  public static Optional<String> skipReason() {
    Optional<String> unavailable = unavailableReason();
    if (unavailable.isPresent() && "true".equals(System.getenv("CI"))) {
      throw new IllegalStateException("CI=true but " + unavailable.get());
    }
    return unavailable;
  }

  /** Starts chromedriver on a free port and a headless Chromium session. */
  public static ChromeDriver start(Path userDataDir, int width, int height) throws IOException {
    return start(userDataDir, width, height, List.of());
  }

  /**
   * Starts chromedriver on a free port and a headless Chromium session with {@link #BASE_ARGS}
   * and {@code extraArgs} (e.g. {@code --disable-features=...}).
   */
  public static ChromeDriver start(Path userDataDir, int width, int height, List<String> extraArgs)
      throws IOException {
    // chromedriver picks its IPv4 port itself and then binds IPv6 to the same number, which can
    // collide with another process's port on a busy machine: it then exits. A fresh process
    // gets a fresh port, so a start is tried a few times before the test fails.
    IOException failure = null;
    for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
      try {
        return startOnce(userDataDir, width, height, extraArgs);
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

  private static ChromeDriver startOnce(Path userDataDir, int width, int height,
      List<String> extraArgs) throws IOException {
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
      chrome.newSession(userDataDir, width, height, extraArgs);
    } catch (IOException | RuntimeException e) {
      chrome.close();
      throw e;
    }
    return chrome;
  }

  private void newSession(Path userDataDir, int width, int height, List<String> extraArgs)
      throws IOException {
    ObjectNode options = JSON.createObjectNode();
    options.put("binary", chromium().orElseThrow().toString());
    var args = options.putArray("args");
    BASE_ARGS.forEach(args::add);
    args.add("--user-data-dir=" + userDataDir.toAbsolutePath())
        .add("--window-size=" + width + "," + height);
    extraArgs.forEach(args::add);
    ObjectNode body = JSON.createObjectNode();
    ObjectNode capabilities = body.putObject("capabilities").putObject("alwaysMatch")
        .put("browserName", "chrome");
    capabilities.set("goog:chromeOptions", options);
    capabilities.putObject("goog:loggingPrefs").put("browser", "ALL");
    sessionId = command("POST", "session", body).get("sessionId").asText();
  }

  /** Opens {@code url} and waits for its load event (WebDriver's default page-load strategy). */
  public void open(URI url) throws IOException {
    ObjectNode body = JSON.createObjectNode().put("url", url.toString());
    command("POST", "session/" + sessionId + "/url", body);
  }

  /**
   * Runs {@code script} (a function body; {@code return} gives the result, and a returned
   * promise is awaited) in the page.
   */
  public JsonNode execute(String script) throws IOException {
    ObjectNode body = JSON.createObjectNode().put("script", script);
    body.putArray("args");
    return command("POST", "session/" + sessionId + "/execute/sync", body);
  }

  /**
   * Makes {@code source} run in every page opened from now on, before the page's own scripts
   * (DevTools {@code Page.addScriptToEvaluateOnNewDocument}): a test's instrumentation sees
   * everything the page does from its start.
   */
  public void addScriptOnNewDocument(String source) throws IOException {
    ObjectNode body = JSON.createObjectNode().put("cmd", "Page.addScriptToEvaluateOnNewDocument");
    body.putObject("params").put("source", source);
    command("POST", "session/" + sessionId + "/goog/cdp/execute", body);
  }

  /**
   * The browser console messages since the last call (level and text per line), for a failing
   * test's message.
   */
  public List<String> consoleLog() throws IOException {
    ObjectNode body = JSON.createObjectNode().put("type", "browser");
    List<String> lines = new ArrayList<>();
    for (JsonNode entry : command("POST", "session/" + sessionId + "/se/log", body)) {
      lines.add(entry.path("level").asText() + " " + entry.path("message").asText());
    }
    return lines;
  }

  /** The viewport as PNG bytes. */
  public byte[] screenshot() throws IOException {
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
