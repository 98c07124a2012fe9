package dev.hlsmesh.tracker.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hlsmesh.protocol.tracker.TrackerCodec;
import dev.hlsmesh.tracker.config.TrackerConfig;
import dev.hlsmesh.tracker.session.TrackerContext;
import dev.hlsmesh.tracker.stats.RateLimitedLog;
import dev.hlsmesh.tracker.stats.TrackerStats;
import dev.hlsmesh.tracker.swarm.LocalSwarmRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** {@code /healthz} fails while an event loop cannot run tasks, and recovers after. */
class HealthzTest {
  private static final int SOCKET_TIMEOUT_MILLIS = 30_000;

  private static TrackerServer startServer() {
    TrackerConfig config = TrackerConfig.builder().host("127.0.0.1").port(0).ioThreads(1).build();
    Clock clock = Clock.systemUTC();
    TrackerContext context = new TrackerContext(config,
        new LocalSwarmRegistry(10, 10, 180_000, 120_000, 16, new SplittableRandom(1)),
        new TrackerCodec(), new TrackerStats(),
        new RateLimitedLog(LoggerFactory.getLogger(HealthzTest.class), clock, 10), clock);
    return TrackerServer.start(context);
  }

  @Test
  void healthzIs503WhileTheAcceptorLoopIsBlockedAnd200Again() throws Exception {
    TrackerServer server = startServer();
    CountDownLatch blocked = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try (Socket socket = new Socket("127.0.0.1", server.address().getPort())) {
      socket.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
      // Accepted and served by the I/O loop before the acceptor is blocked.
      assertThat(get(socket, "/healthz")).startsWith("HTTP/1.1 200 ");

      server.acceptorGroup().execute(() -> {
        blocked.countDown();
        try {
          release.await(SOCKET_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      assertThat(blocked.await(SOCKET_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)).isTrue();

      String stalled = get(socket, "/healthz");
      assertThat(stalled).startsWith("HTTP/1.1 503 ")
          .endsWith("{\"status\":\"an event loop did not answer within 2000 ms\"}");
      // Readiness is about accepting work, not about this probe.
      assertThat(get(socket, "/readyz")).startsWith("HTTP/1.1 200 ");

      release.countDown();
      assertThat(get(socket, "/healthz")).startsWith("HTTP/1.1 200 ")
          .endsWith("{\"status\":\"ok\",\"eventLoops\":2}");
    } finally {
      release.countDown();
      server.close();
    }
  }

  /** One keep-alive GET on {@code socket}: the status line, headers and body as text. */
  private static String get(Socket socket, String path) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    InputStream in = socket.getInputStream();
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed after: " + head);
      }
      head.write(b);
    }
    String headers = head.toString(StandardCharsets.US_ASCII);
    int length = 0;
    for (String line : headers.split("\r\n")) {
      if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring("content-length:".length()).trim());
      }
    }
    byte[] body = in.readNBytes(length);
    return headers + new String(body, StandardCharsets.UTF_8);
  }
}
