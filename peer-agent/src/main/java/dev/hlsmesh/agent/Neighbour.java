package dev.hlsmesh.agent;

import static java.util.Objects.requireNonNull;

import java.util.Set;

/**
 * A connected peer in a swarm and what it last announced (PROTOCOL.md C.7: each announcement
 * replaces the previous one whole).
 *
 * @param peerId the remote peer id (20 ASCII characters)
 * @param storedSegmentIds the segments it holds and serves (the {@code l} list)
 * @param loadingSegmentIds the segments it is fetching over HTTP now (the {@code p} list)
 */
public record Neighbour(String peerId, Set<Long> storedSegmentIds, Set<Long> loadingSegmentIds) {

  public Neighbour {
    requireNonNull(peerId, "peerId");
    storedSegmentIds = Set.copyOf(storedSegmentIds);
    loadingSegmentIds = Set.copyOf(loadingSegmentIds);
  }
}
