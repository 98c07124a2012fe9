package dev.hlsmesh.protocol.tracker;

import static java.util.Objects.requireNonNull;

/**
 * A {@code failure reason} (PROTOCOL.md A.4.5). The reference client only shows it to the
 * application when {@code action} is present; a failure without {@code action} makes it drop
 * and later reconnect the socket.
 *
 * @param reason the human-readable reason
 * @param action the action of the request, or {@code null} when it is not known
 * @param infoHash the swarm of the request, or {@code null} when it is not known
 */
public record Failure(String reason, TrackerAction action, BinaryId infoHash)
    implements ServerMessage {
  public Failure {
    requireNonNull(reason, "reason");
  }
}
