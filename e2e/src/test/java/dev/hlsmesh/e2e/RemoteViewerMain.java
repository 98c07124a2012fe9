package dev.hlsmesh.e2e;

import dev.hlsmesh.agent.AgentConfig;
import dev.hlsmesh.agent.Viewer;
import dev.hlsmesh.agent.ViewerConfig;
import java.net.URI;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * One viewer (the embedding facade, its headless player on the first variant) in a JVM of its own,
 * so that a test can kill it with SIGKILL, as a crashed process or a vanished machine: nothing
 * is closed, no data channel is shut, the tracker is not told. It prints {@code uploaded N}
 * (payload bytes uploaded so far) every 100 ms on stdout and exits by itself after
 * {@code lifetimeSeconds} in case nobody kills it.
 *
 * <p>Arguments: {@code trackerUri masterPlaylistUri maxUploadBytesPerSecond lifetimeSeconds}.
 */
public final class RemoteViewerMain {
  private RemoteViewerMain() {
  }

  public static void main(String[] args) throws Exception {
    URI tracker = URI.create(args[0]);
    URI masterUri = URI.create(args[1]);
    long maxUploadBytesPerSecond = Long.parseLong(args[2]);
    long lifetimeSeconds = Long.parseLong(args[3]);
    ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
    Viewer viewer = Viewer.start(ViewerConfig.builder(AgentConfig.builder(tracker).peers(4, 16)
        .belowMinimumAnnounceMillis(1_000).trackerReconnectMillis(100, 1_000)
        .maxUploadBytesPerSecond(maxUploadBytesPerSecond).build()).build(), masterUri);
    viewer.connect();
    viewer.playHeadless(null);
    long endNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(lifetimeSeconds);
    timer.scheduleAtFixedRate(() -> {
      System.out.println("uploaded " + viewer.stats().uploadedBytes());
      System.out.flush();
      if (System.nanoTime() > endNanos) {
        Runtime.getRuntime().halt(0);
      }
    }, 100, 100, TimeUnit.MILLISECONDS);
  }
}
