package dev.hlsmesh.tracker.http;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;

/** Counts WebSocket connections per remote IP address. Thread-safe. */
final class IpConnectionLimiter {
  private final ConcurrentHashMap<InetAddress, Integer> counts = new ConcurrentHashMap<>();
  private final int maxPerIp;

  IpConnectionLimiter(int maxPerIp) {
    this.maxPerIp = maxPerIp;
  }

  /** Counts one more connection from {@code ip}, unless that would exceed the limit. */
  boolean tryAcquire(InetAddress ip) {
    boolean[] acquired = {false};
    counts.compute(ip, (key, count) -> {
      int current = count == null ? 0 : count;
      if (current >= maxPerIp) {
        return count;
      }
      acquired[0] = true;
      return current + 1;
    });
    return acquired[0];
  }

  /** Forgets one connection from {@code ip} counted by {@link #tryAcquire}. */
  void release(InetAddress ip) {
    counts.computeIfPresent(ip, (key, count) -> count <= 1 ? null : count - 1);
  }
}
