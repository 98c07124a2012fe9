package dev.hlsmesh.tracker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * WebSocket upgrade requests over a plain socket, to see the tracker's HTTP answer (status,
 * headers, body) to a refused handshake, which WebSocket clients hide.
 */
final class RawHttp {
  private RawHttp() {}

  /** The status line, headers and body the tracker answered, as one string. */
  record Answer(int status, String text) {}

  /** Sends an upgrade request for {@code pathAndQuery}, with an Origin header unless null. */
  static Answer upgrade(Tracker tracker, String pathAndQuery, String origin) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", tracker.port()), 10_000);
      socket.setSoTimeout(10_000);
      String request = "GET " + pathAndQuery + " HTTP/1.1\r\n"
          + "Host: 127.0.0.1:" + tracker.port() + "\r\n"
          + "Upgrade: websocket\r\n"
          + "Connection: Upgrade\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          + "Sec-WebSocket-Version: 13\r\n"
          + (origin == null ? "" : "Origin: " + origin + "\r\n")
          + "\r\n";
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      String text = readAnswer(socket.getInputStream());
      int status = Integer.parseInt(text.substring(9, 12));
      return new Answer(status, text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads the headers, and the body when a Content-Length says how long it is. */
  private static String readAnswer(InputStream in) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != -1) {
      bytes.write(b);
      String sofar = bytes.toString(StandardCharsets.ISO_8859_1);
      int end = sofar.indexOf("\r\n\r\n");
      if (end >= 0) {
        int length = contentLength(sofar.substring(0, end));
        byte[] body = in.readNBytes(length);
        return sofar + new String(body, StandardCharsets.UTF_8);
      }
    }
    return bytes.toString(StandardCharsets.ISO_8859_1);
  }

  private static int contentLength(String headers) {
    for (String line : headers.split("\r\n")) {
      if (line.regionMatches(true, 0, "content-length:", 0, 15)) {
        return Integer.parseInt(line.substring(15).strip());
      }
    }
    return 0;
  }
}
