package dev.hlsmesh.agent.tracker;

import java.util.Random;

/**
 * Jittered exponential back-off for tracker reconnects: attempt {@code n} (0-based) waits
 * {@code min(max, base * 2^n)} scaled by a random factor in [0.5, 1.5), so a tracker restart does
 * not bring every agent back in the same millisecond.
 *
 * <p>Thread: confined to the caller (the agent's owner executor); the Random is injected.
 */
final class Backoff {
  private final long baseMillis;
  private final long maxMillis;
  private final Random random;
  private int attempt;

  Backoff(long baseMillis, long maxMillis, Random random) {
    if (baseMillis <= 0 || maxMillis < baseMillis) {
      throw new IllegalArgumentException("expected 0 < baseMillis <= maxMillis, got " + baseMillis + ", " + maxMillis);
    }
    this.baseMillis = baseMillis;
    this.maxMillis = maxMillis;
    this.random = random;
  }

  /** The delay before the next attempt; each call counts one more failure. */
  long nextDelayMillis() {
    long ceiling = attempt >= 62 ? maxMillis : Math.min(maxMillis, baseMillis << Math.min(attempt, 40));
    attempt++;
    double factor = 0.5 + random.nextDouble();
    return Math.max(1, Math.min(maxMillis, Math.round(ceiling * factor)));
  }

  /** A successful connection starts the sequence again. */
  void reset() {
    attempt = 0;
  }
}
