package dev.hlsmesh.tracker.access;

import static java.util.Objects.requireNonNull;

import dev.hlsmesh.protocol.tracker.BinaryId;
import java.time.Instant;
import java.util.Set;

/**
 * What a join token allows: the swarms (tracker info hashes) its holder may announce to, until
 * when the token may be used to connect, and an optional subject for logs.
 *
 * <p>Immutable. Build one with {@link #forSwarms} or {@link #anySwarm}.
 *
 * @param infoHashes the info hashes allowed; ignored when {@code anySwarm}
 * @param anySwarm true if the token names no swarms: any swarm is allowed
 * @param expiresAt the token is refused from this instant on
 * @param subject who the token was minted for (a viewer or session id), or empty
 */
public record JoinGrant(Set<BinaryId> infoHashes, boolean anySwarm, Instant expiresAt,
    String subject) {

  /** Largest number of info hashes one token may name (keeps the URL under 4 KiB). */
  public static final int MAX_INFO_HASHES = 64;

  /** Checks and copies. */
  public JoinGrant {
    requireNonNull(infoHashes, "infoHashes");
    requireNonNull(expiresAt, "expiresAt");
    requireNonNull(subject, "subject");
    infoHashes = Set.copyOf(infoHashes);
    if (!anySwarm && infoHashes.isEmpty()) {
      throw new IllegalArgumentException(
          "infoHashes: empty (expected: at least one, or anySwarm)");
    }
    if (infoHashes.size() > MAX_INFO_HASHES) {
      throw new IllegalArgumentException("infoHashes: " + infoHashes.size()
          + " (expected: at most " + MAX_INFO_HASHES + ")");
    }
  }

  /** A grant for these swarms only. */
  public static JoinGrant forSwarms(Set<BinaryId> infoHashes, Instant expiresAt) {
    return new JoinGrant(infoHashes, false, expiresAt, "");
  }

  /** A grant for any swarm (the token only proves that its holder may use the tracker). */
  public static JoinGrant anySwarm(Instant expiresAt) {
    return new JoinGrant(Set.of(), true, expiresAt, "");
  }

  /** The same grant with a subject. */
  public JoinGrant withSubject(String subject) {
    return new JoinGrant(infoHashes, anySwarm, expiresAt, subject);
  }

  /** True if the holder may announce to (and scrape) this swarm. */
  public boolean allows(BinaryId infoHash) {
    return anySwarm || infoHashes.contains(infoHash);
  }
}
