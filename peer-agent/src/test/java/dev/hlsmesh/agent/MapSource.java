package dev.hlsmesh.agent;

import dev.hlsmesh.agent.peer.SegmentSource;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A test source: segments put by the test, read by the agent thread. */
class MapSource implements SegmentSource {
  final Map<Long, byte[]> segments = new ConcurrentHashMap<>();

  @Override
  public ByteBuffer segment(long segmentId) {
    byte[] bytes = segments.get(segmentId);
    return bytes == null ? null : ByteBuffer.wrap(bytes).asReadOnlyBuffer();
  }

  @Override
  public List<Long> storedSegmentIds() {
    return segments.keySet().stream().sorted().toList();
  }

  @Override
  public List<Long> loadingSegmentIds() {
    return List.of();
  }
}
