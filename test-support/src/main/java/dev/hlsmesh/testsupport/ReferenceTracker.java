package dev.hlsmesh.testsupport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The reference WebTorrent tracker (npm bittorrent-tracker, installed by bin/setup into
 * interop/node_modules), started as a child process on 127.0.0.1 port 0: the interop tests'
 * other tracker (agents and browser viewers must meet through it as through ours).
 */
public final class ReferenceTracker implements AutoCloseable {
  private final Process process;
  private final int port;

  private ReferenceTracker(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /** Why the reference tracker cannot run here, or empty if it can. */
  public static Optional<String> unavailableReason() {
    if (findOnPath("node").isEmpty()) {
      return Optional.of("node is not installed (bin/setup installs nodejs)");
    }
    if (!Files.isDirectory(interopDir().resolve("node_modules/bittorrent-tracker"))) {
      return Optional.of("interop/node_modules/bittorrent-tracker is missing: run bin/setup");
    }
    return Optional.empty();
  }

  /** Starts it and waits (at most 30 s) until it listens. */
  public static ReferenceTracker start() throws IOException, InterruptedException {
    Process process = new ProcessBuilder(List.of(findOnPath("node").orElseThrow().toString(),
        "bittorrent-tracker-server.mjs", "--host", "127.0.0.1", "--port", "0", "--exit-on-stdin-close"))
        .directory(interopDir().toFile())
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    BufferedReader stdout = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<String> firstLine = CompletableFuture.supplyAsync(() -> {
      try {
        return stdout.readLine();
      } catch (IOException e) {
        return null;
      }
    });
    String line;
    try {
      line = firstLine.get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      process.destroyForcibly();
      throw new IOException("bittorrent-tracker did not print its port within 30 s", e);
    }
    if (line == null) {
      process.destroyForcibly();
      throw new IOException("bittorrent-tracker exited with " + process.waitFor());
    }
    return new ReferenceTracker(process, Integer.parseInt(line.trim()));
  }

  /** Its WebSocket URL. */
  public URI url() {
    return URI.create("ws://127.0.0.1:" + port);
  }

  @Override
  public void close() throws IOException {
    process.getOutputStream().close(); // --exit-on-stdin-close: the server exits by itself
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** The repository's {@code interop} directory, found from the working directory upwards. */
  public static Path interopDir() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isDirectory(dir.resolve("interop"))) {
      dir = dir.getParent();
    }
    return dir == null ? Path.of("interop") : dir.resolve("interop");
  }

  private static Optional<Path> findOnPath(String name) {
    for (String entry : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      Path candidate = Path.of(entry, name);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }
}
