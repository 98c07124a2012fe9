package dev.hlsmesh.agent.peer;

import dev.hlsmesh.agent.store.SegmentBuffer;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The segments an agent serves in one swarm, as the peer protocol sees them.
 *
 * <p>Thread: called only on the agent's owner executor; the agent adapts its
 * {@link dev.hlsmesh.agent.store.SegmentStore} to it.
 */
public interface SegmentSource {
  /** The bytes of a held segment (position 0, limit = size), or {@code null} if not held now. */
  ByteBuffer segment(long segmentId);

  /** Ids of the held segments, for announcements. */
  List<Long> storedSegmentIds();

  /** Ids being downloaded over HTTP now, for announcements. */
  List<Long> loadingSegmentIds();

  /**
   * A segment not held complete but still arriving, which can be served as its bytes come, or
   * {@code null}. Default: none.
   */
  default SegmentBuffer arriving(long segmentId) {
    return null;
  }
}
