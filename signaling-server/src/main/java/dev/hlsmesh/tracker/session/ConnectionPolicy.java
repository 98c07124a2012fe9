package dev.hlsmesh.tracker.session;

import static java.util.Objects.requireNonNull;

import dev.hlsmesh.protocol.tracker.BinaryId;
import dev.hlsmesh.tracker.access.JoinGrant;
import dev.hlsmesh.tracker.config.TrackerConfig;

/**
 * What one connection may do beyond the protocol: the swarms its join token allows, and its
 * announce and offer budgets (its own and its IP address's).
 *
 * <p>Called only on the connection's event loop (the IP budgets are thread-safe themselves).
 */
public final class ConnectionPolicy {
  private final JoinGrant grant;
  private final MinuteBucket announces;
  private final MinuteBucket offers;
  private final IpRates ip;

  /**
   * @param grant what the connection's join token allows, or null without a token (any swarm)
   * @param ip the budgets of the connection's IP address
   */
  public ConnectionPolicy(TrackerConfig config, JoinGrant grant, IpRates ip, long nowMillis) {
    this.grant = grant;
    this.ip = requireNonNull(ip, "ip");
    this.announces = new MinuteBucket(config.maxAnnouncesPerMinutePerConnection(), nowMillis);
    this.offers = new MinuteBucket(config.maxOffersPerMinutePerConnection(), nowMillis);
  }

  /** True if the join token (if any) allows this swarm. */
  boolean allowsSwarm(BinaryId infoHash) {
    return grant == null || grant.allows(infoHash);
  }

  /** Spends one announce of the connection's and the IP's budgets; false if either is empty. */
  boolean tryAnnounce(long nowMillis) {
    if (announces.available(nowMillis) < 1) {
      return false;
    }
    synchronized (ip) {
      if (!ip.hasAnnounce(nowMillis)) {
        return false;
      }
      ip.takeAnnounce();
    }
    announces.take(1);
    return true;
  }

  /** Offers that may be relayed now (the smaller of the two budgets). */
  int offerAllowance(long nowMillis) {
    return Math.min(offers.available(nowMillis), ip.availableOffers(nowMillis));
  }

  /** Spends {@code count} relayed offers (at most the last {@link #offerAllowance}). */
  void chargeOffers(int count) {
    if (count > 0) {
      offers.take(count);
      ip.takeOffers(count);
    }
  }
}
