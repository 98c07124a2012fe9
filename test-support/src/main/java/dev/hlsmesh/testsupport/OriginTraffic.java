package dev.hlsmesh.testsupport;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;

/**
 * The injected faults and the request and byte counters of one test origin ({@link LiveHlsOrigin},
 * {@link LlHlsOrigin}); the origins' public fault and counter methods delegate here.
 *
 * <p>Thread-safe: tests inject and read while the origin's event loop claims and counts.
 */
final class OriginTraffic {

  private final List<FaultRule> faultRules = new CopyOnWriteArrayList<>();
  private final Map<String, LongAdder> bytesByPath = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> requestsByPath = new ConcurrentHashMap<>();
  private final LongAdder totalBytes = new LongAdder();
  private final LongAdder totalRequests = new LongAdder();

  FaultRule inject(String pathGlob, Fault fault) {
    return add(new FaultRule(pathGlob, fault, Integer.MAX_VALUE, this::pruneFaults));
  }

  FaultRule inject(String pathGlob, Fault fault, int times) {
    if (times == Integer.MAX_VALUE) {
      throw new IllegalArgumentException("times: " + times + " (expected: < Integer.MAX_VALUE, "
          + "or inject(pathGlob, fault) for unlimited)");
    }
    return add(new FaultRule(pathGlob, fault, times, this::pruneFaults));
  }

  void clearFaults() {
    for (FaultRule rule : faultRules) {
      rule.remove();
    }
  }

  private FaultRule add(FaultRule rule) {
    faultRules.add(rule);
    return rule;
  }

  private void pruneFaults() {
    faultRules.removeIf(rule -> !rule.active());
  }

  /** The fault for a request to {@code path}, or null; claims one use of a limited rule. */
  Fault claimFault(String path) {
    for (FaultRule rule : faultRules) {
      if (rule.tryApply(path)) {
        return rule.fault();
      }
    }
    return null;
  }

  long bytesServed() {
    return totalBytes.sum();
  }

  long bytesServed(String path) {
    LongAdder adder = bytesByPath.get(path);
    return adder == null ? 0 : adder.sum();
  }

  long bytesServedMatching(String pathGlob) {
    Pattern pattern = FaultRule.globToPattern(pathGlob);
    long sum = 0;
    for (Map.Entry<String, LongAdder> e : bytesByPath.entrySet()) {
      if (pattern.matcher(e.getKey()).matches()) {
        sum += e.getValue().sum();
      }
    }
    return sum;
  }

  Map<String, Long> bytesServedByPath() {
    Map<String, Long> snapshot = new TreeMap<>();
    bytesByPath.forEach((path, adder) -> snapshot.put(path, adder.sum()));
    return Collections.unmodifiableMap(snapshot);
  }

  long requestCount() {
    return totalRequests.sum();
  }

  long requestCount(String path) {
    LongAdder adder = requestsByPath.get(path);
    return adder == null ? 0 : adder.sum();
  }

  void countRequest(String path) {
    totalRequests.increment();
    requestsByPath.computeIfAbsent(path, p -> new LongAdder()).increment();
  }

  void countBytes(String path, long bytes) {
    totalBytes.add(bytes);
    bytesByPath.computeIfAbsent(path, p -> new LongAdder()).add(bytes);
  }
}
