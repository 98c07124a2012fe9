package dev.hlsmesh.demo;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The demo's command line, validated once.
 *
 * @param playlist a live master or media playlist to play instead of the built-in origin
 * @param tracker a WebTorrent tracker ({@code ws://}, {@code wss://}) instead of the built-in one
 * @param agents agents in this process, 1..50
 * @param durationSeconds stop by itself after this long; empty: until Ctrl-C
 * @param reportSeconds time between two tables
 * @param p2p false ({@code --no-p2p}): every agent is a plain CDN-only player, with no tracker
 *     connection and no peer connections (the baseline the hybrid delivery is compared with)
 * @param config the viewers' YAML configuration (docs/configuration.md) instead of the demo's
 */
record DemoOptions(Optional<URI> playlist, Optional<URI> tracker, int agents, OptionalLong durationSeconds,
    int reportSeconds, boolean p2p, Optional<Path> config) {

  static final String USAGE = """
      usage: demo [--agents N] [--duration SECONDS] [--playlist URL] [--tracker URL] [--report SECONDS]
                  [--config FILE] [--no-p2p]
        --agents N          agents (viewers) in this process, 1..50 (default 10)
        --duration SECONDS  stop after this long and print a JSON summary (default: run until Ctrl-C)
        --playlist URL      a live HLS master or media playlist (default: a built-in live origin
                            replaying the shipped clip)
        --tracker URL       a WebTorrent tracker, ws:// or wss:// (default: a built-in tracker)
        --report SECONDS    time between two tables, 1..3600 (default 5)
        --config FILE       the viewers' YAML configuration (docs/configuration.md); the built-in
                            tracker is used when it names none, --tracker overrides it
        --no-p2p            CDN-only players: no tracker, no peers, no uploads (the baseline)""";

  /** A bad command line; the message says what was expected. */
  static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  static DemoOptions parse(String... args) throws UsageException {
    Optional<URI> playlist = Optional.empty();
    Optional<URI> tracker = Optional.empty();
    int agents = 10;
    OptionalLong duration = OptionalLong.empty();
    int report = 5;
    boolean p2p = true;
    Optional<Path> config = Optional.empty();
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String name = args[i];
      if (name.equals("--help") || name.equals("-h")) {
        throw new UsageException("");
      }
      if (name.equals("--no-p2p")) {
        p2p = false;
        continue;
      }
      if (!List.of("--playlist", "--tracker", "--agents", "--duration", "--report", "--config").contains(name)) {
        problems.add("unknown option " + name);
        continue;
      }
      if (i + 1 >= args.length) {
        problems.add(name + ": missing value");
        break;
      }
      String value = args[++i];
      switch (name) {
        case "--playlist" -> playlist = url(problems, name, value, "http", "https");
        case "--tracker" -> tracker = url(problems, name, value, "ws", "wss");
        case "--agents" -> agents = (int) number(problems, name, value, 1, 50);
        case "--duration" -> duration = OptionalLong.of(number(problems, name, value, 1, 7 * 24 * 3600));
        case "--report" -> report = (int) number(problems, name, value, 1, 3600);
        case "--config" -> config = file(problems, name, value);
        default -> throw new IllegalStateException(name);
      }
    }
    if (!problems.isEmpty()) {
      throw new UsageException(String.join("; ", problems));
    }
    if (!p2p && tracker.isPresent()) {
      problems.add("--tracker: not used with --no-p2p");
      throw new UsageException(String.join("; ", problems));
    }
    return new DemoOptions(playlist, tracker, agents, duration, report, p2p, config);
  }

  private static Optional<Path> file(List<String> problems, String name, String value) {
    Path path = Path.of(value);
    if (Files.isReadable(path) && Files.isRegularFile(path)) {
      return Optional.of(path);
    }
    problems.add(name + ": " + value + " (expected: a readable file)");
    return Optional.empty();
  }

  private static Optional<URI> url(List<String> problems, String name, String value, String... schemes) {
    try {
      URI uri = new URI(value);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (uri.getHost() != null && List.of(schemes).contains(scheme)) {
        return Optional.of(uri);
      }
    } catch (java.net.URISyntaxException e) {
      // reported below
    }
    problems.add(name + ": " + value + " (expected: a " + String.join(" or ", schemes) + " URL)");
    return Optional.empty();
  }

  private static long number(List<String> problems, String name, String value, long min, long max) {
    try {
      long n = Long.parseLong(value);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    problems.add(name + ": " + value + " (expected: " + min + ".." + max + ")");
    return min;
  }
}
