package dev.hlsmesh.protocol.tracker;

/**
 * A viewer's delivery summary, carried by an announce as the hlsmesh extension field
 * {@code "x_hlsmesh":{"v":1,"cdn":…,"p2p":…,"up":…,"stalls":…,"stall_ms":…,"peers":…}}
 * (docs/protocol.md, "Viewer reports"). Standard WebTorrent trackers ignore the field.
 *
 * <p>Every figure is cumulative since this peer id joined this info hash, except
 * {@code peers}, which is the current number of connected peers. All are integers
 * 0..{@link #MAX_VALUE} (the largest integer a JavaScript number holds exactly).
 *
 * @param cdnBytes bytes received from the CDN
 * @param p2pBytes bytes received from peers
 * @param uploadedBytes bytes uploaded to peers
 * @param stalls playback stalls
 * @param stallMillis total stall time in milliseconds
 * @param peers peers connected now
 */
public record ViewerReport(
    long cdnBytes, long p2pBytes, long uploadedBytes, long stalls, long stallMillis, long peers) {

  /** The report format this codec reads and writes ({@code "v":1}). */
  public static final int VERSION = 1;

  /** The largest value of any field: 2^53 - 1. */
  public static final long MAX_VALUE = (1L << 53) - 1;

  public ViewerReport {
    check("cdnBytes", cdnBytes);
    check("p2pBytes", p2pBytes);
    check("uploadedBytes", uploadedBytes);
    check("stalls", stalls);
    check("stallMillis", stallMillis);
    check("peers", peers);
  }

  private static void check(String name, long value) {
    if (value < 0 || value > MAX_VALUE) {
      throw new IllegalArgumentException(
          name + ": " + value + " (expected: 0.." + MAX_VALUE + ")");
    }
  }

  /**
   * The share of received bytes that came from peers, 0..1; 0 when nothing was received.
   */
  public double offload() {
    long total = cdnBytes + p2pBytes;
    return total == 0 ? 0 : (double) p2pBytes / total;
  }
}
