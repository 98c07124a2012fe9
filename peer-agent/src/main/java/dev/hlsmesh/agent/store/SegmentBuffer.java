package dev.hlsmesh.agent.store;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The one buffer of a segment: the CDN body (or a peer's prefix and the CDN's rest) is appended
 * into it once, as it arrives; peers read views of it while it grows; when complete it is frozen
 * and the same bytes become the player's answer and the store's entry, without another copy.
 *
 * <p>Its size becomes known once ({@link #size}, from the response's {@code Content-Length}): the
 * array is allocated then, at that size, and never grown. A body of unknown length grows the
 * array by doubling and is trimmed when frozen (documented as the one case with more than one
 * copy, docs/architecture.md).
 *
 * <p>Threads: one writer at a time calls {@link #size}, {@link #append} and {@link #complete}
 * (the CDN fetch's HTTP thread; hand-overs between writers go through an executor, which orders
 * them); {@link #fail} may come from any thread; any thread reads. No lock: the writer copies
 * bytes into the array beyond what readers may see and then publishes the new length through a
 * volatile field, so a reader sees every byte below the length it read. Wake-ups registered
 * with {@link #whenBeyond} run once, on the writer's thread or at once on the caller's: they
 * must only hand work to their own executor.
 */
public final class SegmentBuffer {
  /** Where the transfer is. */
  public enum State {
    /** Bytes are still coming (or the size is not known yet). */
    ARRIVING,
    /** Every byte arrived; the bytes never change again. */
    COMPLETE,
    /** The transfer ended early; the bytes so far stay readable. */
    FAILED
  }

  private static final int INITIAL_UNSIZED_BYTES = 64 * 1024;

  private final int maxBytes;
  private final AtomicReference<State> state = new AtomicReference<>(State.ARRIVING);
  private final Queue<Runnable> waiters = new ConcurrentLinkedQueue<>();
  /** Written by the writer before {@link #available}; null while nothing arrived and no size. */
  private volatile byte[] bytes;
  private volatile int available;
  private volatile long totalBytes = -1;
  /** Bytes copied into this buffer so far, growth and trimming included (the copy count). */
  private volatile long copiedBytes;

  /** @param maxBytes a larger announced size or body fails the segment */
  public SegmentBuffer(int maxBytes) {
    if (maxBytes < 0) {
      throw new IllegalArgumentException("maxBytes: " + maxBytes + " (expected: >= 0)");
    }
    this.maxBytes = maxBytes;
  }

  /**
   * A complete buffer over {@code complete}, kept without copying (it must not change again).
   * For segments that arrived elsewhere, e.g. from a peer.
   */
  public static SegmentBuffer frozen(byte[] complete) {
    SegmentBuffer buffer = new SegmentBuffer(complete.length);
    buffer.bytes = complete;
    buffer.totalBytes = complete.length;
    buffer.available = complete.length;
    buffer.state.set(State.COMPLETE);
    return buffer;
  }

  /**
   * Sets the total size (once; a later different size, a size above the bound or below the bytes
   * already there fails the segment). Allocates the array at that size, keeping the bytes there.
   *
   * @return false when the segment failed (the caller should end its transfer)
   */
  public boolean size(long total) {
    if (state.get() != State.ARRIVING) {
      return false;
    }
    if (totalBytes >= 0) {
      return totalBytes == total || failed();
    }
    if (total < available || total > maxBytes) {
      return failed();
    }
    byte[] current = bytes;
    if (current == null || current.length != total) {
      byte[] sized = new byte[(int) total];
      if (current != null && available > 0) {
        System.arraycopy(current, 0, sized, 0, available);
        copiedBytes += available;
      }
      bytes = sized;
    }
    totalBytes = total;
    wake();
    return true;
  }

  /**
   * Appends the next bytes (copied: the caller's buffer may be reused). Past the size, or past
   * the bound when the size is unknown, the segment fails.
   *
   * @return false when the segment failed (the caller should end its transfer)
   */
  public boolean append(ByteBuffer chunk) {
    if (state.get() != State.ARRIVING) {
      return false;
    }
    int n = chunk.remaining();
    int at = available;
    long limit = totalBytes >= 0 ? totalBytes : maxBytes;
    if ((long) at + n > limit) {
      return failed();
    }
    byte[] target = bytes;
    if (target == null || at + n > target.length) {
      // Size unknown: grow by doubling (amortised; the trim in complete() is the last copy).
      int grown = (int) Math.min(maxBytes, Math.max((long) at + n,
          Math.max(INITIAL_UNSIZED_BYTES, 2L * (target == null ? 0 : target.length))));
      byte[] larger = new byte[grown];
      if (at > 0) {
        System.arraycopy(target, 0, larger, 0, at);
        copiedBytes += at;
      }
      bytes = larger;
      target = larger;
    }
    chunk.duplicate().get(target, at, n);
    copiedBytes += n;
    available = at + n; // publishes the bytes just written
    wake();
    return true;
  }

  /**
   * Every byte arrived: COMPLETE (frozen) if the count matches the size (with no size, the bytes
   * there are the segment), FAILED otherwise.
   *
   * @return whether it is complete
   */
  public boolean complete() {
    if (state.get() != State.ARRIVING) {
      return state.get() == State.COMPLETE;
    }
    int count = available;
    if (totalBytes >= 0 && count != totalBytes) {
      return failed();
    }
    byte[] current = bytes;
    if (current == null || current.length != count) {
      bytes = current == null ? new byte[0] : Arrays.copyOf(current, count);
      copiedBytes += count;
    }
    totalBytes = count;
    if (!state.compareAndSet(State.ARRIVING, State.COMPLETE)) {
      return state.get() == State.COMPLETE;
    }
    wake();
    return true;
  }

  /** The transfer ended early (no effect once complete). */
  public void fail() {
    failed();
  }

  private boolean failed() {
    if (state.compareAndSet(State.ARRIVING, State.FAILED)) {
      wake();
    }
    return false;
  }

  /** The total size, or -1 while not known. */
  public long totalBytes() {
    return totalBytes;
  }

  /** Bytes arrived so far. */
  public int availableBytes() {
    return available;
  }

  /** Where the transfer is now. */
  public State state() {
    return state.get();
  }

  /** Bytes copied into this buffer so far, growth and trimming included (tests count copies with it). */
  public long copiedBytes() {
    return copiedBytes;
  }

  /** A read-only view of the bytes arrived so far from {@code from} on (empty if none). */
  public ByteBuffer readable(int from) {
    int count = available; // read before the array: the array read next holds at least these
    byte[] current = bytes;
    if (current == null || from >= count) {
      return ByteBuffer.allocate(0).asReadOnlyBuffer();
    }
    return ByteBuffer.wrap(current, from, count - from).slice().asReadOnlyBuffer();
  }

  /**
   * The complete segment's bytes, not copied: shared with the store and peers, so nobody may
   * modify them.
   *
   * @throws IllegalStateException if not complete
   */
  public byte[] bytes() {
    if (state.get() != State.COMPLETE) {
      throw new IllegalStateException("segment buffer not complete: " + state.get());
    }
    return bytes;
  }

  /** A copy of the bytes arrived so far (the prefix handed on when a transfer is given up). */
  public byte[] copyOfAvailable() {
    int count = available;
    byte[] current = bytes;
    return current == null ? new byte[0] : Arrays.copyOf(current, count);
  }

  /**
   * Runs {@code wakeup} once: at once (on this thread) if more than {@code seenBytes} bytes have
   * arrived, the size is known while the caller did not know it ({@code sizeKnown} false), or the
   * transfer ended; otherwise on the writer's thread at its next change (size, bytes or end),
   * after which the caller looks again.
   */
  public void whenBeyond(int seenBytes, boolean sizeKnown, Runnable wakeup) {
    if (ready(seenBytes, sizeKnown)) {
      wakeup.run();
      return;
    }
    waiters.add(wakeup);
    // The writer may have changed things between the check and the add: look again, and run it
    // here only if the writer has not taken it.
    if (ready(seenBytes, sizeKnown) && waiters.remove(wakeup)) {
      wakeup.run();
    }
  }

  private boolean ready(int seenBytes, boolean sizeKnown) {
    return available > seenBytes || state.get() != State.ARRIVING || (!sizeKnown && totalBytes >= 0);
  }

  private void wake() {
    Runnable next;
    while ((next = waiters.poll()) != null) {
      next.run();
    }
  }
}
