package dev.hlsmesh.agent.peer;

import static java.util.Objects.requireNonNull;

import dev.hlsmesh.protocol.tracker.BinaryId;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Remote peers a swarm refuses for a while (a peer that sent a corrupt segment). A banned peer
 * id is neither answered nor offered to until its ban ends. Expired bans are forgotten lazily.
 *
 * <p>Thread: the agent's owner executor only.
 */
public final class PeerBans {
  private static final int PRUNE_AT = 1024;
  private final long banNanos;
  private final LongSupplier nanoTime;
  private final Map<BinaryId, Long> bannedUntil = new HashMap<>();

  /**
   * @param banMillis how long a ban lasts; 0 disables banning
   * @param nanoTime the time source (tests step it)
   */
  public PeerBans(long banMillis, LongSupplier nanoTime) {
    if (banMillis < 0) {
      throw new IllegalArgumentException("banMillis: " + banMillis + " (expected: >= 0)");
    }
    this.banNanos = banMillis * 1_000_000;
    this.nanoTime = requireNonNull(nanoTime, "nanoTime");
  }

  /** Bans a peer from now on (extending a running ban); no-op when banning is disabled. */
  public void ban(BinaryId peer) {
    requireNonNull(peer, "peer");
    if (banNanos > 0) {
      if (bannedUntil.size() >= PRUNE_AT) {
        size(); // forgets the expired bans once many have accumulated
      }
      bannedUntil.put(peer, nanoTime.getAsLong() + banNanos);
    }
  }

  /** Whether a peer is banned now. */
  public boolean isBanned(BinaryId peer) {
    Long until = bannedUntil.get(peer);
    if (until == null) {
      return false;
    }
    if (nanoTime.getAsLong() - until >= 0) {
      bannedUntil.remove(peer);
      return false;
    }
    return true;
  }

  /** Peers banned now. */
  public int size() {
    long now = nanoTime.getAsLong();
    bannedUntil.values().removeIf(until -> now - until >= 0);
    return bannedUntil.size();
  }
}
