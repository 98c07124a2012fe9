package dev.hlsmesh.protocol.swarm;

import java.util.Objects;

/**
 * Segment ids as the hls.js integration of p2p-media-loader assigns them (PROTOCOL.md B.6).
 * The wire id ({@code externalId}) is only unique within one stream swarm. Stateless.
 */
public final class SegmentIds {
  private SegmentIds() {
  }

  /**
   * The id a segment has on the wire.
   *
   * @param live                 true unless the media playlist has {@code #EXT-X-ENDLIST}
   *                             ({@code PLAYLIST-TYPE} is not consulted, so EVENT is live)
   * @param playlistMediaSequence the playlist's {@code EXT-X-MEDIA-SEQUENCE} (0 if absent)
   * @param position             0-based position of the segment in the media playlist
   * @return live: the media sequence number ({@code playlistMediaSequence + position});
   *         VOD: {@code position}, whatever the media sequence
   */
  public static long externalId(boolean live, long playlistMediaSequence, int position) {
    if (position < 0) {
      throw new IllegalArgumentException("position: " + position + " (expected: >= 0)");
    }
    return live ? playlistMediaSequence + position : position;
  }

  /**
   * The local identity of a segment in p2p-media-loader: its absolute URL.
   *
   * @param segmentUrl the absolute segment URL
   * @return the URL itself
   */
  public static String runtimeId(String segmentUrl) {
    return Objects.requireNonNull(segmentUrl, "segmentUrl");
  }

  /**
   * The local identity of a byte-range segment: {@code url|start-end}, end inclusive.
   *
   * @param segmentUrl         the absolute segment URL
   * @param firstByte          offset of the first byte of the range
   * @param lastByteInclusive  offset of the last byte of the range
   * @return e.g. {@code https://cdn.example.com/vod/v/media.mp4|1000-2199}
   */
  public static String runtimeId(String segmentUrl, long firstByte, long lastByteInclusive) {
    Objects.requireNonNull(segmentUrl, "segmentUrl");
    return segmentUrl + "|" + firstByte + "-" + lastByteInclusive;
  }
}
