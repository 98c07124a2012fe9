package dev.hlsmesh.agent;

import dev.hlsmesh.cdn.ByteRange;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * An embedding application's own check of a segment received from a peer, like
 * p2p-media-loader's {@code validateP2PSegment(url, byteRange, data)} hook: passed in
 * {@link IntegritySettings#validator()}, it runs after the agent's own checks (sidecar hash,
 * size) and before the segment is stored, re-shared or played. Completing with {@code false}
 * counts as a corrupt segment: the bytes are dropped, the segment is fetched from the CDN and
 * the sending peer is disconnected and refused for a while. Failing (or throwing) drops the
 * bytes and fetches from the CDN without blaming the peer.
 *
 * <p>Called on a pool thread; it must not block (return a future for slow work).
 */
@FunctionalInterface
public interface SegmentValidator {
  /**
   * @param segmentUri the segment's URL as the playlist lists it (resolved, query kept)
   * @param byteRange its {@code EXT-X-BYTERANGE}, if it has one
   * @param bytes the received segment (read-only)
   * @return completes with whether to accept it
   */
  CompletionStage<Boolean> validate(URI segmentUri, Optional<ByteRange> byteRange, ByteBuffer bytes);
}
