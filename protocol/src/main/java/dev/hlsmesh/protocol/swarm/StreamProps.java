package dev.hlsmesh.protocol.swarm;

import java.util.Objects;

/**
 * What p2p-media-loader knows about one stream when it computes the stream index (PROTOCOL.md
 * B.2): the props object a player integration passes to {@code generateStreamShortId}, plus the
 * stream type. Fields mirror JavaScript values: {@code null} stands for {@code undefined}, and
 * numbers are doubles so that {@code NaN} (a variant without a usable bandwidth) can be
 * expressed. {@link HlsjsStreams#derive} builds these from master-playlist attributes as hls.js
 * does; shaka-style or hand-made props can be built directly.
 *
 * <p>{@code channels} and {@code frameRate} are strings. A player that passes them as numbers
 * (shaka) is matched by passing the number's JavaScript spelling, except that the number 0 must
 * be passed as {@code null} (0 is falsy in JavaScript, the string "0" is not).
 *
 * @param type       main variant or secondary rendition
 * @param bitrate    bits per second; {@code null} counts as 0, {@code NaN} prints as {@code NaN}
 * @param codecs     the codecs string (comma-separated), or null
 * @param width      video width in pixels, or null
 * @param height     video height in pixels, or null
 * @param language   language tag such as {@code en-US}, or null
 * @param channels   channel count such as {@code 2} or {@code 6/JOC}, or null
 * @param name       rendition name, or null
 * @param frameRate  frame rate as written, such as {@code 29.970}, or null
 * @param videoRange {@code SDR}, {@code PQ} or {@code HLG}, or null
 */
public record StreamProps(
    StreamType type,
    Double bitrate,
    String codecs,
    Double width,
    Double height,
    String language,
    String channels,
    String name,
    String frameRate,
    String videoRange) {

  public StreamProps {
    Objects.requireNonNull(type, "type");
  }

  /** Props of a main stream whose only known field is the bitrate (e.g. {@code bitrate == 0}). */
  public static StreamProps mainWithBitrateOnly(double bitrate) {
    return new StreamProps(StreamType.MAIN, bitrate, null, null, null, null, null, null, null, null);
  }
}
