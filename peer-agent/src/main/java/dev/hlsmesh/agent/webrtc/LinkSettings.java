package dev.hlsmesh.agent.webrtc;

import static java.util.Objects.requireNonNull;

import dev.hlsmesh.agent.IceServer;
import java.util.List;

/**
 * How one agent's WebRTC links are set up and flow-controlled. Immutable.
 *
 * @param iceServers STUN/TURN servers (empty: host candidates only)
 * @param gatheringTimeoutMillis how long to wait for ICE gathering before sending the SDP with the
 *     candidates gathered so far (non-trickle negotiation)
 * @param connectTimeoutMillis how long a link may take from remote description to open channel,
 *     and how long it may stay disconnected, before it is closed
 * @param lowWatermarkBytes a link blocked on its buffered amount becomes writable again at or
 *     below this many bytes
 * @param highWatermarkBytes a link stops being writable at or above this many buffered bytes
 */
public record LinkSettings(
    List<IceServer> iceServers,
    long gatheringTimeoutMillis,
    long connectTimeoutMillis,
    long lowWatermarkBytes,
    long highWatermarkBytes) {

  /** Validates. */
  public LinkSettings {
    requireNonNull(iceServers, "iceServers");
    iceServers = List.copyOf(iceServers);
    if (gatheringTimeoutMillis <= 0 || connectTimeoutMillis <= 0) {
      throw new IllegalArgumentException("timeouts must be positive");
    }
    if (lowWatermarkBytes < 0 || highWatermarkBytes <= lowWatermarkBytes) {
      throw new IllegalArgumentException("expected 0 <= lowWatermarkBytes < highWatermarkBytes, got "
          + lowWatermarkBytes + " and " + highWatermarkBytes);
    }
  }
}
