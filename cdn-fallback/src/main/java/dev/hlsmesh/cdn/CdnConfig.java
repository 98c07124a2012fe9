package dev.hlsmesh.cdn;

import java.net.URI;
import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Configuration of the CDN fallback: where to fetch, how long to wait, how to retry. Immutable and
 * validated once, in the constructor, which reports every bad value at once as
 * {@code cdn.maxAttempts: 0 (expected: 1..20)}. Start from {@link #defaults()} or
 * {@link #builder()}.
 *
 * @param cdnBaseUrls mirror CDNs serving the same path layout, in order of preference. A URL that
 *     starts with one of them can be fetched from any of them (failover); other URLs are fetched
 *     as they are. Each must be an absolute {@code http}/{@code https} URL without query or
 *     fragment; a missing trailing {@code /} is added.
 * @param httpVersion preferred HTTP version; {@code HTTP_2} falls back to HTTP/1.1 when the server
 *     does not speak it
 * @param connectTimeoutMillis TCP/TLS connect timeout per attempt
 * @param firstByteTimeoutMillis longest wait for response headers per attempt; after that the CDN
 *     counts as timed out and the next one is tried
 * @param stallTimeoutMillis longest gap between two body chunks per attempt
 * @param maxAttempts attempts per fetch, across all CDNs, all inside the fetch's deadline
 * @param initialBackoffMillis wait before retrying a CDN already tried in this fetch; doubles per
 *     retry, with jitter
 * @param maxBackoffMillis cap of that wait
 * @param coolDownMillis how long a CDN that timed out, failed or answered 5xx goes last
 * @param playlistTimeoutMillis deadline of one playlist load
 * @param playlistRetryMillis wait before reloading a playlist after a failed load, when its target
 *     duration is not known yet (afterwards: half the target duration)
 * @param maxPlaylistBytes largest playlist accepted
 */
public record CdnConfig(
        List<URI> cdnBaseUrls,
        HttpClient.Version httpVersion,
        long connectTimeoutMillis,
        long firstByteTimeoutMillis,
        long stallTimeoutMillis,
        int maxAttempts,
        long initialBackoffMillis,
        long maxBackoffMillis,
        long coolDownMillis,
        long playlistTimeoutMillis,
        long playlistRetryMillis,
        int maxPlaylistBytes) {

    public CdnConfig {
        Objects.requireNonNull(cdnBaseUrls, "cdnBaseUrls");
        Objects.requireNonNull(httpVersion, "httpVersion");
        List<String> problems = new ArrayList<>();
        List<URI> normalized = new ArrayList<>();
        for (int i = 0; i < cdnBaseUrls.size(); i++) {
            URI url = cdnBaseUrls.get(i);
            String problem = baseUrlProblem(url);
            if (problem != null) {
                problems.add("cdn.cdnBaseUrls[" + i + "]: " + url + " (" + problem + ")");
            } else {
                URI withSlash = url.toString().endsWith("/") ? url : URI.create(url + "/");
                if (normalized.contains(withSlash)) {
                    problems.add("cdn.cdnBaseUrls[" + i + "]: " + url + " (expected: no duplicates)");
                }
                normalized.add(withSlash);
            }
        }
        checkRange(problems, "connectTimeoutMillis", connectTimeoutMillis, 1, 60_000);
        checkRange(problems, "firstByteTimeoutMillis", firstByteTimeoutMillis, 1, 60_000);
        checkRange(problems, "stallTimeoutMillis", stallTimeoutMillis, 1, 60_000);
        checkRange(problems, "maxAttempts", maxAttempts, 1, 20);
        checkRange(problems, "initialBackoffMillis", initialBackoffMillis, 1, 10_000);
        checkRange(problems, "maxBackoffMillis", maxBackoffMillis, Math.max(1, initialBackoffMillis), 60_000);
        checkRange(problems, "coolDownMillis", coolDownMillis, 0, 3_600_000);
        checkRange(problems, "playlistTimeoutMillis", playlistTimeoutMillis, 1, 60_000);
        checkRange(problems, "playlistRetryMillis", playlistRetryMillis, 1, 60_000);
        checkRange(problems, "maxPlaylistBytes", maxPlaylistBytes, 1_024, 64 * 1024 * 1024);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid CDN configuration: " + String.join("; ", problems));
        }
        cdnBaseUrls = List.copyOf(normalized);
    }

    /** The defaults: no mirror CDNs, HTTP/2 preferred, 4 attempts, 30 s cool-down. */
    public static CdnConfig defaults() {
        return builder().build();
    }

    /** A builder holding the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this configuration's values. */
    public Builder toBuilder() {
        return new Builder()
                .cdnBaseUrls(cdnBaseUrls)
                .httpVersion(httpVersion)
                .connectTimeoutMillis(connectTimeoutMillis)
                .firstByteTimeoutMillis(firstByteTimeoutMillis)
                .stallTimeoutMillis(stallTimeoutMillis)
                .maxAttempts(maxAttempts)
                .initialBackoffMillis(initialBackoffMillis)
                .maxBackoffMillis(maxBackoffMillis)
                .coolDownMillis(coolDownMillis)
                .playlistTimeoutMillis(playlistTimeoutMillis)
                .playlistRetryMillis(playlistRetryMillis)
                .maxPlaylistBytes(maxPlaylistBytes);
    }

    private static String baseUrlProblem(URI url) {
        if (url == null) {
            return "expected: a URL";
        }
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!url.isAbsolute() || !(scheme.equals("http") || scheme.equals("https")) || url.getHost() == null) {
            return "expected: an absolute http or https URL";
        }
        if (url.getRawQuery() != null || url.getRawFragment() != null) {
            return "expected: no query or fragment";
        }
        return null;
    }

    private static void checkRange(List<String> problems, String key, long value, long min, long max) {
        if (value < min || value > max) {
            problems.add("cdn." + key + ": " + value + " (expected: " + min + ".." + max + ")");
        }
    }

    /** Mutable builder of {@link CdnConfig}; {@link #build()} validates. */
    public static final class Builder {
        private List<URI> cdnBaseUrls = List.of();
        private HttpClient.Version httpVersion = HttpClient.Version.HTTP_2;
        private long connectTimeoutMillis = 2_000;
        private long firstByteTimeoutMillis = 3_000;
        private long stallTimeoutMillis = 2_000;
        private int maxAttempts = 4;
        private long initialBackoffMillis = 100;
        private long maxBackoffMillis = 1_000;
        private long coolDownMillis = 30_000;
        private long playlistTimeoutMillis = 5_000;
        private long playlistRetryMillis = 1_000;
        private int maxPlaylistBytes = 1024 * 1024;

        private Builder() {
        }

        public Builder cdnBaseUrls(List<URI> value) {
            this.cdnBaseUrls = List.copyOf(value);
            return this;
        }

        public Builder httpVersion(HttpClient.Version value) {
            this.httpVersion = value;
            return this;
        }

        public Builder connectTimeoutMillis(long value) {
            this.connectTimeoutMillis = value;
            return this;
        }

        public Builder firstByteTimeoutMillis(long value) {
            this.firstByteTimeoutMillis = value;
            return this;
        }

        public Builder stallTimeoutMillis(long value) {
            this.stallTimeoutMillis = value;
            return this;
        }

        public Builder maxAttempts(int value) {
            this.maxAttempts = value;
            return this;
        }

        public Builder initialBackoffMillis(long value) {
            this.initialBackoffMillis = value;
            return this;
        }

        public Builder maxBackoffMillis(long value) {
            this.maxBackoffMillis = value;
            return this;
        }

        public Builder coolDownMillis(long value) {
            this.coolDownMillis = value;
            return this;
        }

        public Builder playlistTimeoutMillis(long value) {
            this.playlistTimeoutMillis = value;
            return this;
        }

        public Builder playlistRetryMillis(long value) {
            this.playlistRetryMillis = value;
            return this;
        }

        public Builder maxPlaylistBytes(int value) {
            this.maxPlaylistBytes = value;
            return this;
        }

        /**
         * @throws IllegalArgumentException naming every invalid value
         */
        public CdnConfig build() {
            return new CdnConfig(cdnBaseUrls, httpVersion, connectTimeoutMillis, firstByteTimeoutMillis,
                    stallTimeoutMillis, maxAttempts, initialBackoffMillis, maxBackoffMillis, coolDownMillis,
                    playlistTimeoutMillis, playlistRetryMillis, maxPlaylistBytes);
        }
    }
}
