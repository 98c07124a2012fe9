package dev.hlsmesh.agent.proxy;

import java.util.ArrayList;
import java.util.List;

/**
 * How a {@link HlsProxy} listens and waits.
 *
 * @param port TCP port on 127.0.0.1; 0 picks a free one (default 0)
 * @param resourceTimeoutMillis deadline of fetching an init section, key or session data through
 *     the proxy (default 10000 ms); playlists use the CDN configuration's playlist timeout
 * @param maxResourceBytes largest init section, key or session data passed through (default 16 MiB)
 * @param rememberedResources how many init-section/key URLs the proxy keeps serving (oldest are
 *     forgotten; default 4096)
 */
public record ProxySettings(int port, long resourceTimeoutMillis, int maxResourceBytes, int rememberedResources) {

  /** Validates every setting and reports all problems at once. */
  public ProxySettings {
    List<String> problems = new ArrayList<>();
    if (port < 0 || port > 65_535) {
      problems.add("proxy.port: " + port + " (expected: 0..65535)");
    }
    if (resourceTimeoutMillis < 1 || resourceTimeoutMillis > 600_000) {
      problems.add("proxy.resourceTimeoutMillis: " + resourceTimeoutMillis + " (expected: 1..600000)");
    }
    if (maxResourceBytes < 1) {
      problems.add("proxy.maxResourceBytes: " + maxResourceBytes + " (expected: >= 1)");
    }
    if (rememberedResources < 1 || rememberedResources > 1_000_000) {
      problems.add("proxy.rememberedResources: " + rememberedResources + " (expected: 1..1000000)");
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("invalid proxy settings: " + String.join("; ", problems));
    }
  }

  /** Port 0, 10 s resource timeout, 16 MiB resources, 4096 remembered resources. */
  public static ProxySettings defaults() {
    return new ProxySettings(0, 10_000, 16 << 20, 4096);
  }

  /** The same settings on another port. */
  public ProxySettings withPort(int port) {
    return new ProxySettings(port, resourceTimeoutMillis, maxResourceBytes, rememberedResources);
  }
}
