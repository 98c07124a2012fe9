package dev.hlsmesh.agent.delivery;

import dev.hlsmesh.cdn.hls.MediaPlaylist;
import java.util.concurrent.CompletableFuture;

/**
 * Where a player's segments come from: the seam between playback (the local HLS proxy, the
 * virtual player) and delivery. {@link CdnSegmentLoader} fetches everything from the CDN; the
 * hybrid scheduler implements the same interface and decides per segment between peers and the
 * CDN.
 *
 * <p>Thread-safe: any thread may call it; futures may complete on any thread, so callers must not
 * block in their continuations.
 */
public interface SegmentLoader extends AutoCloseable {

  /**
   * Loads one whole segment (its byte range only, when it has one).
   *
   * @return the segment's bytes (not modified by the caller afterwards), or fails with a
   *     {@link SegmentLoadException}. Cancelling the future tells the loader the player no
   *     longer wants the segment.
   */
  CompletableFuture<byte[]> load(SegmentRequest request);

  /**
   * The player loaded a new snapshot of a media playlist it plays. Tells the loader which stream
   * (swarm) the player is on now, and the live window around it. Default: ignored.
   */
  default void playlistLoaded(HlsStream stream, MediaPlaylist playlist) {
  }

  /** Stops loading; pending loads fail. Default: nothing to release. */
  @Override
  default void close() {
  }
}
