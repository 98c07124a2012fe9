package dev.hlsmesh.tracker.http;

import dev.hlsmesh.tracker.session.IpRates;
import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts WebSocket connections per remote IP address, and holds each address's shared
 * announce and offer budgets. Thread-safe.
 */
final class IpConnectionLimiter {
  private final ConcurrentHashMap<InetAddress, Integer> counts = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<InetAddress, IpRates> rates = new ConcurrentHashMap<>();
  private final int maxPerIp;
  private final int announcesPerMinute;
  private final int offersPerMinute;

  IpConnectionLimiter(int maxPerIp, int announcesPerMinute, int offersPerMinute) {
    this.maxPerIp = maxPerIp;
    this.announcesPerMinute = announcesPerMinute;
    this.offersPerMinute = offersPerMinute;
  }

  /**
   * The budgets of {@code ip}. They outlive its connections until a minute without use, so
   * that reconnecting does not refill them.
   */
  IpRates rates(InetAddress ip, long nowMillis) {
    return rates.computeIfAbsent(ip,
        key -> new IpRates(announcesPerMinute, offersPerMinute, nowMillis));
  }

  /**
   * Forgets the budgets of addresses without connections that spent nothing for a minute.
   * (A connection that fetched an entry in the same instant keeps its own copy: at worst that
   * address gets a second budget until its connections close.)
   */
  void sweep(long nowMillis) {
    for (InetAddress ip : rates.keySet()) {
      rates.computeIfPresent(ip,
          (key, r) -> counts.containsKey(key) || !r.isIdle(nowMillis) ? r : null);
    }
  }

  /** Addresses whose budgets are held (for tests). */
  int trackedAddresses() {
    return rates.size();
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
