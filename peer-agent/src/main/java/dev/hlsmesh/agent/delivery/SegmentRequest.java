package dev.hlsmesh.agent.delivery;

import static java.util.Objects.requireNonNull;

import dev.hlsmesh.cdn.hls.MediaPlaylist;
import dev.hlsmesh.cdn.hls.Segment;
import java.time.Instant;

/**
 * A player's request for one media segment.
 *
 * @param stream the stream the segment belongs to (decides the swarm)
 * @param playlist the media playlist snapshot the segment was listed in (target duration, live
 *     or not, the window around it)
 * @param segment the segment: URL, byte range, id on the peer wire, duration
 * @param playbackDeadline when the player will need the segment's first byte to keep playing;
 *     now or earlier when it is needed at once (startup, stall). A loader uses it to choose
 *     between peers and the CDN; it is not a reason to give up: a late segment is still wanted.
 */
public record SegmentRequest(HlsStream stream, MediaPlaylist playlist, Segment segment, Instant playbackDeadline) {

  public SegmentRequest {
    requireNonNull(stream, "stream");
    requireNonNull(playlist, "playlist");
    requireNonNull(segment, "segment");
    requireNonNull(playbackDeadline, "playbackDeadline");
  }
}
