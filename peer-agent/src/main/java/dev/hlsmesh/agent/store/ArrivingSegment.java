package dev.hlsmesh.agent.store;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A segment still arriving (from the CDN), readable while it grows, so that the agent can serve
 * it to peers before it is complete. Its size becomes known once ({@link #size}, from the
 * response's {@code Content-Length}); the buffer is allocated then, at that size and never
 * grown, so memory is bounded by the segment's size. Bytes that come before the size is known
 * are not kept (such a segment is served only once complete).
 *
 * <p>Thread-safe: one writer (the fetch's thread) calls {@link #size}, {@link #append},
 * {@link #complete} and {@link #fail}; any thread reads. Wake-ups registered with
 * {@link #whenBeyond} run on the writer's thread, outside the lock, or at once on the caller's.
 */
public final class ArrivingSegment {
  /** Where the transfer is. */
  public enum State {
    /** Bytes are still coming (or the size is not known yet). */
    ARRIVING,
    /** Every byte arrived. */
    COMPLETE,
    /** The transfer ended early; the bytes so far stay readable. */
    FAILED
  }

  private final int maxBytes;
  private byte[] bytes; // null until the size is known
  private int available;
  private State state = State.ARRIVING;
  private List<Runnable> waiters = new ArrayList<>();

  /** @param maxBytes a larger announced size fails the segment (it is then only served complete) */
  public ArrivingSegment(int maxBytes) {
    if (maxBytes < 0) {
      throw new IllegalArgumentException("maxBytes: " + maxBytes + " (expected: >= 0)");
    }
    this.maxBytes = maxBytes;
  }

  /** Sets the total size (once; later calls and calls after bytes arrived are ignored). */
  public void size(long totalBytes) {
    List<Runnable> wake;
    synchronized (this) {
      if (bytes != null || state != State.ARRIVING) {
        return;
      }
      if (totalBytes < 0 || totalBytes > maxBytes) {
        state = State.FAILED;
      } else {
        bytes = new byte[(int) totalBytes];
      }
      wake = takeWaiters();
    }
    run(wake);
  }

  /**
   * Appends the next bytes. Before the size is known they are dropped and the segment can no
   * longer be served while arriving (it fails); past the size it fails too.
   */
  public void append(ByteBuffer chunk) {
    List<Runnable> wake;
    synchronized (this) {
      if (state != State.ARRIVING) {
        return;
      }
      int n = chunk.remaining();
      if (bytes == null || n > bytes.length - available) {
        state = State.FAILED;
      } else {
        chunk.duplicate().get(bytes, available, n);
        available += n;
      }
      wake = takeWaiters();
    }
    run(wake);
  }

  /** Every byte arrived: COMPLETE if the count matches the size, FAILED otherwise. */
  public void complete() {
    List<Runnable> wake;
    synchronized (this) {
      if (state != State.ARRIVING) {
        return;
      }
      state = bytes != null && available == bytes.length ? State.COMPLETE : State.FAILED;
      wake = takeWaiters();
    }
    run(wake);
  }

  /** The transfer ended early. */
  public void fail() {
    List<Runnable> wake;
    synchronized (this) {
      if (state != State.ARRIVING) {
        return;
      }
      state = State.FAILED;
      wake = takeWaiters();
    }
    run(wake);
  }

  /** The total size, or -1 while not known. */
  public synchronized long totalBytes() {
    return bytes == null ? -1 : bytes.length;
  }

  /** Bytes arrived so far. */
  public synchronized int availableBytes() {
    return available;
  }

  /** Where the transfer is now. */
  public synchronized State state() {
    return state;
  }

  /** A read-only view of the bytes arrived so far from {@code from} on (empty if none). */
  public synchronized ByteBuffer readable(int from) {
    if (bytes == null || from >= available) {
      return ByteBuffer.allocate(0).asReadOnlyBuffer();
    }
    return ByteBuffer.wrap(bytes, from, available - from).slice().asReadOnlyBuffer();
  }

  /** A copy of the bytes arrived so far. */
  public synchronized byte[] copyOfAvailable() {
    return bytes == null ? new byte[0] : Arrays.copyOf(bytes, available);
  }

  /**
   * Runs {@code wakeup} once: at once (on this thread) if more than {@code seenBytes} bytes have
   * arrived, the size is known while the caller did not know it ({@code sizeKnown} false), or the
   * transfer ended; otherwise on the writer's thread at its next change (size, bytes or end), after
   * which the caller looks again.
   */
  public void whenBeyond(int seenBytes, boolean sizeKnown, Runnable wakeup) {
    synchronized (this) {
      boolean ready = available > seenBytes || state != State.ARRIVING || (!sizeKnown && bytes != null);
      if (!ready) {
        waiters.add(wakeup);
        return;
      }
    }
    wakeup.run();
  }

  private List<Runnable> takeWaiters() {
    if (waiters.isEmpty()) {
      return List.of();
    }
    List<Runnable> wake = waiters;
    waiters = new ArrayList<>();
    return wake;
  }

  private static void run(List<Runnable> wake) {
    for (Runnable r : wake) {
      r.run();
    }
  }
}
