package dev.hlsmesh.testsupport;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * A fault injected into a {@link LiveHlsOrigin} for requests whose path matches a glob, for a
 * limited or unlimited number of requests. Returned by {@link LiveHlsOrigin#inject}; call
 * {@link #remove()} to heal the origin, {@link #hits()} to see how many requests it hit.
 *
 * <p>Globs match the request path without its query string: {@code *} matches within one path
 * segment, {@code **} across segments, {@code ?} one character; e.g.
 * {@code /live/360p/*.ts}, {@code /live/**}, {@code **}.
 *
 * <p>Thread-safe: tests call it while the origin's event loop applies it.
 */
public final class FaultRule {

  private final String pathGlob;
  private final Pattern pathPattern;
  private final Fault fault;
  private final AtomicInteger remaining;
  private final AtomicLong hits = new AtomicLong();
  private final Runnable onRemove;

  FaultRule(String pathGlob, Fault fault, int times, Runnable onRemove) {
    this.pathGlob = Objects.requireNonNull(pathGlob, "pathGlob");
    this.pathPattern = globToPattern(pathGlob);
    this.fault = Objects.requireNonNull(fault, "fault");
    if (times < 1) {
      throw new IllegalArgumentException("times: " + times + " (expected: >= 1, or use the overload without times)");
    }
    this.remaining = new AtomicInteger(times);
    this.onRemove = onRemove;
  }

  /** The glob given at injection. */
  public String pathGlob() {
    return pathGlob;
  }

  /** The fault it applies. */
  public Fault fault() {
    return fault;
  }

  /** Number of requests this rule has applied its fault to. */
  public long hits() {
    return hits.get();
  }

  /** Stops applying the fault; requests already hit keep misbehaving until they finish. */
  public void remove() {
    remaining.set(0);
    onRemove.run();
  }

  /** Whether the rule still applies to new requests. */
  public boolean active() {
    return remaining.get() > 0;
  }

  /** Claims one application of the fault for {@code path}; false if it does not match or is used up. */
  boolean tryApply(String path) {
    if (!pathPattern.matcher(path).matches()) {
      return false;
    }
    while (true) {
      int left = remaining.get();
      if (left <= 0) {
        return false;
      }
      // Integer.MAX_VALUE stands for "unlimited" and is never decremented.
      if (left == Integer.MAX_VALUE || remaining.compareAndSet(left, left - 1)) {
        hits.incrementAndGet();
        if (left == 1) {
          onRemove.run();
        }
        return true;
      }
    }
  }

  static Pattern globToPattern(String glob) {
    StringBuilder regex = new StringBuilder();
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      if (c == '*') {
        if (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
          regex.append(".*");
          i++;
        } else {
          regex.append("[^/]*");
        }
      } else if (c == '?') {
        regex.append("[^/]");
      } else {
        regex.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(regex.toString());
  }

  @Override
  public String toString() {
    int left = remaining.get();
    return "FaultRule[" + pathGlob + " -> " + fault + ", hits=" + hits.get()
        + ", remaining=" + (left == Integer.MAX_VALUE ? "unlimited" : left) + "]";
  }
}
