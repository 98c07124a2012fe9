package dev.hlsmesh.e2e.browser;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hlsmesh.testsupport.ChromeDriver;
import dev.hlsmesh.testsupport.ReferenceTracker;
import dev.hlsmesh.testsupport.StaticFileServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A browser viewer of the mixed-swarm tests: headless Chromium playing the web player example
 * (web/example/index.html: hls.js with p2p-media-loader as npm ships them, and the segment
 * integrity module) from a {@link StaticFileServer}, with the test's instrumentation
 * ({@code browser/instrument.js}) recording every fragment it played (size and SHA-256), the
 * bytes it exchanged with each peer, stalls, startup and live latency.
 *
 * <p>One caller thread at a time.
 */
final class BrowserViewer implements AutoCloseable {
  /**
   * Chromium hides host candidates behind mDNS names (.local) by default, which the Java peers
   * cannot resolve: this makes it offer the host's address, as webrtc-java does. Autoplay
   * without a gesture: nobody clicks in a test.
   */
  static final List<String> WEBRTC_ARGS = List.of("--disable-features=WebRtcHideLocalIpsWithMdns",
      "--autoplay-policy=no-user-gesture-required", "--mute-audio");

  private final ChromeDriver chrome;
  private final String name;

  private BrowserViewer(ChromeDriver chrome, String name) {
    this.chrome = chrome;
    this.name = name;
  }

  /** The server of the page and the packages: /web/ and /node_modules/ of this repository. */
  static StaticFileServer pageServer() {
    Path interop = ReferenceTracker.interopDir();
    Path root = interop.getParent();
    return StaticFileServer.start(Map.of("/web/", root.resolve("web"), "/node_modules/", interop.resolve("node_modules")));
  }

  /**
   * Opens the example page in a new Chromium.
   *
   * @param recipe the recipe's live settings, or (false) p2p-media-loader's and hls.js's defaults
   * @param publicKeys trusted sidecar keys (key id to base64 SPKI); empty: no checks
   */
  static BrowserViewer open(String name, StaticFileServer pages, Path profile, URI master, URI tracker,
      Map<String, String> publicKeys, boolean recipe) throws IOException {
    return open(name, pages, profile, master, tracker, publicKeys, recipe ? null : "defaults");
  }

  /**
   * Opens the example page in a new Chromium with its {@code p2p} parameter: null for the
   * recipe, {@code "defaults"} for p2p-media-loader's defaults, {@code "off"} for hls.js alone.
   */
  static BrowserViewer open(String name, StaticFileServer pages, Path profile, URI master, URI tracker,
      Map<String, String> publicKeys, String p2p) throws IOException {
    Map<String, String> query = new LinkedHashMap<>();
    query.put("src", master.toString());
    query.put("tracker", tracker.toString());
    if (!publicKeys.isEmpty()) {
      query.put("keys", publicKeys.entrySet().stream().map(e -> e.getKey() + ":" + e.getValue())
          .collect(Collectors.joining(",")));
    }
    if (p2p != null) {
      query.put("p2p", p2p);
    }
    String search = query.entrySet().stream()
        .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
    ChromeDriver chrome = ChromeDriver.start(profile, 640, 480, WEBRTC_ARGS);
    try {
      chrome.addScriptOnNewDocument(instrumentation());
      chrome.open(pages.uri("/web/example/index.html?" + search));
    } catch (IOException | RuntimeException e) {
      chrome.close();
      throw e;
    }
    return new BrowserViewer(chrome, name);
  }

  private static String instrumentation() {
    try (InputStream in = BrowserViewer.class.getResourceAsStream("/browser/instrument.js")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String name() {
    return name;
  }

  /** What the instrumentation recorded so far (window.hlsmeshTest). */
  JsonNode report() throws IOException {
    return chrome.execute("return window.hlsmeshTest;");
  }

  /** The integrity module's counters, or null when the page checks nothing. */
  JsonNode integrityStats() throws IOException {
    return chrome.execute("return window.hlsmeshIntegrity ? window.hlsmeshIntegrity.stats() : null;");
  }

  /** Console lines since the last call, for failure messages. */
  List<String> console() {
    try {
      return chrome.consoleLog();
    } catch (IOException e) {
      return List.of("(console unavailable: " + e.getMessage() + ")");
    }
  }

  @Override
  public void close() {
    chrome.close();
  }
}
