package dev.hlsmesh.cdn.hls;

import dev.hlsmesh.cdn.TaskScheduler;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows a media playlist: loads it, reloads it as RFC 8216 section 6.3.4 says, and reports each
 * segment once, in media sequence order, when it first appears.
 *
 * <p>Reload timing, measured from when the previous load began: the target duration after a load
 * that found the playlist changed (or the first one), half of it after a load that found it
 * unchanged. After a failed load (network or parse), it retries half a target duration later, or
 * after {@code retryDelay} while the target duration is not known yet. It stops at
 * {@code EXT-X-ENDLIST} or on {@link #close()}.
 *
 * <p>Time comes from the injected {@link Clock} and {@link TaskScheduler}, so tests step time by
 * hand. One load is in flight at a time; listener calls come one at a time, from the thread that
 * completed the load. Public methods: any thread.
 */
public final class PlaylistFollower implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PlaylistFollower.class);

    /** Receives what the follower sees. Calls come one at a time; do not block. */
    public interface Listener {

        /**
         * Segments not reported before, in media sequence order. The first load reports every
         * segment of the playlist.
         *
         * @param playlist the playlist they come from
         */
        void onNewSegments(MediaPlaylist playlist, List<Segment> segments);

        /** A load or parse failed; the follower retries by itself. */
        default void onLoadFailed(URI uri, Throwable error) {
        }

        /** The playlist has {@code EXT-X-ENDLIST}; no more reloads. */
        default void onEnded(MediaPlaylist playlist) {
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
    private long loads;
    private boolean closed;
    private TaskScheduler.Cancellable nextLoad;

    private PlaylistFollower(URI uri, PlaylistLoader loader, TaskScheduler scheduler, Clock clock,
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
     * Starts following {@code mediaPlaylistUri}; the first load is scheduled at once.
     *
     * @param loader loads the playlist text, e.g. {@link PlaylistLoader#using}
     * @param scheduler schedules the reloads
     * @param clock the time reloads are measured on (the scheduler's)
     * @param retryDelay wait after a failed first load
     */
    public static PlaylistFollower start(URI mediaPlaylistUri, PlaylistLoader loader, TaskScheduler scheduler,
            Clock clock, Duration retryDelay, Listener listener) {
        PlaylistFollower follower = new PlaylistFollower(mediaPlaylistUri, loader, scheduler, clock, retryDelay,
                listener);
        synchronized (follower.lock) {
            follower.nextLoad = scheduler.schedule(follower::load, 0);
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

    private void load() {
        long startedMillis;
        synchronized (lock) {
            if (closed) {
                return;
            }
            nextLoad = null;
            loads++;
            startedMillis = clock.millis();
        }
        CompletableFuture<PlaylistLoader.Loaded> future;
        try {
            future = loader.load(uri);
        } catch (RuntimeException e) {
            future = CompletableFuture.failedFuture(e);
        }
        future.whenComplete((loaded, error) -> onLoaded(startedMillis, loaded, error));
    }

    private void onLoaded(long startedMillis, PlaylistLoader.Loaded loaded, Throwable error) {
        MediaPlaylist playlist = null;
        Throwable failure = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (failure == null) {
            try {
                playlist = PlaylistParser.parseMedia(loaded.uri(), loaded.text());
            } catch (PlaylistParseException e) {
                failure = e;
            }
        }
        List<Segment> fresh = List.of();
        boolean ended = false;
        MediaPlaylist previous;
        synchronized (lock) {
            if (closed) {
                return;
            }
            previous = latest;
            long delayMillis;
            if (playlist == null) {
                delayMillis = previous == null ? retryDelayMillis : previous.targetDurationSeconds() * 500L;
                delayMillis = Math.max(1, delayMillis);
            } else {
                fresh = newSegments(previous, playlist);
                boolean changed = !playlist.equals(previous);
                latest = playlist;
                long waitMillis = playlist.targetDurationSeconds() * (changed ? 1000L : 500L);
                delayMillis = Math.max(0, startedMillis + waitMillis - clock.millis());
                ended = playlist.endList();
            }
            if (!ended) {
                nextLoad = scheduler.schedule(this::load, delayMillis);
            }
        }
        if (failure != null) {
            log.warn("Loading media playlist {} failed: {}", uri, failure.toString());
            listener.onLoadFailed(uri, failure);
            return;
        }
        if (!fresh.isEmpty()) {
            listener.onNewSegments(playlist, fresh);
        }
        if (ended) {
            listener.onEnded(playlist);
        }
    }

    /** Segments past the last reported one. Under lock. */
    private List<Segment> newSegments(MediaPlaylist previous, MediaPlaylist playlist) {
        if (previous != null && playlist.mediaSequence() < previous.mediaSequence()) {
            // The media sequence went backwards: the stream was restarted; start over.
            log.warn("Media sequence of {} went back from {} to {}; reporting its segments again",
                    uri, previous.mediaSequence(), playlist.mediaSequence());
            lastReportedMsn = Long.MIN_VALUE;
        }
        long after = lastReportedMsn;
        List<Segment> fresh = playlist.segments().stream().filter(s -> s.mediaSequenceNumber() > after).toList();
        if (!fresh.isEmpty()) {
            lastReportedMsn = fresh.get(fresh.size() - 1).mediaSequenceNumber();
        }
        return fresh;
    }
}
