package dev.hlsmesh.agent.delivery;

import dev.hlsmesh.cdn.fetch.BodyListener;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link SegmentLoader} that can also hand over a segment's bytes while they arrive, so that
 * the hybrid scheduler can serve a segment to peers before its own download is complete.
 * {@link CdnSegmentLoader} is one.
 *
 * <p>Thread-safe, as {@link SegmentLoader}.
 */
public interface StreamingSegmentLoader extends SegmentLoader {

  /**
   * As {@link #load(SegmentRequest)}, telling {@code progress} the body's size (when the
   * response says it) and each chunk as it arrives, on the download's thread, in order, never
   * after the returned future completed. {@code progress} must not block.
   */
  CompletableFuture<byte[]> load(SegmentRequest request, BodyListener progress);
}
