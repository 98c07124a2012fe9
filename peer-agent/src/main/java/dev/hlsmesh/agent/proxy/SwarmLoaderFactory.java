package dev.hlsmesh.agent.proxy;

import dev.hlsmesh.agent.SwarmKey;
import dev.hlsmesh.agent.delivery.SegmentLoader;

/**
 * Makes the segment loader of one swarm for a proxy that moves its agent between swarms as the
 * player switches variants (see {@link HlsProxy#start(java.net.URI, dev.hlsmesh.cdn.fetch.CdnFetcher,
 * dev.hlsmesh.agent.Agent, SwarmLoaderFactory, dev.hlsmesh.agent.stats.AgentStats, ProxySettings)}).
 * Typically {@code swarm -> new HybridSegmentLoader(swarm, agent.swarmPeers(swarm), store, new CdnSegmentLoader(...), ...)}.
 */
@FunctionalInterface
public interface SwarmLoaderFactory {

  /**
   * A loader for {@code swarm}, which the agent has just joined. The proxy closes it when it
   * leaves the swarm (or closes), so it must not be shared between swarms.
   */
  SegmentLoader open(SwarmKey swarm);
}
