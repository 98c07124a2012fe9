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
 * @param swarmLeaveGraceMillis for a proxy that moves its agent between swarms: after the player
 *     switches to another variant, the previous variant's swarm is left once it has gone unused
 *     this long (default 10000 ms, five 2 s segments), so a player that flips back and forth keeps
 *     its peers instead of leaving and re-joining on every switch
 */
public record ProxySettings(int port, long resourceTimeoutMillis, int maxResourceBytes, int rememberedResources,
    long swarmLeaveGraceMillis) {

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
    if (swarmLeaveGraceMillis < 0 || swarmLeaveGraceMillis > 3_600_000) {
      problems.add("proxy.swarmLeaveGraceMillis: " + swarmLeaveGraceMillis + " (expected: 0..3600000)");
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("invalid proxy settings: " + String.join("; ", problems));
    }
  }

  /** Port 0, 10 s resource timeout, 16 MiB resources, 4096 remembered resources, 10 s swarm leave grace. */
  public static ProxySettings defaults() {
    return new ProxySettings(0, 10_000, 16 << 20, 4096, 10_000);
  }

  /** The same settings on another port. */
  public ProxySettings withPort(int port) {
    return new ProxySettings(port, resourceTimeoutMillis, maxResourceBytes, rememberedResources, swarmLeaveGraceMillis);
  }

  /** The same settings with another swarm leave grace. */
  public ProxySettings withSwarmLeaveGraceMillis(long swarmLeaveGraceMillis) {
    return new ProxySettings(port, resourceTimeoutMillis, maxResourceBytes, rememberedResources, swarmLeaveGraceMillis);
  }
}
