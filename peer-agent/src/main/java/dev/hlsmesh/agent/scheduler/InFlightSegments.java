package dev.hlsmesh.agent.scheduler;

import dev.hlsmesh.agent.store.SegmentBuffer;
import java.util.List;

/**
 * The segments a swarm's scheduler is fetching now, as its peers see them: the one place where
 * "in flight" lives. Complete segments are in the store; these are not there yet.
 *
 * <p>Thread: called only on the swarm's owner ({@link SwarmExecutor}).
 */
public interface InFlightSegments {
  /** Ids being fetched over HTTP and offered while they arrive (the {@code p} list, PROTOCOL.md C.7). */
  List<Long> loadingSegmentIds();

  /** The buffer of a segment being fetched that peers may be served from while it grows, or null. */
  SegmentBuffer arriving(long segmentId);
}
