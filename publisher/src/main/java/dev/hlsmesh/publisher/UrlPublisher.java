package dev.hlsmesh.publisher;

import dev.hlsmesh.cdn.TaskScheduler;
import dev.hlsmesh.cdn.fetch.ByteCollector;
import dev.hlsmesh.cdn.fetch.CdnFetcher;
import dev.hlsmesh.cdn.fetch.FetchRequest;
import dev.hlsmesh.cdn.fetch.FetchResult;
import dev.hlsmesh.cdn.hls.MasterPlaylist;
import dev.hlsmesh.cdn.hls.MediaPlaylist;
import dev.hlsmesh.cdn.hls.PlaylistFollower;
import dev.hlsmesh.cdn.hls.PlaylistLoader;
import dev.hlsmesh.cdn.hls.PlaylistParser;
import dev.hlsmesh.cdn.hls.Rendition;
import dev.hlsmesh.cdn.hls.Segment;
import dev.hlsmesh.cdn.hls.Variant;
import dev.hlsmesh.cdn.integrity.HashWindow;
import dev.hlsmesh.cdn.integrity.SegmentHashes;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows a live stream by URL (a master playlist, each of its variants and renditions, or one
 * media playlist), downloads each new segment once, and writes the signed sidecar of each media
 * playlist under an output directory at the playlist's URL path ({@code OUT/live/360p/index.m3u8
 * + suffix}), for the operator to serve next to the playlist.
 *
 * <p>Thread-safe: followers report on HTTP client threads; hashing and writing run on one
 * worker thread, which owns the hash windows.
 */
final class UrlPublisher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(UrlPublisher.class);

    private final CdnFetcher fetcher;
    private final Path outDir;
    private final String suffix;
    private final String keyId;
    private final int keepOldSegments;
    private final SidecarWriter writer;
    private final Clock clock;
    private final TaskScheduler timers;
    private final ExecutorService worker;
    private final List<PlaylistFollower> followers = new ArrayList<>();
    private final AtomicLong written = new AtomicLong();

    UrlPublisher(CdnFetcher fetcher, Path outDir, String suffix, String keyId, int keepOldSegments, SidecarWriter writer,
            Clock clock, TaskScheduler timers, ExecutorService worker) {
        this.fetcher = Objects.requireNonNull(fetcher, "fetcher");
        this.outDir = Objects.requireNonNull(outDir, "outDir").toAbsolutePath().normalize();
        this.suffix = Objects.requireNonNull(suffix, "suffix");
        this.keyId = Objects.requireNonNull(keyId, "keyId");
        this.keepOldSegments = keepOldSegments;
        this.writer = Objects.requireNonNull(writer, "writer");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.timers = Objects.requireNonNull(timers, "timers");
        this.worker = Objects.requireNonNull(worker, "worker");
    }

    /**
     * Loads {@code url} and starts following it: every media playlist of a master playlist, or
     * the media playlist itself.
     *
     * @return the media playlist URLs followed
     */
    synchronized List<URI> start(URI url) throws IOException, InterruptedException {
        PlaylistLoader loader = PlaylistLoader.using(fetcher);
        PlaylistLoader.Loaded loaded;
        try {
            loaded = loader.load(url).get(fetcher.config().playlistTimeoutMillis() + 5_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IOException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("loading " + url + " timed out");
        }
        Set<URI> media = new LinkedHashSet<>();
        if (loaded.text().contains("#EXT-X-STREAM-INF")) {
            MasterPlaylist master;
            try {
                master = PlaylistParser.parseMaster(loaded.uri(), loaded.text());
            } catch (dev.hlsmesh.cdn.hls.PlaylistParseException e) {
                throw new IOException(e.getMessage(), e);
            }
            for (Variant variant : master.variants()) {
                media.add(variant.uri());
            }
            for (Rendition rendition : master.renditions()) {
                rendition.uri().ifPresent(media::add);
            }
        } else {
            media.add(loaded.uri());
        }
        for (URI playlistUri : media) {
            HashWindow window = new HashWindow(keyId, playlistUri.getRawPath(), keepOldSegments);
            Path target = outDir.resolve(playlistUri.getPath().substring(1) + suffix).normalize();
            if (!target.startsWith(outDir)) {
                throw new IOException("playlist path " + playlistUri.getPath() + " escapes the output directory");
            }
            SegmentHashes[] last = new SegmentHashes[1];
            followers.add(PlaylistFollower.start(playlistUri, loader, timers, clock, Duration.ofSeconds(1),
                    (playlist, segments) -> worker.execute(() -> publish(playlist, window, target, last))));
        }
        return List.copyOf(media);
    }

    /** Sidecars written so far. */
    long written() {
        return written.get();
    }

    /** On the worker thread. */
    private void publish(MediaPlaylist playlist, HashWindow window, Path target, SegmentHashes[] last) {
        try {
            SegmentHashes hashes = window.update(playlist, this::download, clock.instant());
            if (writer.write(target, hashes, last[0])) {
                written.incrementAndGet();
            }
            last[0] = hashes;
        } catch (IOException | RuntimeException e) {
            log.warn("{}: no sidecar for this playlist snapshot: {}", playlist.uri(), e.getMessage());
        }
    }

    private byte[] download(Segment segment) throws IOException {
        FetchRequest request = FetchRequest.of(segment.uri(), Duration.ofSeconds(30));
        if (segment.byteRange().isPresent()) {
            request = request.withByteRange(segment.byteRange().get());
        }
        request = request.asLiveSegment(); // a 404 is retried: the segment may not be out yet
        ByteCollector body = new ByteCollector(Integer.MAX_VALUE - 8);
        FetchResult result;
        try {
            result = fetcher.fetch(request, body).result().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        } catch (ExecutionException e) {
            throw new IOException(e.getCause().toString(), e.getCause());
        }
        if (!(result instanceof FetchResult.Completed)) {
            throw new IOException("segment " + segment.mediaSequenceNumber() + ": " + result);
        }
        return body.toByteArray();
    }

    @Override
    public synchronized void close() {
        for (PlaylistFollower follower : followers) {
            follower.close();
        }
        followers.clear();
    }
}
