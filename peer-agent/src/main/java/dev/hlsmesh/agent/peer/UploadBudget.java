package dev.hlsmesh.agent.peer;

import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * The upload cap of one agent: a token bucket shared by every session of every swarm, refilled
 * at {@code bytesPerSecond} and holding at most a tenth of a second's worth (at least 1 KiB), so
 * a capped upload leaves in small, evenly spaced chunks and a downloader's no-bytes timeout
 * (PROTOCOL.md C.6, 2 s in browsers) never fires merely because of the cap. Also counts the
 * payload bytes uploaded.
 *
 * <p>Thread: the agent's owner executor (like the sessions), except {@link #uploadedBytes()},
 * which any thread may read.
 */
public final class UploadBudget {
  private final long bytesPerSecond;
  private final long burstBytes;
  private final LongSupplier nanoTime;
  private final LongAdder uploaded = new LongAdder();
  private final LongConsumer onUploaded;
  private double tokens;
  private long lastNanos;

  private UploadBudget(long bytesPerSecond, LongSupplier nanoTime, LongConsumer onUploaded) {
    this.bytesPerSecond = bytesPerSecond;
    this.onUploaded = onUploaded;
    this.burstBytes = bytesPerSecond == 0 ? Long.MAX_VALUE : Math.max(1024, bytesPerSecond / 10);
    this.nanoTime = nanoTime;
    this.lastNanos = nanoTime.getAsLong();
    this.tokens = bytesPerSecond == 0 ? 0 : burstBytes;
  }

  /** No cap; only counts. */
  public static UploadBudget unlimited() {
    return new UploadBudget(0, System::nanoTime, bytes -> { });
  }

  /**
   * A cap of {@code bytesPerSecond} payload bytes (0 = uncapped), on the given nanosecond time
   * source.
   */
  public static UploadBudget capped(long bytesPerSecond, LongSupplier nanoTime) {
    return capped(bytesPerSecond, nanoTime, bytes -> { });
  }

  /** As {@link #capped(long, LongSupplier)}, telling {@code onUploaded} every chunk's bytes handed to a link. */
  public static UploadBudget capped(long bytesPerSecond, LongSupplier nanoTime, LongConsumer onUploaded) {
    if (bytesPerSecond < 0) {
      throw new IllegalArgumentException("bytesPerSecond: " + bytesPerSecond + " (expected: >= 0, 0 = uncapped)");
    }
    return new UploadBudget(bytesPerSecond, java.util.Objects.requireNonNull(nanoTime, "nanoTime"),
        java.util.Objects.requireNonNull(onUploaded, "onUploaded"));
  }

  /** Whether uploads are capped. */
  public boolean capped() {
    return bytesPerSecond != 0;
  }

  /**
   * How many of {@code wantedBytes} may be sent now: all of them, or 0 while the bucket holds
   * less than a whole chunk of {@code min(wantedBytes, burst)} bytes (no dribbling).
   */
  int grant(int wantedBytes) {
    if (bytesPerSecond == 0) {
      return wantedBytes;
    }
    refill();
    long chunk = Math.min(wantedBytes, burstBytes);
    return tokens >= chunk ? (int) chunk : 0;
  }

  /** Milliseconds until {@link #grant} would allow a chunk of {@code wantedBytes}. */
  long millisUntilGranted(int wantedBytes) {
    if (bytesPerSecond == 0) {
      return 0;
    }
    refill();
    double missing = Math.min(wantedBytes, burstBytes) - tokens;
    return missing <= 0 ? 0 : (long) Math.ceil(missing * 1000.0 / bytesPerSecond);
  }

  /** Records bytes handed to the link. */
  void spend(int bytes) {
    uploaded.add(bytes);
    onUploaded.accept(bytes);
    if (bytesPerSecond != 0) {
      tokens -= bytes;
    }
  }

  /** Payload bytes uploaded so far (any thread). */
  public long uploadedBytes() {
    return uploaded.sum();
  }

  private void refill() {
    long now = nanoTime.getAsLong();
    tokens = Math.min(burstBytes, tokens + (now - lastNanos) * bytesPerSecond / 1e9);
    lastNanos = now;
  }
}
