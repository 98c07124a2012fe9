package dev.hlsmesh.tracker;

import dev.hlsmesh.tracker.config.InvalidConfigException;
import dev.hlsmesh.tracker.config.TrackerConfig;
import dev.hlsmesh.tracker.config.TrackerConfigLoader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Standalone tracker: {@code bin/tracker [config.yaml]}. Without a file it runs on the defaults
 * (port 8000); {@code TRACKER_HOST}/{@code TRACKER_PORT} override the file. Exits 2 on a bad
 * configuration (listing every problem), 1 if the port cannot be bound; stops gracefully on
 * SIGTERM/SIGINT.
 */
public final class TrackerMain {
  private TrackerMain() {}

  public static void main(String[] args) throws InterruptedException {
    if (System.getProperty("logback.configurationFile") == null) {
      // Before the first logger exists: the standalone logging setup, not the library default.
      System.setProperty("logback.configurationFile", "hlsmesh-tracker-logback.xml");
    }
    int status = run(args, System.err);
    if (status != 0) {
      System.exit(status);
    }
  }

  static int run(String[] args, PrintStream err) throws InterruptedException {
    Path file = null;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("-h") || arg.equals("--help")) {
        err.println("usage: tracker [--config FILE | FILE]   (env: TRACKER_HOST, TRACKER_PORT)");
        return 0;
      } else if (arg.equals("--config") && i + 1 < args.length) {
        file = Path.of(args[++i]);
      } else if (!arg.startsWith("-") && file == null) {
        file = Path.of(arg);
      } else {
        err.println("tracker: unexpected argument " + arg
            + "\nusage: tracker [--config FILE | FILE]");
        return 2;
      }
    }
    TrackerConfig config;
    try {
      config = TrackerConfigLoader.load(file, System.getenv());
    } catch (InvalidConfigException e) {
      err.println(e.getMessage());
      return 2;
    }
    Tracker tracker;
    try {
      tracker = Tracker.start(config);
    } catch (UncheckedIOException e) {
      err.println("tracker: " + e.getMessage());
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      tracker.close();
      stopped.countDown();
    }, "tracker-shutdown"));
    stopped.await();
    return 0;
  }
}
