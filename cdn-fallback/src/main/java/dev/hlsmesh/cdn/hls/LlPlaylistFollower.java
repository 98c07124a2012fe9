package dev.hlsmesh.cdn.hls;

import dev.hlsmesh.cdn.TaskScheduler;
import dev.hlsmesh.cdn.fetch.FetchResult;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows a Low-Latency HLS media playlist (RFC 8216bis) with blocking playlist reloads and
 * reports each new segment, each new part and each new preload hint once, as soon as a reload
 * shows it.
 *
 * <p>The first load is a plain GET. While the playlist says {@code CAN-BLOCK-RELOAD=YES}, every
 * later load is sent as soon as the previous one is handled, asking with {@code _HLS_msn} and
 * {@code _HLS_part} for the next part (the preload hint's, else the one after the last listed
 * part), or with {@code _HLS_msn} alone for the next segment when the playlist lists no parts:
 * the server holds it until that part exists, so reloads follow the parts as they are published,
 * with no polling. A blocking reload answered with a playlist that is not newer (a stale cache)
 * is asked again after half a part target. A 400 (too far ahead, e.g. after a stall) is followed
 * by one plain reload at once; any other failure by a plain reload after half a part target
 * (half a target duration without parts; {@code retryDelay} before the first success). A
 * playlist without {@code CAN-BLOCK-RELOAD} is reloaded like {@link PlaylistFollower} does, at
 * the part target instead of the target duration when it has parts. {@code _HLS_skip} (delta
 * updates) is never asked for. It stops at {@code EXT-X-ENDLIST} or on {@link #close()}.
 *
 * <p>The loader's timeout must outlast a blocking reload: the server may hold it for a part
 * target (a target duration when it lists no parts), at most three target durations. With
 * {@link PlaylistLoader#using}, that is {@code playlistTimeoutMillis} and
 * {@code firstByteTimeoutMillis} of the fetcher's configuration.
 *
 * <p>Time comes from the injected {@link Clock} and {@link TaskScheduler}. One load is in flight
 * at a time, and the next one is sent only after the listener has been told about the last one,
 * so listener calls come one at a time, in order, from the thread that completed a load. Public
 * methods: any thread.
 */
public final class LlPlaylistFollower implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LlPlaylistFollower.class);

    /** Receives what the follower sees. Calls come one at a time; do not block. */
    public interface Listener extends PlaylistFollower.Listener {

        /**
         * Parts not reported before, in playlist order (the first load reports every listed part).
         * Called after {@link #onNewSegments} for the same load.
         */
        default void onNewParts(MediaPlaylist playlist, List<Part> parts) {
        }

        /**
         * A preload hint not reported before: the resource the server produces now, which may be
         * fetched at once (see {@link PreloadHint#fetchRequest}). Called after {@link #onNewParts}.
         */
        default void onPreloadHint(MediaPlaylist playlist, PreloadHint hint) {
        }
    }

    private final URI uri;
    private final PlaylistLoader loader;
    private final TaskScheduler scheduler;
    private final Clock clock;
    private final long retryDelayMillis;
    private final Listener listener;
    private final Object lock = new Object();

    // Guarded by lock.
    private MediaPlaylist latest;
    private long lastReportedMsn = Long.MIN_VALUE;
    private long lastReportedPartMsn = Long.MIN_VALUE;
    private int lastReportedPartIndex = -1;
    private PreloadHint lastReportedHint;
    private long loads;
    private long blockingLoads;
    private boolean closed;
    private TaskScheduler.Cancellable nextLoad;

    private LlPlaylistFollower(URI uri, PlaylistLoader loader, TaskScheduler scheduler, Clock clock,
            Duration retryDelay, Listener listener) {
        this.uri = Objects.requireNonNull(uri, "uri");
        this.loader = Objects.requireNonNull(loader, "loader");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.clock = Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(retryDelay, "retryDelay");
        if (retryDelay.isNegative() || retryDelay.isZero()) {
            throw new IllegalArgumentException("retryDelay: " + retryDelay + " (expected: > 0)");
        }
        this.retryDelayMillis = retryDelay.toMillis();
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /**
     * Starts following {@code mediaPlaylistUri}; the first (plain) load is scheduled at once.
     *
     * @param loader loads the playlist text, e.g. {@link PlaylistLoader#using}
     * @param scheduler schedules the loads
     * @param clock the time reload delays are measured on (the scheduler's)
     * @param retryDelay wait after a failed first load
     */
    public static LlPlaylistFollower start(URI mediaPlaylistUri, PlaylistLoader loader, TaskScheduler scheduler,
            Clock clock, Duration retryDelay, Listener listener) {
        LlPlaylistFollower follower = new LlPlaylistFollower(mediaPlaylistUri, loader, scheduler, clock, retryDelay,
                listener);
        synchronized (follower.lock) {
            follower.nextLoad = scheduler.schedule(() -> follower.load(null), 0);
        }
        return follower;
    }

    /** The playlist as last loaded, if any load succeeded yet. */
    public Optional<MediaPlaylist> latest() {
        synchronized (lock) {
            return Optional.ofNullable(latest);
        }
    }

    /** Number of loads started so far. */
    public long loadCount() {
        synchronized (lock) {
            return loads;
        }
    }

    /** Number of those that were blocking reloads ({@code _HLS_msn}). */
    public long blockingLoadCount() {
        synchronized (lock) {
            return blockingLoads;
        }
    }

    /** Stops reloading; a load in flight is ignored when it completes. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            if (nextLoad != null) {
                nextLoad.cancel();
                nextLoad = null;
            }
        }
    }

    /** What a blocking reload asks for: segment {@code msn}, and part {@code part} of it if >= 0. */
    record Block(long msn, int part) {

        URI appendTo(URI base) {
            String text = base.toString();
            int hash = text.indexOf('#');
            if (hash >= 0) {
                text = text.substring(0, hash);
            }
            String params = "_HLS_msn=" + msn + (part >= 0 ? "&_HLS_part=" + part : "");
            return URI.create(text + (base.getRawQuery() == null ? "?" : "&") + params);
        }
    }

    private void load(Block block) {
        long startedMillis;
        URI target;
        synchronized (lock) {
            if (closed) {
                return;
            }
            nextLoad = null;
            loads++;
            if (block != null) {
                blockingLoads++;
            }
            startedMillis = clock.millis();
            target = block == null ? uri : block.appendTo(uri);
        }
        CompletableFuture<PlaylistLoader.Loaded> future;
        try {
            future = loader.load(target);
        } catch (RuntimeException e) {
            future = CompletableFuture.failedFuture(e);
        }
        future.whenComplete((loaded, error) -> onLoaded(block, startedMillis, loaded, error));
    }

    private void onLoaded(Block block, long startedMillis, PlaylistLoader.Loaded loaded, Throwable error) {
        MediaPlaylist playlist = null;
        Throwable failure = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (failure == null) {
            try {
                playlist = PlaylistParser.parseMedia(withoutBlockingParameters(loaded.uri()), loaded.text());
            } catch (PlaylistParseException e) {
                failure = e;
            }
        }
        List<Segment> freshSegments = List.of();
        List<Part> freshParts = List.of();
        PreloadHint freshHint = null;
        Block next = null;
        long delayMillis;
        boolean ended = false;
        synchronized (lock) {
            if (closed) {
                return;
            }
            MediaPlaylist previous = latest;
            if (playlist == null) {
                delayMillis = failureDelayMillis(previous);
                if (block != null && isBadRequest(failure)) {
                    delayMillis = 0; // asked too far ahead (or not understood): resynchronise now
                }
            } else {
                boolean newer = previous == null || isNewer(playlist, previous);
                freshSegments = newSegments(previous, playlist);
                freshParts = newParts(playlist);
                freshHint = newHint(playlist);
                latest = newer || previous == null ? playlist : previous;
                ended = playlist.endList();
                MediaPlaylist current = latest;
                if (current.lowLatency().serverControl().canBlockReload()) {
                    next = nextBlock(current);
                    delayMillis = block != null && !newer ? halfPartTargetMillis(current) : 0;
                } else {
                    boolean changed = !playlist.equals(previous);
                    long periodMillis = current.lowLatency().partTargetSeconds().isPresent()
                            && !current.lowLatency().parts().isEmpty()
                            ? Math.round(current.lowLatency().partTargetSeconds().getAsDouble() * 1000)
                            : current.targetDurationSeconds() * 1000L;
                    long waitMillis = changed ? periodMillis : periodMillis / 2;
                    delayMillis = Math.max(0, startedMillis + waitMillis - clock.millis());
                }
            }
        }
        if (failure != null) {
            log.warn("Loading LL-HLS media playlist {} failed: {}", uri, failure.toString());
            listener.onLoadFailed(uri, failure);
        } else {
            if (!freshSegments.isEmpty()) {
                listener.onNewSegments(playlist, freshSegments);
            }
            if (!freshParts.isEmpty()) {
                listener.onNewParts(playlist, freshParts);
            }
            if (freshHint != null) {
                listener.onPreloadHint(playlist, freshHint);
            }
            if (ended) {
                listener.onEnded(playlist);
                return;
            }
        }
        Block nextBlock = next;
        synchronized (lock) {
            if (!closed) {
                nextLoad = scheduler.schedule(() -> load(nextBlock), delayMillis);
            }
        }
    }

    /** The part (or, without parts, the segment) after the last one the playlist lists. */
    private static Block nextBlock(MediaPlaylist playlist) {
        LowLatency ll = playlist.lowLatency();
        Optional<PreloadHint> hint = ll.preloadHint().filter(h -> h.type() == PreloadHint.Type.PART);
        if (hint.isPresent()) {
            return new Block(hint.get().mediaSequenceNumber(), hint.get().partIndex());
        }
        Optional<Part> last = ll.lastPart();
        if (last.isPresent()) {
            Part part = last.get();
            if (part.mediaSequenceNumber() > playlist.lastMediaSequenceNumber()) {
                return new Block(part.mediaSequenceNumber(), part.partIndex() + 1); // segment in progress
            }
            return new Block(playlist.lastMediaSequenceNumber() + 1, 0);
        }
        return new Block(playlist.lastMediaSequenceNumber() + 1, -1);
    }

    /** Whether {@code playlist} is further along than {@code previous}, or a restarted stream. */
    private static boolean isNewer(MediaPlaylist playlist, MediaPlaylist previous) {
        if (playlist.mediaSequence() < previous.mediaSequence()) {
            return true; // restarted: newSegments() starts over
        }
        long lastMsn = playlist.lastMediaSequenceNumber();
        long previousLastMsn = previous.lastMediaSequenceNumber();
        if (lastMsn != previousLastMsn) {
            return lastMsn > previousLastMsn;
        }
        Optional<Part> part = playlist.lowLatency().lastPart();
        Optional<Part> previousPart = previous.lowLatency().lastPart();
        if (part.isPresent() && previousPart.isPresent()) {
            return part.get().isAfter(previousPart.get().mediaSequenceNumber(), previousPart.get().partIndex());
        }
        return part.isPresent() || playlist.endList() != previous.endList();
    }

    private long halfPartTargetMillis(MediaPlaylist playlist) {
        return Math.max(1, playlist.lowLatency().partTargetSeconds().isPresent()
                ? Math.round(playlist.lowLatency().partTargetSeconds().getAsDouble() * 500)
                : playlist.targetDurationSeconds() * 500L);
    }

    private long failureDelayMillis(MediaPlaylist previous) {
        return previous == null ? retryDelayMillis : halfPartTargetMillis(previous);
    }

    private static boolean isBadRequest(Throwable failure) {
        return failure instanceof PlaylistLoader.LoadFailedException failed
                && failed.result() instanceof FetchResult.HttpError http && http.statusCode() == 400;
    }

    /** Segments past the last reported one. Under lock. */
    private List<Segment> newSegments(MediaPlaylist previous, MediaPlaylist playlist) {
        if (previous != null && playlist.mediaSequence() < previous.mediaSequence()) {
            log.warn("Media sequence of {} went back from {} to {}; reporting its segments and parts again",
                    uri, previous.mediaSequence(), playlist.mediaSequence());
            lastReportedMsn = Long.MIN_VALUE;
            lastReportedPartMsn = Long.MIN_VALUE;
            lastReportedPartIndex = -1;
            lastReportedHint = null;
        }
        long after = lastReportedMsn;
        List<Segment> fresh = playlist.segments().stream().filter(s -> s.mediaSequenceNumber() > after).toList();
        if (!fresh.isEmpty()) {
            lastReportedMsn = fresh.get(fresh.size() - 1).mediaSequenceNumber();
        }
        return fresh;
    }

    /** Parts past the last reported one. Under lock. */
    private List<Part> newParts(MediaPlaylist playlist) {
        List<Part> fresh = new ArrayList<>();
        for (Part part : playlist.lowLatency().parts()) {
            if (part.isAfter(lastReportedPartMsn, lastReportedPartIndex)) {
                fresh.add(part);
            }
        }
        if (!fresh.isEmpty()) {
            Part last = fresh.get(fresh.size() - 1);
            lastReportedPartMsn = last.mediaSequenceNumber();
            lastReportedPartIndex = last.partIndex();
        }
        return fresh;
    }

    /** The playlist's preload hint if it is not the one reported last nor a part already listed. Under lock. */
    private PreloadHint newHint(MediaPlaylist playlist) {
        Optional<PreloadHint> hint = playlist.lowLatency().preloadHint();
        if (hint.isEmpty() || hint.get().equals(lastReportedHint)) {
            return null;
        }
        PreloadHint h = hint.get();
        if (h.type() == PreloadHint.Type.PART && lastReportedPartMsn != Long.MIN_VALUE
                && !(h.mediaSequenceNumber() > lastReportedPartMsn
                        || (h.mediaSequenceNumber() == lastReportedPartMsn && h.partIndex() > lastReportedPartIndex))) {
            return null;
        }
        lastReportedHint = h;
        return h;
    }

    /** The URL without the blocking-reload parameters this follower added. */
    static URI withoutBlockingParameters(URI loaded) {
        String query = loaded.getRawQuery();
        if (query == null || !query.contains("_HLS_")) {
            return loaded;
        }
        StringBuilder kept = new StringBuilder();
        for (String param : query.split("&")) {
            if (!param.startsWith("_HLS_msn=") && !param.startsWith("_HLS_part=") && !param.startsWith("_HLS_skip=")) {
                kept.append(kept.length() == 0 ? "" : "&").append(param);
            }
        }
        String text = loaded.toString();
        String base = text.substring(0, text.indexOf('?'));
        return URI.create(kept.length() == 0 ? base : base + "?" + kept);
    }
}
