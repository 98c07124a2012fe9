package dev.hlsmesh.tracker.swarm;

import static java.util.Objects.requireNonNull;

import dev.hlsmesh.protocol.tracker.BinaryId;
import java.util.List;

/**
 * One swarm as the analytics show it (served as JSON by {@code GET /swarms}, see
 * docs/operations.md): its members and what its viewers reported.
 *
 * @param infoHash the swarm
 * @param viewers peers in the swarm (reporting or not)
 * @param seeders peers that announced {@code completed} or {@code left: 0}
 * @param reporters peers whose latest announce carried a viewer report
 * @param now the sums of the latest report of each reporting peer in the swarm now
 * @param total the increases of every report since the swarm appeared on this tracker,
 *     including peers that left; {@code peers} is the current sum
 * @param series the increases per time bucket, oldest first, ending with the current bucket
 */
public record SwarmSummary(BinaryId infoHash, int viewers, int seeders, int reporters,
    Figures now, Figures total, List<Bucket> series) {

  public SwarmSummary {
    requireNonNull(infoHash, "infoHash");
    requireNonNull(now, "now");
    requireNonNull(total, "total");
    series = List.copyOf(series);
  }

  /** Summed report figures (see {@link dev.hlsmesh.protocol.tracker.ViewerReport}). */
  public record Figures(long cdnBytes, long p2pBytes, long uploadedBytes, long stalls,
      long stallMillis, long peers) {
    static final Figures ZERO = new Figures(0, 0, 0, 0, 0, 0);

    /** Share of received bytes that came from peers, or NaN when nothing was received. */
    public double offload() {
      return ratio(cdnBytes, p2pBytes);
    }
  }

  /**
   * The increases reported during one time bucket.
   *
   * @param startMillis the bucket's start on the tracker's clock
   */
  public record Bucket(long startMillis, long cdnBytes, long p2pBytes, long stalls) {
    /** Share of the bytes received in this bucket that came from peers, or NaN. */
    public double offload() {
      return ratio(cdnBytes, p2pBytes);
    }
  }

  /** The width of a {@link Bucket}. */
  public static long bucketMillis() {
    return SwarmTraffic.BUCKET_MILLIS;
  }

  static SwarmSummary withoutReports(BinaryId infoHash, int viewers, int seeders) {
    return new SwarmSummary(infoHash, viewers, seeders, 0, Figures.ZERO, Figures.ZERO,
        List.of());
  }

  private static double ratio(long cdn, long p2p) {
    double received = (double) cdn + p2p;
    return received == 0 ? Double.NaN : p2p / received;
  }
}
