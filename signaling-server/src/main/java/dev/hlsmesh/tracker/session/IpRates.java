package dev.hlsmesh.tracker.session;

/**
 * The announce and offer budgets shared by every connection from one IP address.
 *
 * <p>Thread-safe (synchronized): connections of one address may live on different event loops.
 */
public final class IpRates {
  private final MinuteBucket announces;
  private final MinuteBucket offers;

  /** Full buckets with these per-minute rates. */
  public IpRates(int announcesPerMinute, int offersPerMinute, long nowMillis) {
    this.announces = new MinuteBucket(announcesPerMinute, nowMillis);
    this.offers = new MinuteBucket(offersPerMinute, nowMillis);
  }

  synchronized boolean hasAnnounce(long nowMillis) {
    return announces.available(nowMillis) >= 1;
  }

  synchronized void takeAnnounce() {
    announces.take(1);
  }

  synchronized int availableOffers(long nowMillis) {
    return offers.available(nowMillis);
  }

  synchronized void takeOffers(int count) {
    offers.take(count);
  }

  /** True if nothing was spent for a minute: the entry can be dropped and re-created full. */
  public synchronized boolean isIdle(long nowMillis) {
    return announces.isFull(nowMillis) && offers.isFull(nowMillis);
  }
}
