package dev.hlsmesh.agent.delivery;

import dev.hlsmesh.agent.store.SegmentBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link SegmentLoader} that fills a caller's {@link SegmentBuffer} as the bytes arrive, so that
 * the hybrid scheduler can serve a segment to peers before its own download is complete, and the
 * segment is copied once on its way from the network to the player, the store and the peers.
 * {@link CdnSegmentLoader} is one.
 *
 * <p>Thread-safe, as {@link SegmentLoader}.
 */
public interface StreamingSegmentLoader extends SegmentLoader {

  /**
   * As {@link #load(SegmentRequest)}, appending the body to {@code into} (after any bytes already
   * there: a range request for the rest of a segment continues its prefix), telling it the total
   * size when the response says it, and completing (freezing) it when the body is whole. The
   * writes happen on the download's thread, in order, never after the returned future completed.
   *
   * @return the complete buffer's bytes ({@link SegmentBuffer#bytes()}, not a copy); or fails with
   *     a {@link SegmentLoadException}, the buffer then failed
   */
  CompletableFuture<byte[]> load(SegmentRequest request, SegmentBuffer into);
}
