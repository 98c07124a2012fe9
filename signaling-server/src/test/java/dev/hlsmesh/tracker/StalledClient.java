package dev.hlsmesh.tracker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * A WebSocket client over a plain socket with a tiny receive buffer that sends what the test
 * asks and reads nothing after the handshake: the client that stops reading its socket.
 */
final class StalledClient implements AutoCloseable {
  private final Socket socket;

  private StalledClient(Socket socket) {
    this.socket = socket;
  }

  static StalledClient connect(Tracker tracker) {
    Socket socket = new Socket();
    try {
      socket.setReceiveBufferSize(4096);
      socket.connect(new InetSocketAddress("127.0.0.1", tracker.port()), 10_000);
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
          + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      // Read exactly the handshake answer, nothing after it.
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
        int b = in.read();
        if (b < 0) {
          throw new IOException("closed during the handshake: " + head);
        }
        head.write(b);
      }
      if (!head.toString(StandardCharsets.ISO_8859_1).startsWith("HTTP/1.1 101")) {
        throw new IOException("handshake refused: " + head);
      }
    } catch (IOException e) {
      try {
        socket.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw new UncheckedIOException(e);
    }
    return new StalledClient(socket);
  }

  /** Sends one masked text frame (mask key 0, so the payload bytes are sent as they are). */
  void sendText(String text) {
    byte[] payload = text.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream frame = new ByteArrayOutputStream();
    frame.write(0x81);
    if (payload.length < 126) {
      frame.write(0x80 | payload.length);
    } else {
      frame.write(0x80 | 126);
      frame.write(payload.length >>> 8);
      frame.write(payload.length & 0xff);
    }
    frame.writeBytes(new byte[4]);
    frame.writeBytes(payload);
    try {
      socket.getOutputStream().write(frame.toByteArray());
      socket.getOutputStream().flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reads (and discards) everything the server had queued until it closes the connection.
   *
   * @return true if the server closed it (end of stream or reset) within the socket timeout
   */
  boolean drainUntilClosedByServer() {
    byte[] buffer = new byte[64 * 1024];
    try {
      InputStream in = socket.getInputStream();
      while (in.read(buffer) >= 0) {
        // discard
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (SocketException e) {
      return true; // connection reset: the server closed with unread data
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
