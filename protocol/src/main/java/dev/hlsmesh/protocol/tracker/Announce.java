package dev.hlsmesh.protocol.tracker;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * An announce without an answer (PROTOCOL.md A.3.1): a peer joins, refreshes or leaves the swarm
 * {@code infoHash} and may carry offers for other peers. Optional fields are {@code null} when
 * absent from the JSON.
 *
 * @param infoHash the swarm
 * @param peerId the announcing peer
 * @param event the event, or {@code null} for a periodic update
 * @param numwant the client's wish for peers (0..2^31-1), or {@code null}
 * @param uploaded bytes uploaded (stats only), or {@code null}
 * @param downloaded bytes downloaded (stats only), or {@code null}
 * @param left bytes left ({@code 0} = seeder), or {@code null} (leecher)
 * @param offers the offers to relay, in order (empty when absent)
 * @param trackerId the {@code trackerid} echo, or {@code null}
 * @param report the hlsmesh viewer report ({@code x_hlsmesh}), or {@code null} when absent,
 *     of another version, or dropped as malformed
 * @param reportProblem why a malformed {@code x_hlsmesh} was dropped (the announce itself stays
 *     valid), or {@code null}; never encoded
 */
public record Announce(
    BinaryId infoHash,
    BinaryId peerId,
    AnnounceEvent event,
    Integer numwant,
    Long uploaded,
    Long downloaded,
    Long left,
    List<Offer> offers,
    String trackerId,
    ViewerReport report,
    String reportProblem)
    implements ClientMessage {

  public Announce {
    requireNonNull(infoHash, "infoHash");
    requireNonNull(peerId, "peerId");
    offers = List.copyOf(requireNonNull(offers, "offers"));
    if (numwant != null && numwant < 0) {
      throw new IllegalArgumentException("numwant: " + numwant + " (expected: >= 0)");
    }
    if (uploaded != null && uploaded < 0) {
      throw new IllegalArgumentException("uploaded: " + uploaded + " (expected: >= 0)");
    }
    if (downloaded != null && downloaded < 0) {
      throw new IllegalArgumentException("downloaded: " + downloaded + " (expected: >= 0)");
    }
    if (left != null && left < 0) {
      throw new IllegalArgumentException("left: " + left + " (expected: >= 0)");
    }
    if (report != null && reportProblem != null) {
      throw new IllegalArgumentException("a dropped report (" + reportProblem
          + ") cannot come with a report");
    }
  }

  /**
   * The announce the reference browser client sends: {@code numwant} = number of offers (or 50
   * without offers), {@code uploaded} = {@code downloaded} = 0.
   */
  public static Announce of(
      BinaryId infoHash, BinaryId peerId, AnnounceEvent event, List<Offer> offers) {
    return new Announce(infoHash, peerId, event, offers.isEmpty() ? 50 : offers.size(),
        0L, 0L, null, offers, null, null, null);
  }

  /**
   * A report-only announce (docs/protocol.md, "Viewer reports"): no event, {@code numwant} 0, no
   * offers; a tracker treats it as a periodic update that asks for nothing.
   */
  public static Announce reportOnly(BinaryId infoHash, BinaryId peerId, ViewerReport report) {
    requireNonNull(report, "report");
    return new Announce(infoHash, peerId, null, 0, 0L, 0L, null, List.of(), null, report, null);
  }

  /** This announce carrying {@code report} (or none, for {@code null}) instead. */
  public Announce withReport(ViewerReport report) {
    return new Announce(infoHash, peerId, event, numwant, uploaded, downloaded, left, offers,
        trackerId, report, null);
  }

  /** True when the peer has the whole content ({@code left == 0}). */
  public boolean isSeeder() {
    return left != null && left == 0;
  }
}
