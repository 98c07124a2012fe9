package dev.hlsmesh.cdn.hls;

import dev.hlsmesh.cdn.fetch.ByteCollector;
import dev.hlsmesh.cdn.fetch.CdnFetcher;
import dev.hlsmesh.cdn.fetch.FetchRequest;
import dev.hlsmesh.cdn.fetch.FetchResult;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/** Loads the text of a playlist. Implementations are called from any thread. */
@FunctionalInterface
public interface PlaylistLoader {

    /**
     * Loads {@code uri}. The future completes with the text and the URL it came from after
     * redirects, or exceptionally (typically with {@link LoadFailedException}).
     */
    CompletableFuture<Loaded> load(URI uri);

    /**
     * A loaded playlist.
     *
     * @param uri the URL the text came from, after redirects and failover
     * @param text the playlist, decoded as UTF-8
     */
    record Loaded(URI uri, String text) {
        public Loaded {
            Objects.requireNonNull(uri, "uri");
            Objects.requireNonNull(text, "text");
        }
    }

    /** A playlist load ended without a playlist; {@link #result()} says how. */
    final class LoadFailedException extends IOException {
        private static final long serialVersionUID = 1L;
        private final transient FetchResult result;

        public LoadFailedException(URI uri, FetchResult result) {
            super("loading " + uri + " failed: " + result);
            this.result = result;
        }

        /** The fetch outcome. */
        public FetchResult result() {
            return result;
        }
    }

    /**
     * Loads playlists through {@code fetcher} (so with its CDN failover), each within
     * {@code playlistTimeoutMillis} and at most {@code maxPlaylistBytes} of its configuration.
     */
    static PlaylistLoader using(CdnFetcher fetcher) {
        Objects.requireNonNull(fetcher, "fetcher");
        Duration timeout = Duration.ofMillis(fetcher.config().playlistTimeoutMillis());
        int maxBytes = fetcher.config().maxPlaylistBytes();
        return uri -> {
            ByteCollector body = new ByteCollector(maxBytes);
            return fetcher.fetch(FetchRequest.of(uri, timeout), body).result().thenApply(result -> {
                if (result instanceof FetchResult.Completed completed) {
                    return new Loaded(completed.uri(), new String(body.toByteArray(), StandardCharsets.UTF_8));
                }
                throw new java.util.concurrent.CompletionException(new LoadFailedException(uri, result));
            });
        };
    }
}
