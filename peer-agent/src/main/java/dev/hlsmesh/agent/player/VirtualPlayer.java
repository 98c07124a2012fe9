package dev.hlsmesh.agent.player;

import static java.util.Objects.requireNonNull;

import dev.hlsmesh.agent.delivery.HlsStream;
import dev.hlsmesh.agent.delivery.SegmentLoader;
import dev.hlsmesh.agent.delivery.SegmentRequest;
import dev.hlsmesh.agent.stats.AgentStats;
import dev.hlsmesh.cdn.TaskScheduler;
import dev.hlsmesh.cdn.hls.MediaPlaylist;
import dev.hlsmesh.cdn.hls.PlaylistFollower;
import dev.hlsmesh.cdn.hls.PlaylistLoader;
import dev.hlsmesh.cdn.hls.Segment;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A headless player for agents without a screen, for benchmarks and tests: it plays one media
 * playlist the way hls.js does, in real time on an injected {@link Clock}, and records what a
 * viewer would have seen.
 *
 * <ul>
 *   <li><b>Start:</b> a live playlist is joined {@link PlayerSettings#liveSyncTargetDurations()}
 *       target durations behind its end (the segment containing that position); a playlist with
 *       {@code EXT-X-ENDLIST} from its first segment.</li>
 *   <li><b>Loading:</b> one segment at a time, in media sequence order, from the
 *       {@link SegmentLoader}, each with its playback deadline; ahead of the playhead up to
 *       {@link PlayerSettings#maxBufferMillis()} or the newest listed segment. A failed load is
 *       asked again after {@link PlayerSettings#retryDelayMillis()}.</li>
 *   <li><b>Playback</b> begins when the first segment is loaded (startup time) and advances with
 *       the clock while media is buffered. When the playhead reaches the end of the buffer before
 *       the playlist has ended, playback stalls until the next segment arrives.</li>
 *   <li><b>Live latency</b> is {@code now - (EXT-X-PROGRAM-DATE-TIME of the playhead)} when the
 *       playlist carries date-times (this assumes the packager's clock and ours agree), else the
 *       distance from the playhead to the end of the newest playlist, in media time.</li>
 * </ul>
 * Startup, stalls and latency also go to an {@link AgentStats}.
 *
 * <p>Thread-safe: playlists, loader completions, timers and readers may come from any thread;
 * state is guarded by this object's monitor, and the loader is never called while holding it.
 */
public final class VirtualPlayer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(VirtualPlayer.class);

  private final HlsStream stream;
  private final SegmentLoader loader;
  private final Clock clock;
  private final TaskScheduler scheduler;
  private final PlayerSettings settings;
  private final AgentStats stats;
  private final List<SegmentListener> listeners = new CopyOnWriteArrayList<>();

  // Guarded by this. Times are microseconds: wall time since the epoch, media time since the
  // start of the first segment the player learned of.
  private final NavigableMap<Long, Known> known = new TreeMap<>();
  private MediaPlaylist latest;
  private long lastKnownMsn = Long.MIN_VALUE;
  private long lastKnownEndMicros;
  private Long nextMsn;
  private boolean loading;
  private CompletableFuture<byte[]> inFlight;
  private TaskScheduler.Cancellable timer;
  private long startedAtMicros = -1;
  private long playbackStartMicros = -1;
  private long bufferEndMicros;
  private long anchorWallMicros;
  private long anchorMediaMicros;
  private boolean stalled;
  private long stallStartMicros;
  private long stalls;
  private long finishedStallMicros;
  private boolean ended;
  private long segmentsLoaded;
  private long loadFailures;
  private boolean closed;
  private PlaylistFollower follower;

  /**
   * Receives every segment the player loaded, in playback order, e.g. to check its bytes.
   * Calls come on the thread that completed the load, one at a time; do not block.
   */
  @FunctionalInterface
  public interface SegmentListener {
    /** {@code bytes} are the loader's: do not modify them. */
    void onSegment(Segment segment, byte[] bytes);
  }

  /**
   * Registers a listener for the segments loaded from now on. To see every segment, register
   * before the first playlist arrives (with {@link #follow}: the first load goes through the
   * scheduler, so a listener registered right after {@code follow} returns is normally in time).
   */
  public void addSegmentListener(SegmentListener listener) {
    listeners.add(requireNonNull(listener, "listener"));
  }

  /** A segment the player knows, placed on its media timeline. */
  private record Known(Segment segment, MediaPlaylist playlist, long startMicros, long durationMicros) {
  }

  /**
   * A player that is fed playlists by {@link #onPlaylist}; it does nothing before
   * {@link #start()}.
   *
   * @param stream the stream played (passed on to the loader)
   * @param scheduler runs the player's timers (buffer full, retries) on {@code clock}'s time
   * @param stats receives startup, stalls and latency
   */
  public VirtualPlayer(HlsStream stream, SegmentLoader loader, Clock clock, TaskScheduler scheduler,
      PlayerSettings settings, AgentStats stats) {
    this.stream = requireNonNull(stream, "stream");
    this.loader = requireNonNull(loader, "loader");
    this.clock = requireNonNull(clock, "clock");
    this.scheduler = requireNonNull(scheduler, "scheduler");
    this.settings = requireNonNull(settings, "settings");
    this.stats = requireNonNull(stats, "stats");
  }

  /**
   * Starts a player that follows the stream's media playlist itself (RFC 8216 reloads through
   * {@code playlists}).
   */
  public static VirtualPlayer follow(HlsStream stream, SegmentLoader loader, PlaylistLoader playlists, Clock clock,
      TaskScheduler scheduler, PlayerSettings settings, AgentStats stats) {
    requireNonNull(playlists, "playlists");
    VirtualPlayer player = new VirtualPlayer(stream, loader, clock, scheduler, settings, stats);
    player.start();
    PlaylistFollower follower = PlaylistFollower.start(stream.mediaPlaylistUri(), playlists, scheduler, clock,
        Duration.ofMillis(settings.retryDelayMillis()), new PlaylistFollower.Listener() {
          @Override
          public void onNewSegments(MediaPlaylist playlist, List<Segment> segments) {
            player.onPlaylist(playlist);
          }

          @Override
          public void onEnded(MediaPlaylist playlist) {
            player.onPlaylist(playlist);
          }
        });
    boolean closeNow;
    synchronized (player) {
      player.follower = follower;
      closeNow = player.closed;
    }
    if (closeNow) {
      follower.close();
    }
    return player;
  }

  /** The stream this player plays. */
  public HlsStream stream() {
    return stream;
  }

  /** Starts the player: the startup time is measured from now. Idempotent. */
  public void start() {
    synchronized (this) {
      if (startedAtMicros >= 0 || closed) {
        return;
      }
      startedAtMicros = nowMicros();
    }
    pump();
  }

  /** A new snapshot of the media playlist (every reload may be passed; unchanged ones are harmless). */
  public void onPlaylist(MediaPlaylist playlist) {
    requireNonNull(playlist, "playlist");
    synchronized (this) {
      if (closed) {
        return;
      }
      latest = playlist;
      for (Segment segment : playlist.segments()) {
        long msn = segment.mediaSequenceNumber();
        if (msn <= lastKnownMsn) {
          continue;
        }
        long durationMicros = Math.max(0, Math.round(segment.durationSeconds() * 1e6));
        long startMicros;
        if (lastKnownMsn == Long.MIN_VALUE) {
          startMicros = 0;
        } else {
          // Segments never listed (the player reloaded too rarely) take a target duration each.
          startMicros = lastKnownEndMicros + (msn - lastKnownMsn - 1) * playlist.targetDurationSeconds() * 1_000_000L;
        }
        known.put(msn, new Known(segment, playlist, startMicros, durationMicros));
        lastKnownMsn = msn;
        lastKnownEndMicros = startMicros + durationMicros;
      }
    }
    loader.playlistLoaded(stream, playlist);
    pump();
  }

  /** What the player experienced up to now. */
  public synchronized PlayerStats stats() {
    long now = nowMicros();
    advance(now);
    long startup = playbackStartMicros < 0 ? -1 : (playbackStartMicros - startedAtMicros) / 1000;
    long stallMicros = finishedStallMicros + (stalled ? now - stallStartMicros : 0);
    long buffer = playbackStartMicros < 0 ? 0 : Math.max(0, bufferEndMicros - playhead(now));
    return new PlayerStats(startup, stalls + (stalled ? 1 : 0), stallMicros / 1000, stalled, liveLatencyMillis(now), segmentsLoaded,
        loadFailures, buffer / 1000, ended);
  }

  /**
   * Stops the player: cancels the load in flight and the timers, stops following the playlist.
   * A stall in progress is recorded as ending now. Idempotent.
   */
  @Override
  public void close() {
    CompletableFuture<byte[]> cancel;
    PlaylistFollower toClose;
    long stallMillis = -1;
    synchronized (this) {
      if (closed) {
        return;
      }
      long now = nowMicros();
      advance(now);
      closed = true;
      if (stalled) {
        stallMillis = endStall(now);
      }
      cancel = inFlight;
      inFlight = null;
      if (timer != null) {
        timer.cancel();
        timer = null;
      }
      toClose = follower;
      follower = null;
    }
    if (stallMillis >= 0) {
      stats.recordStall(stallMillis);
    }
    if (cancel != null) {
      cancel.cancel(false);
    }
    if (toClose != null) {
      toClose.close();
    }
  }

  /** Starts the next load if one is due; never holds the monitor while calling the loader. */
  private void pump() {
    SegmentRequest request;
    long msn;
    synchronized (this) {
      long now = nowMicros();
      advance(now);
      request = nextRequest(now);
      if (request == null) {
        return;
      }
      msn = request.segment().mediaSequenceNumber();
      loading = true;
    }
    CompletableFuture<byte[]> future;
    try {
      future = loader.load(request);
    } catch (RuntimeException e) {
      future = CompletableFuture.failedFuture(e);
    }
    boolean cancelNow;
    synchronized (this) {
      cancelNow = closed;
      if (!closed && loading && !future.isDone()) {
        inFlight = future;
      }
    }
    if (cancelNow) {
      future.cancel(false);
      return;
    }
    future.whenComplete((bytes, error) -> onLoaded(msn, bytes, error));
  }

  /** The request to send now, or null. Under the monitor. */
  private SegmentRequest nextRequest(long now) {
    if (closed || loading || startedAtMicros < 0 || ended || latest == null) {
      return null;
    }
    if (nextMsn == null) {
      nextMsn = startMsn();
      if (nextMsn == null) {
        return null;
      }
    }
    Known next = known.get(nextMsn);
    if (next == null) {
      return null; // not published yet: the next playlist brings it
    }
    if (playbackStartMicros >= 0 && !stalled) {
      long aheadMicros = bufferEndMicros - playhead(now);
      long maxMicros = settings.maxBufferMillis() * 1000;
      if (aheadMicros >= maxMicros) {
        scheduleWakeUp((aheadMicros - maxMicros) / 1000 + 1);
        return null;
      }
    }
    long deadlineMicros = now;
    if (playbackStartMicros >= 0 && !stalled) {
      deadlineMicros = now + Math.max(0, next.startMicros() - playhead(now));
    }
    Instant deadline = Instant.EPOCH.plusNanos(deadlineMicros * 1000);
    return new SegmentRequest(stream, next.playlist(), next.segment(), deadline);
  }

  /** Where playback starts, from the newest playlist; null if it lists no segment. Under the monitor. */
  private Long startMsn() {
    if (latest.segments().isEmpty()) {
      return null;
    }
    if (!latest.live()) {
      return latest.mediaSequence();
    }
    long startMicros = lastKnownEndMicros - settings.liveSyncTargetDurations() * latest.targetDurationSeconds() * 1_000_000L;
    Long chosen = latest.mediaSequence();
    for (Map.Entry<Long, Known> entry : known.tailMap(latest.mediaSequence(), true).entrySet()) {
      if (entry.getValue().startMicros() <= startMicros) {
        chosen = entry.getKey();
      }
    }
    return chosen;
  }

  private void onLoaded(long msn, byte[] bytes, Throwable error) {
    long stallMillis = -1;
    long startupMillis = -1;
    long latencyMillis = -1;
    Segment loaded;
    synchronized (this) {
      if (closed) {
        return;
      }
      loading = false;
      inFlight = null;
      long now = nowMicros();
      advance(now);
      if (error != null) {
        loadFailures++;
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        log.warn("Segment {} of {} failed to load, asking again in {} ms: {}", msn, stream.mediaPlaylistUri(),
            settings.retryDelayMillis(), cause.toString());
        scheduleWakeUp(settings.retryDelayMillis());
        return;
      }
      Known segment = known.get(msn);
      if (segment == null) {
        return; // the stream restarted meanwhile
      }
      loaded = segment.segment();
      segmentsLoaded++;
      if (playbackStartMicros < 0) {
        playbackStartMicros = now;
        anchorWallMicros = now;
        anchorMediaMicros = segment.startMicros();
        bufferEndMicros = segment.startMicros() + segment.durationMicros();
        startupMillis = (now - startedAtMicros) / 1000;
      } else {
        bufferEndMicros += segment.durationMicros();
        if (stalled) {
          stallMillis = endStall(now);
        }
      }
      nextMsn = msn + 1;
      long playhead = playhead(now);
      // Keep the segment under the playhead (for its date-time); drop those fully played.
      known.headMap(msn, false).values().removeIf(k -> k.startMicros() + k.durationMicros() < playhead);
      latencyMillis = liveLatencyMillis(now);
    }
    if (startupMillis >= 0) {
      stats.recordStartup(startupMillis);
    }
    if (stallMillis >= 0) {
      stats.recordStall(stallMillis);
    }
    if (latencyMillis >= 0) {
      stats.recordLiveLatency(latencyMillis);
    }
    for (SegmentListener listener : listeners) {
      try {
        listener.onSegment(loaded, bytes);
      } catch (RuntimeException e) {
        log.warn("segment listener {} failed: {}", listener, e.toString());
      }
    }
    pump();
  }

  /** Ends the stall in progress at {@code now}; returns its length in ms. Under the monitor. */
  private long endStall(long now) {
    long micros = now - stallStartMicros;
    stalled = false;
    stalls++;
    finishedStallMicros += micros;
    anchorWallMicros = now;
    return micros / 1000;
  }

  /**
   * Moves the playhead to {@code now}: if it ran out of buffer meanwhile, playback stalled (or
   * ended, at the end of an ended playlist) when it did. Under the monitor.
   */
  private void advance(long now) {
    if (playbackStartMicros < 0 || stalled || ended) {
      return;
    }
    long reachedMicros = anchorMediaMicros + (now - anchorWallMicros);
    if (reachedMicros < bufferEndMicros) {
      return;
    }
    long runOutWall = anchorWallMicros + (bufferEndMicros - anchorMediaMicros);
    anchorMediaMicros = bufferEndMicros;
    anchorWallMicros = runOutWall;
    if (latest != null && latest.endList() && nextMsn != null && nextMsn > latest.lastMediaSequenceNumber()) {
      ended = true;
      return;
    }
    stalled = true;
    stallStartMicros = runOutWall;
  }

  /** Media time of the playhead at {@code now}. Under the monitor, after {@link #advance}. */
  private long playhead(long now) {
    if (stalled || ended) {
      return anchorMediaMicros;
    }
    return Math.min(bufferEndMicros, anchorMediaMicros + (now - anchorWallMicros));
  }

  /** Under the monitor, after {@link #advance}. */
  private long liveLatencyMillis(long now) {
    if (playbackStartMicros < 0) {
      return -1;
    }
    long playhead = playhead(now);
    Known at = playingSegment(playhead);
    if (at != null && at.segment().programDateTime().isPresent()) {
      Instant pdt = at.segment().programDateTime().get();
      long mediaWallMicros = toMicros(pdt) + (playhead - at.startMicros());
      return Math.max(0, now - mediaWallMicros) / 1000;
    }
    return Math.max(0, lastKnownEndMicros - playhead) / 1000;
  }

  /** The loaded segment the playhead is in, or null. Under the monitor. */
  private Known playingSegment(long playhead) {
    Known candidate = null;
    for (Known k : known.values()) {
      if (nextMsn == null || k.segment().mediaSequenceNumber() >= nextMsn || k.startMicros() > playhead) {
        break;
      }
      candidate = k;
    }
    return candidate;
  }

  private void scheduleWakeUp(long delayMillis) {
    if (timer != null) {
      timer.cancel();
    }
    timer = scheduler.schedule(() -> {
      synchronized (this) {
        timer = null;
      }
      pump();
    }, delayMillis);
  }

  private long nowMicros() {
    return toMicros(clock.instant());
  }

  private static long toMicros(Instant instant) {
    return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1000);
  }
}
