package dev.hlsmesh.tracker.bench;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
* Command line of {@link TrackerLoadGenerator}: {@code --name value} pairs, all validated at once.
*
* @param url tracker WebSocket URL
* @param mode {@code peak} (as fast as the window allows), {@code rate} (fixed announce rate),
*     {@code idle} (join once, then stay silent, and measure the tracker's memory)
* @param connections simulated peers, one WebSocket each
* @param swarms info hashes the peers are spread over (round robin)
* @param seconds measured duration (peak and rate modes)
* @param warmupSeconds load before measuring (peak and rate modes)
* @param offersPerAnnounce offers in each announce (browsers send 5)
* @param windowAnnounces announces in flight per connection: a peer sends while its offers not yet
*     answered plus one announce's offers fit in {@code windowAnnounces * offersPerAnnounce}
* @param announcesPerSecond total announce rate of the rate mode
* @param joinOffers offers in the first ({@code started}) announce
* @param sources local addresses to bind, round robin (many 127.x addresses avoid running out
*     of ephemeral ports)
* @param threads client event loops
* @param connectConcurrency connections being opened at the same time
* @param sdpCandidates candidate lines per offer SDP (12 gives about 1.5 KB)
* @param offerTimeoutMillis an offer without answer after this long stops counting in the window
* @param idleHoldSeconds how long idle connections stay open before the memory is read
* @param trackerPid tracker process (or its launcher), 0 if unknown: memory and CPU are then not
*     reported
* @param trackerMemoryUrl for a node tracker: URL answering {@code process.memoryUsage()}
* @param label name of this row in the results
* @param seed seeds every random choice (ids, SDP, pacing offsets)
*/
record LoadOptions(URI url, String mode, int connections, int swarms, int seconds, int warmupSeconds,
    int offersPerAnnounce, int windowAnnounces, int announcesPerSecond, int joinOffers,
    List<String> sources, int threads, int connectConcurrency, int sdpCandidates,
    int offerTimeoutMillis, int idleHoldSeconds, long trackerPid, String trackerMemoryUrl,
    String label, long seed) {

  static final String USAGE = """
      usage: TrackerLoadGenerator [--name value]...
       --url ws://127.0.0.1:8000   --mode peak|rate|idle   --connections 1000   --swarms 50
       --seconds 20   --warmup-seconds 5   --offers-per-announce 5   --window-announces 1
       --announces-per-second 0 (rate mode)   --join-offers 0   --sources 127.0.0.1,127.0.0.2
       --threads 1   --connect-concurrency 256   --sdp-candidates 12
       --offer-timeout-millis 5000   --idle-hold-seconds 10   --tracker-pid 0
       --tracker-memory-url URL (node)   --label tracker   --seed 1""";

  /** Parses and validates; every problem is reported in one exception message. */
  static LoadOptions parse(String[] args) {
    Map<String, String> values = new LinkedHashMap<>();
    List<String> errors = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 == args.length) {
        errors.add(args[i] + ": expected --name value");
        continue;
      }
      values.put(args[i].substring(2), args[++i]);
    }
    Parser p = new Parser(values, errors);
    URI url = p.uri("url", "ws://127.0.0.1:8000");
    String mode = p.oneOf("mode", "peak", List.of("peak", "rate", "idle"));
    int connections = p.integer("connections", 1000, 2, 1_000_000);
    int swarms = p.integer("swarms", 50, 1, 1_000_000);
    int seconds = p.integer("seconds", 20, 1, 3600);
    int warmup = p.integer("warmup-seconds", 5, 0, 600);
    int offers = p.integer("offers-per-announce", 5, 1, 50);
    int window = p.integer("window-announces", 1, 1, 1000);
    int rate = p.integer("announces-per-second", 0, 0, 10_000_000);
    int joinOffers = p.integer("join-offers", 0, 0, 50);
    List<String> sources = List.of(p.text("sources", "").split(",")).stream()
        .filter(s -> !s.isBlank()).toList();
    int threads = p.integer("threads", 1, 1, 64);
    int concurrency = p.integer("connect-concurrency", 256, 1, 100_000);
    int candidates = p.integer("sdp-candidates", 12, 1, 100);
    int offerTimeout = p.integer("offer-timeout-millis", 5000, 10, 600_000);
    int idleHold = p.integer("idle-hold-seconds", 10, 0, 3600);
    long pid = p.integer("tracker-pid", 0, 0, Integer.MAX_VALUE);
    String memoryUrl = p.text("tracker-memory-url", "");
    String label = p.text("label", "tracker");
    long seed = p.integer("seed", 1, Integer.MIN_VALUE, Integer.MAX_VALUE);
    if (mode.equals("rate") && rate == 0) {
      errors.add("announces-per-second: 0 (expected: > 0 in rate mode)");
    }
    if (connections < swarms * 2L) {
      errors.add("connections: " + connections + " (expected: at least 2 per swarm, "
          + swarms + " swarms)");
    }
    values.keySet().removeAll(p.known);
    values.keySet().forEach(k -> errors.add("--" + k + ": unknown option"));
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(String.join("\n", errors) + "\n" + USAGE);
    }
    return new LoadOptions(url, mode, connections, swarms, seconds, warmup, offers, window, rate,
        joinOffers, sources, threads, concurrency, candidates, offerTimeout, idleHold, pid,
        memoryUrl, label, seed);
  }

  private static final class Parser {
    private final Map<String, String> values;
    private final List<String> errors;
    private final List<String> known = new ArrayList<>();

    Parser(Map<String, String> values, List<String> errors) {
      this.values = values;
      this.errors = errors;
    }

    String text(String name, String fallback) {
      known.add(name);
      return values.getOrDefault(name, fallback);
    }

    int integer(String name, int fallback, int min, int max) {
      String raw = text(name, null);
      if (raw == null) {
        return fallback;
      }
      try {
        int value = Integer.parseInt(raw);
        if (value >= min && value <= max) {
          return value;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      errors.add("--" + name + ": " + raw + " (expected: " + min + ".." + max + ")");
      return fallback;
    }

    String oneOf(String name, String fallback, List<String> allowed) {
      String value = text(name, fallback);
      if (!allowed.contains(value)) {
        errors.add("--" + name + ": " + value + " (expected one of " + allowed + ")");
        return fallback;
      }
      return value;
    }

    URI uri(String name, String fallback) {
      String raw = text(name, fallback);
      try {
        URI uri = URI.create(raw);
        if ("ws".equals(uri.getScheme()) && uri.getHost() != null && uri.getPort() > 0) {
          return uri;
        }
      } catch (IllegalArgumentException e) {
        // reported below
      }
      errors.add("--" + name + ": " + raw + " (expected ws://host:port[/path])");
      return URI.create(fallback);
    }
  }
}
