package dev.hlsmesh.tracker.http;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes queued for sending on all connections together ({@code maxQueuedBytesTotal}): a
 * message is sent only if its bytes fit, and gives them back once written (or failed).
 *
 * <p>Thread-safe (lock-free).
 */
final class OutboundBudget {
  private final long maxBytes;
  private final AtomicLong queued = new AtomicLong();

  OutboundBudget(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  /** Reserves {@code bytes}; false (nothing reserved) if that would exceed the budget. */
  boolean tryReserve(int bytes) {
    while (true) {
      long current = queued.get();
      if (current + bytes > maxBytes) {
        return false;
      }
      if (queued.compareAndSet(current, current + bytes)) {
        return true;
      }
    }
  }

  void release(int bytes) {
    queued.addAndGet(-bytes);
  }

  /** Bytes reserved now. */
  long queuedBytes() {
    return queued.get();
  }
}
