package dev.hlsmesh.testsupport;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Serves directories of files over HTTP on 127.0.0.1 (port 0): the web pages and JavaScript
 * packages that browser tests load (for example {@code /node_modules/} mapped to
 * {@code interop/node_modules}). GET and HEAD only; a path that leaves its directory, or names a
 * directory or a missing file, answers 404. Content types for what pages load (HTML, JavaScript
 * modules, JSON, source maps). Built on the JDK's own {@code com.sun.net.httpserver}.
 *
 * <p>Thread-safe; requests are served on a small pool of its own.
 */
public final class StaticFileServer implements AutoCloseable {
  private static final Map<String, String> TYPES = Map.of(
      "html", "text/html; charset=utf-8",
      "js", "text/javascript; charset=utf-8",
      "mjs", "text/javascript; charset=utf-8",
      "json", "application/json",
      "map", "application/json",
      "css", "text/css; charset=utf-8",
      "txt", "text/plain; charset=utf-8");

  private final HttpServer server;
  private final ExecutorService pool;
  private final Map<String, Path> mounts;

  private StaticFileServer(Map<String, Path> mounts) throws IOException {
    this.mounts = mounts;
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    this.pool = Executors.newFixedThreadPool(4, runnable -> {
      Thread thread = new Thread(runnable, "static-files");
      thread.setDaemon(true);
      return thread;
    });
    server.setExecutor(pool);
    server.createContext("/", this::handle);
    server.start();
  }

  /**
   * Starts serving each directory under its URL prefix ({@code "/node_modules/"} → a
   * directory); the longest matching prefix wins.
   */
  public static StaticFileServer start(Map<String, Path> mounts) {
    Map<String, Path> checked = new LinkedHashMap<>();
    mounts.forEach((prefix, dir) -> {
      if (!prefix.startsWith("/") || !prefix.endsWith("/")) {
        throw new IllegalArgumentException("prefix '" + prefix + "' (expected: /.../)");
      }
      if (!Files.isDirectory(dir)) {
        throw new IllegalArgumentException(dir + " is not a directory");
      }
      checked.put(prefix, dir.toAbsolutePath().normalize());
    });
    try {
      return new StaticFileServer(checked);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The URL of {@code path} (absolute, e.g. {@code /web/example/index.html}) on this server. */
  public URI uri(String path) {
    Objects.requireNonNull(path, "path");
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try {
      String method = exchange.getRequestMethod();
      if (!method.equals("GET") && !method.equals("HEAD")) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      Path file = resolve(exchange.getRequestURI().getPath());
      if (file == null) {
        exchange.sendResponseHeaders(404, -1);
        return;
      }
      byte[] body = Files.readAllBytes(file);
      String name = file.getFileName().toString();
      String extension = name.substring(name.lastIndexOf('.') + 1);
      exchange.getResponseHeaders().set("Content-Type", TYPES.getOrDefault(extension, "application/octet-stream"));
      exchange.getResponseHeaders().set("Cache-Control", "no-store");
      if (method.equals("HEAD")) {
        exchange.sendResponseHeaders(200, -1);
        return;
      }
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    } finally {
      exchange.close();
    }
  }

  private Path resolve(String urlPath) {
    String best = null;
    for (String prefix : mounts.keySet()) {
      if (urlPath.startsWith(prefix) && (best == null || prefix.length() > best.length())) {
        best = prefix;
      }
    }
    if (best == null) {
      return null;
    }
    Path root = mounts.get(best);
    Path file = root.resolve(urlPath.substring(best.length())).normalize();
    if (!file.startsWith(root) || !Files.isRegularFile(file)) {
      return null;
    }
    return file;
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
  }
}
