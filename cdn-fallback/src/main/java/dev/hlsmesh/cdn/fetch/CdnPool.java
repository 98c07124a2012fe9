package dev.hlsmesh.cdn.fetch;

import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The CDNs a fetcher knows, their health, and how a URL maps onto each of them. A CDN that timed
 * out, failed or answered 5xx cools down: for {@code coolDownMillis} it is ordered after every CDN
 * that is not cooling down. Thread-safe: counters are atomic, ordering reads a consistent-enough
 * snapshot (a race only changes which healthy CDN is tried first).
 */
final class CdnPool {

    /** One CDN (or an origin outside the configured CDNs). */
    static final class Cdn {
        final URI baseUrl;
        final int preference;
        final AtomicLong bytesReceived = new AtomicLong();
        final AtomicLong successes = new AtomicLong();
        final AtomicLong failures = new AtomicLong();
        final AtomicLong consecutiveFailures = new AtomicLong();
        volatile long coolDownUntilNanos;
        volatile boolean coolingDown;

        Cdn(URI baseUrl, int preference) {
            this.baseUrl = baseUrl;
            this.preference = preference;
        }
    }

    /** A URL as served by one CDN. */
    record Source(Cdn cdn, URI uri) {
    }

    private final List<Cdn> configured;
    private final Map<URI, Cdn> adHoc = new ConcurrentHashMap<>();
    private final LongSupplier nanoClock;
    private final long coolDownNanos;

    CdnPool(List<URI> baseUrls, long coolDownMillis, LongSupplier nanoClock) {
        List<Cdn> cdns = new ArrayList<>();
        for (URI base : baseUrls) {
            cdns.add(new Cdn(base, cdns.size()));
        }
        this.configured = List.copyOf(cdns);
        this.nanoClock = nanoClock;
        this.coolDownNanos = coolDownMillis * 1_000_000L;
    }

    /**
     * Where {@code uri} can be fetched: from every configured CDN if it lies under one of them (the
     * part after the base URL, query included, is appended to each base), otherwise from its own
     * origin only.
     */
    List<Source> sourcesFor(URI uri) {
        String text = uri.toString();
        for (Cdn cdn : configured) {
            String base = cdn.baseUrl.toString();
            if (text.startsWith(base)) {
                String rest = text.substring(base.length());
                List<Source> sources = new ArrayList<>(configured.size());
                for (Cdn other : configured) {
                    sources.add(new Source(other, other == cdn ? uri : URI.create(other.baseUrl + rest)));
                }
                return sources;
            }
        }
        URI origin = URI.create(uri.getScheme() + "://" + uri.getRawAuthority() + "/");
        Cdn cdn = adHoc.computeIfAbsent(origin, o -> new Cdn(o, Integer.MAX_VALUE));
        return List.of(new Source(cdn, uri));
    }

    /**
     * The source to try next: CDNs not cooling down first, then the ones cooling down (soonest
     * back first); among equals the one tried least in this fetch, then configuration order.
     */
    Source pick(List<Source> sources, Map<Cdn, Integer> triesThisFetch) {
        long now = nanoClock.getAsLong();
        return sources.stream()
                .min(Comparator.<Source>comparingInt(s -> isCoolingDown(s.cdn, now) ? 1 : 0)
                        .thenComparingLong(s -> isCoolingDown(s.cdn, now) ? s.cdn.coolDownUntilNanos - now : 0)
                        .thenComparingInt(s -> triesThisFetch.getOrDefault(s.cdn, 0))
                        .thenComparingInt(s -> s.cdn.preference))
                .orElseThrow();
    }

    void recordSuccess(Cdn cdn) {
        cdn.successes.incrementAndGet();
        cdn.consecutiveFailures.set(0);
        cdn.coolingDown = false;
    }

    void recordFailure(Cdn cdn) {
        cdn.failures.incrementAndGet();
        cdn.consecutiveFailures.incrementAndGet();
        cdn.coolDownUntilNanos = nanoClock.getAsLong() + coolDownNanos;
        cdn.coolingDown = coolDownNanos > 0;
    }

    private static boolean isCoolingDown(Cdn cdn, long now) {
        return cdn.coolingDown && cdn.coolDownUntilNanos - now > 0;
    }

    List<CdnStatus> status() {
        long now = nanoClock.getAsLong();
        List<Cdn> all = new ArrayList<>(configured);
        all.addAll(adHoc.values());
        List<CdnStatus> out = new ArrayList<>();
        for (Cdn cdn : all) {
            long remaining = isCoolingDown(cdn, now) ? Math.max(1, (cdn.coolDownUntilNanos - now) / 1_000_000L) : 0;
            out.add(new CdnStatus(cdn.baseUrl, cdn.bytesReceived.get(), cdn.successes.get(), cdn.failures.get(),
                    cdn.consecutiveFailures.get(), remaining));
        }
        return out;
    }
}
