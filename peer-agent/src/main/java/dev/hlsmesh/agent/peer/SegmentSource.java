package dev.hlsmesh.agent.peer;

import java.util.List;

/**
 * The segments an agent serves in one swarm, as the peer protocol sees them.
 *
 * <p>Thread: called only on the agent's owner executor; implementations must be safe to call
 * from it (the agent adapts its segment store).
 */
public interface SegmentSource {
  /** The bytes of a held segment, or {@code null} if it is not held now. Not modified by callers. */
  byte[] segment(long segmentId);

  /** Ids of the held segments, for announcements. */
  List<Long> storedSegmentIds();

  /** Ids being downloaded over HTTP now, for announcements. */
  List<Long> loadingSegmentIds();
}
