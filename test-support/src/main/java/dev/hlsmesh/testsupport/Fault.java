package dev.hlsmesh.testsupport;

import java.time.Duration;
import java.util.Objects;

/**
 * A misbehaviour {@link LiveHlsOrigin} can be told to show on matching requests (see
 * {@link LiveHlsOrigin#inject(String, Fault)}). Each fault is one way a real CDN fails a
 * client; delays are in real (wall-clock) time, because they model the network, whereas the
 * live window moves on the origin's injected clock.
 *
 * <p>Faults that concern the body apply to the body the request would have had (the requested
 * range for a Range request).
 */
public sealed interface Fault {

  /** Answer with this status and a short text body instead of the resource (e.g. 503, 404). */
  static Fault status(int statusCode) {
    return new Status(statusCode);
  }

  /** Send nothing until {@code delay} has passed, then answer normally. */
  static Fault slowFirstByte(Duration delay) {
    return new SlowFirstByte(delay);
  }

  /**
   * Send the headers at once, then the body {@code chunkBytes} at a time, one chunk per
   * {@code interval}, starting with a chunk right after the headers.
   */
  static Fault slowBody(int chunkBytes, Duration interval) {
    return new SlowBody(chunkBytes, interval);
  }

  /** Read the request and never answer; the connection stays open until the client gives up. */
  static Fault stall() {
    return new Stall();
  }

  /**
   * Reset the TCP connection (RST) without answering. Note: java.net.http's client takes a
   * connection that dies before the first response byte for a stale one and sends a GET once
   * more, so inject this without a request limit (or with 2) to make such a client fail.
   */
  static Fault connectionReset() {
    return new ConnectionReset(-1);
  }

  /** Send the headers and the first {@code bodyBytes} of the body, then reset (RST) the connection. */
  static Fault connectionResetAfter(long bodyBytes) {
    return new ConnectionReset(bodyBytes);
  }

  /**
   * Send the right headers (full Content-Length) but only the first {@code bodyBytes} of the
   * body, then close the connection normally (FIN).
   */
  static Fault truncatedBody(long bodyBytes) {
    return new TruncatedBody(bodyBytes);
  }

  /**
   * Declare {@code Content-Length: declaredBytes}, send the whole real body, then close the
   * connection. Declared more than the body: the client sees the body end early. Declared less:
   * a client that trusts the header reads a short body and sees no error.
   */
  static Fault wrongContentLength(long declaredBytes) {
    return new WrongContentLength(declaredBytes);
  }

  /** See {@link Fault#status(int)}. */
  record Status(int statusCode) implements Fault {
    public Status {
      if (statusCode < 100 || statusCode > 599) {
        throw new IllegalArgumentException("statusCode: " + statusCode + " (expected: 100..599)");
      }
    }
  }

  /** See {@link Fault#slowFirstByte(Duration)}. */
  record SlowFirstByte(Duration delay) implements Fault {
    public SlowFirstByte {
      requireNonNegative(delay, "delay");
    }
  }

  /** See {@link Fault#slowBody(int, Duration)}. */
  record SlowBody(int chunkBytes, Duration interval) implements Fault {
    public SlowBody {
      if (chunkBytes < 1) {
        throw new IllegalArgumentException("chunkBytes: " + chunkBytes + " (expected: >= 1)");
      }
      requireNonNegative(interval, "interval");
    }
  }

  /** See {@link Fault#stall()}. */
  record Stall() implements Fault {}

  /**
   * See {@link Fault#connectionReset()} and {@link Fault#connectionResetAfter(long)}.
   *
   * @param afterBodyBytes -1 to reset before any response byte, else body bytes sent first
   */
  record ConnectionReset(long afterBodyBytes) implements Fault {
    public ConnectionReset {
      if (afterBodyBytes < -1) {
        throw new IllegalArgumentException("afterBodyBytes: " + afterBodyBytes + " (expected: >= -1)");
      }
    }
  }

  /** See {@link Fault#truncatedBody(long)}. */
  record TruncatedBody(long bodyBytes) implements Fault {
    public TruncatedBody {
      if (bodyBytes < 0) {
        throw new IllegalArgumentException("bodyBytes: " + bodyBytes + " (expected: >= 0)");
      }
    }
  }

  /** See {@link Fault#wrongContentLength(long)}. */
  record WrongContentLength(long declaredBytes) implements Fault {
    public WrongContentLength {
      if (declaredBytes < 0) {
        throw new IllegalArgumentException("declaredBytes: " + declaredBytes + " (expected: >= 0)");
      }
    }
  }

  private static void requireNonNegative(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative()) {
      throw new IllegalArgumentException(name + ": " + d + " (expected: >= 0)");
    }
  }
}
