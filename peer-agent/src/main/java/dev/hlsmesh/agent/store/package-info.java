/**
 * Where an agent keeps the segments it serves to peers: {@link dev.hlsmesh.agent.store.SegmentStore}
 * and its bounded in-memory implementation {@link dev.hlsmesh.agent.store.InMemorySegmentStore}.
 */
package dev.hlsmesh.agent.store;
