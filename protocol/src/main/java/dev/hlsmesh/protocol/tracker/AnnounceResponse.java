package dev.hlsmesh.protocol.tracker;

import static java.util.Objects.requireNonNull;

/**
 * The tracker's answer to an announce (PROTOCOL.md A.4.1).
 *
 * @param infoHash the swarm announced to
 * @param complete seeders in the swarm
 * @param incomplete leechers in the swarm
 * @param intervalSeconds seconds until the next announce ({@code interval}, or
 *     {@code min interval} when only that is present)
 * @param warningMessage a {@code warning message}, or {@code null}
 */
public record AnnounceResponse(
    BinaryId infoHash, int complete, int incomplete, int intervalSeconds, String warningMessage)
    implements ServerMessage {

  public AnnounceResponse {
    requireNonNull(infoHash, "infoHash");
    if (complete < 0 || incomplete < 0 || intervalSeconds < 0) {
      throw new IllegalArgumentException("complete, incomplete and intervalSeconds must be >= 0, got "
          + complete + ", " + incomplete + ", " + intervalSeconds);
    }
  }

  /** A response without warning. */
  public static AnnounceResponse of(
      BinaryId infoHash, int complete, int incomplete, int intervalSeconds) {
    return new AnnounceResponse(infoHash, complete, incomplete, intervalSeconds, null);
  }
}
