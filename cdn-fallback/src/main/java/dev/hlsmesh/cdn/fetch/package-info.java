/**
 * Fetching from CDNs: {@link dev.hlsmesh.cdn.fetch.CdnFetcher} fetches a resource or a byte
 * range within a deadline, streaming the body to a {@link dev.hlsmesh.cdn.fetch.BodyListener},
 * with retries, failover between mirror CDNs and a typed {@link dev.hlsmesh.cdn.fetch.FetchResult}
 * for every outcome.
 */
package dev.hlsmesh.cdn.fetch;
