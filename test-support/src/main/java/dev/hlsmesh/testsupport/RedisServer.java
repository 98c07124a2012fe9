package dev.hlsmesh.testsupport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} (Debian's, installed by bin/setup) for tests, on a free loopback
 * port, without persistence. Never a system Redis service: each test starts its own. It can be
 * stopped and started again on the same port (a Redis restart). Not thread-safe: one test
 * thread drives it.
 */
public final class RedisServer implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(15);

  private final int port;
  private final Path logFile;
  private Process process;

  private RedisServer(int port, Path logFile) {
    this.port = port;
    this.logFile = logFile;
  }

  /**
   * Starts {@code redis-server} on a free port and waits until it answers PING.
   *
   * @throws IllegalStateException if it is not installed (run bin/setup) or does not start
   */
  public static RedisServer start() {
    IllegalStateException last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      RedisServer server;
      try {
        server = new RedisServer(freePort(), Files.createTempFile("redis-test-", ".log"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      try {
        server.startProcess();
        return server;
      } catch (IllegalStateException e) {
        // Another process may have taken the port between our probe and Redis' bind.
        server.close();
        last = e;
      }
    }
    throw last;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private void startProcess() {
    List<String> command = List.of("redis-server", "--port", Integer.toString(port),
        "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no",
        "--logfile", logFile.toString());
    try {
      process = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot run redis-server (" + e.getMessage()
          + "): install it with bin/setup (Debian package redis-server)", e);
    }
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("redis-server exited with " + process.exitValue()
            + " on port " + port + ": " + log());
      }
      if (ping()) {
        return;
      }
      try {
        process.waitFor(50, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while starting redis-server", e);
      }
    }
    throw new IllegalStateException("redis-server did not answer PING on port " + port
        + " within " + START_TIMEOUT.toSeconds() + " s: " + log());
  }

  private boolean ping() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
      socket.setSoTimeout(1_000);
      OutputStream out = socket.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String line = new BufferedReader(new InputStreamReader(socket.getInputStream(),
          StandardCharsets.US_ASCII)).readLine();
      return "+PONG".equals(line);
    } catch (IOException e) {
      return false;
    }
  }

  private String log() {
    try {
      String text = Files.readString(logFile, StandardCharsets.UTF_8);
      return text.length() > 2_000 ? text.substring(text.length() - 2_000) : text;
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** The port it listens on (the same across restarts). */
  public int port() {
    return port;
  }

  /** {@code redis://127.0.0.1:<port>}. */
  public String uri() {
    return "redis://127.0.0.1:" + port;
  }

  /** Kills the server (SIGKILL: no goodbye to its clients) and waits for it to exit. */
  public void kill() {
    if (process != null) {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      process = null;
    }
  }

  /** Starts it again on the same port, empty (no persistence). */
  public void restart() {
    kill();
    startProcess();
  }

  @Override
  public void close() {
    kill();
    try {
      Files.deleteIfExists(logFile);
    } catch (IOException e) {
      // A temporary file: the OS cleans it up eventually.
    }
  }
}
