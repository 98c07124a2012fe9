package dev.hlsmesh.cdn.fetch;

import java.net.URI;

/**
 * A snapshot of one CDN's health and traffic.
 *
 * @param baseUrl the configured base URL, or the {@code scheme://host:port/} of a URL fetched
 *     outside every configured CDN
 * @param bytesReceived body bytes received from it, all fetches
 * @param successes attempts that completed
 * @param failures attempts that timed out, failed to connect, were cut short or answered 5xx
 * @param consecutiveFailures failures since its last success
 * @param coolDownRemainingMillis while above 0 the CDN is tried last
 */
public record CdnStatus(URI baseUrl, long bytesReceived, long successes, long failures, long consecutiveFailures,
        long coolDownRemainingMillis) {
}
