package dev.hlsmesh.agent;

import dev.hlsmesh.tracker.Tracker;
import dev.hlsmesh.tracker.config.TrackerConfig;
import java.net.URI;

/** Our tracker (signaling-server), embedded on 127.0.0.1, for agent tests. */
final class TestTracker implements AutoCloseable {
  private final Tracker tracker;

  private TestTracker(Tracker tracker) {
    this.tracker = tracker;
  }

  /** On a free port. */
  static TestTracker start() {
    return start(0);
  }

  /** On the given port (0: a free one). */
  static TestTracker start(int port) {
    // Generous message rates: several agents share 127.0.0.1 and announce often in tests.
    return new TestTracker(Tracker.start(TrackerConfig.builder().host("127.0.0.1").port(port)
        .messageRatePerSecond(1_000).messageBurst(1_000).build()));
  }

  URI url() {
    return URI.create("ws://127.0.0.1:" + tracker.port());
  }

  int port() {
    return tracker.port();
  }

  @Override
  public void close() {
    tracker.close();
  }
}
