/**
 * Agent metrics: {@link dev.hlsmesh.agent.metrics.AgentMetrics} binds an agent's
 * {@link dev.hlsmesh.agent.stats.AgentStats} to a Micrometer registry of the embedding
 * application.
 */
package dev.hlsmesh.agent.metrics;
