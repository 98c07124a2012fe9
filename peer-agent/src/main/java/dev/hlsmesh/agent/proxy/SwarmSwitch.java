package dev.hlsmesh.agent.proxy;

import static java.util.Objects.requireNonNull;

import dev.hlsmesh.agent.SwarmKey;
import dev.hlsmesh.agent.delivery.HlsStream;
import dev.hlsmesh.agent.delivery.SegmentLoadException;
import dev.hlsmesh.agent.delivery.SegmentLoader;
import dev.hlsmesh.agent.delivery.SegmentRequest;
import dev.hlsmesh.cdn.TaskScheduler;
import dev.hlsmesh.cdn.hls.MediaPlaylist;
import dev.hlsmesh.protocol.swarm.StreamType;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The segment loader behind a proxy whose agent follows the player between swarms: the variant
 * (or audio rendition) whose media playlist the player requests decides the swarm (PROTOCOL.md
 * B, one swarm per stream). Requests for a stream go to the loader of its swarm, joined on first
 * use. When the player requests the playlist of another stream of the same type (a bitrate
 * switch), that stream's swarm becomes the current one and the previous swarm is left once it
 * has gone unused (no playlist or segment request, no load in flight) for
 * {@code leaveGraceMillis}: a player that flips back and forth between two variants keeps both
 * swarms, with their peer connections, instead of leaving and re-joining on every switch. A
 * player reading several variants at once (ffmpeg opens every variant) therefore stays in all of
 * them. Streams without a swarm (subtitles) load through {@code plain}.
 *
 * <p>Thread-safe: every connection of the proxy calls it, on the proxy's event loops. State is
 * guarded by this object's monitor, held only for bookkeeping: joining, leaving and the loaders
 * never wait for another thread.
 */
final class SwarmSwitch implements SegmentLoader {
  private static final Logger log = LoggerFactory.getLogger(SwarmSwitch.class);

  /** How the switch joins and leaves swarms (the agent; a fake in unit tests). */
  interface Membership {
    /**
     * Joins {@code swarm}; false if it was joined already by someone else (then the switch never
     * leaves it).
     */
    boolean join(SwarmKey swarm);

    void leave(SwarmKey swarm);
  }

  private static final class Joined {
    final SwarmKey swarm;
    final StreamType type;
    final SegmentLoader loader;
    final boolean ownJoin;
    long lastUsedMillis;
    int loadsInFlight;
    TaskScheduler.Cancellable leaveCheck;

    Joined(SwarmKey swarm, StreamType type, SegmentLoader loader, boolean ownJoin) {
      this.swarm = swarm;
      this.type = type;
      this.loader = loader;
      this.ownJoin = ownJoin;
    }
  }

  private final StreamSwarms swarms;
  private final Membership membership;
  private final SwarmLoaderFactory factory;
  private final SegmentLoader plain;
  private final long leaveGraceMillis;
  private final Clock clock;
  private final TaskScheduler timers;

  // Guarded by this.
  private final Map<SwarmKey, Joined> joined = new HashMap<>();
  private final Map<StreamType, SwarmKey> current = new EnumMap<>(StreamType.class);
  private boolean closed;

  SwarmSwitch(StreamSwarms swarms, Membership membership, SwarmLoaderFactory factory, SegmentLoader plain,
      long leaveGraceMillis, Clock clock, TaskScheduler timers) {
    this.swarms = requireNonNull(swarms, "swarms");
    this.membership = requireNonNull(membership, "membership");
    this.factory = requireNonNull(factory, "factory");
    this.plain = requireNonNull(plain, "plain");
    if (leaveGraceMillis < 0) {
      throw new IllegalArgumentException("leaveGraceMillis: " + leaveGraceMillis + " (expected: >= 0)");
    }
    this.leaveGraceMillis = leaveGraceMillis;
    this.clock = requireNonNull(clock, "clock");
    this.timers = requireNonNull(timers, "timers");
  }

  @Override
  public void playlistLoaded(HlsStream stream, MediaPlaylist playlist) {
    Optional<StreamSwarms.StreamSwarm> swarm = swarms.of(stream);
    if (swarm.isEmpty()) {
      plain.playlistLoaded(stream, playlist);
      return;
    }
    Joined entry = use(swarm.get(), true, false);
    if (entry != null) {
      entry.loader.playlistLoaded(stream, playlist);
    }
  }

  @Override
  public CompletableFuture<byte[]> load(SegmentRequest request) {
    Optional<StreamSwarms.StreamSwarm> swarm = swarms.of(request.stream());
    if (swarm.isEmpty()) {
      return plain.load(request);
    }
    Joined entry = use(swarm.get(), false, true);
    if (entry == null) {
      return CompletableFuture.failedFuture(new SegmentLoadException("proxy closed"));
    }
    CompletableFuture<byte[]> load;
    try {
      load = entry.loader.load(request);
    } catch (RuntimeException e) {
      load = CompletableFuture.failedFuture(e);
    }
    load.whenComplete((bytes, error) -> {
      synchronized (this) {
        entry.loadsInFlight--;
        entry.lastUsedMillis = clock.millis();
      }
    });
    return load;
  }

  /** The swarms joined now (tests). */
  synchronized List<SwarmKey> joinedSwarms() {
    return List.copyOf(joined.keySet());
  }

  /**
   * Marks a swarm used now, joining it first if needed; {@code makeCurrent} for a playlist
   * request. Null once closed.
   */
  private Joined use(StreamSwarms.StreamSwarm swarm, boolean makeCurrent, boolean startsLoad) {
    SwarmKey key = swarm.swarm();
    synchronized (this) {
      if (closed) {
        return null;
      }
      Joined entry = joined.get(key);
      if (entry == null) {
        // Joining and opening the swarm's loader hand their work to the agent's thread and
        // return at once, so they are done under the monitor: two connections asking for the
        // same new swarm join it once, and no event loop waits.
        boolean own = membership.join(key);
        entry = new Joined(key, swarm.type(), factory.open(key), own);
        joined.put(key, entry);
        log.debug("joined swarm {} ({})", key, swarm.type());
      }
      entry.lastUsedMillis = clock.millis();
      if (startsLoad) {
        entry.loadsInFlight++;
      }
      if (makeCurrent) {
        SwarmKey previous = current.put(swarm.type(), key);
        if (previous != null && !previous.equals(key)) {
          Joined old = joined.get(previous);
          if (old != null) {
            log.debug("player switched from swarm {} to {}", previous, key);
            scheduleLeaveCheck(old, old.lastUsedMillis + leaveGraceMillis);
          }
        }
      } else if (!key.equals(current.get(swarm.type())) && entry.leaveCheck == null) {
        // A segment of a stream the player has switched away from (or never made current).
        scheduleLeaveCheck(entry, entry.lastUsedMillis + leaveGraceMillis);
      }
      return entry;
    }
  }

  /** Under the monitor. */
  private void scheduleLeaveCheck(Joined entry, long atMillis) {
    if (entry.leaveCheck != null) {
      entry.leaveCheck.cancel();
    }
    entry.leaveCheck = timers.schedule(() -> leaveIfUnused(entry), Math.max(0, atMillis - clock.millis()));
  }

  private void leaveIfUnused(Joined entry) {
    synchronized (this) {
      entry.leaveCheck = null;
      if (closed || joined.get(entry.swarm) != entry || entry.swarm.equals(current.get(entry.type))) {
        return; // the player came back to it: stay
      }
      long now = clock.millis();
      if (entry.loadsInFlight > 0) {
        scheduleLeaveCheck(entry, now + leaveGraceMillis);
        return;
      }
      if (now < entry.lastUsedMillis + leaveGraceMillis) {
        scheduleLeaveCheck(entry, entry.lastUsedMillis + leaveGraceMillis);
        return;
      }
      joined.remove(entry.swarm);
    }
    log.debug("leaving swarm {}: unused for {} ms after a switch", entry.swarm, leaveGraceMillis);
    // Closing the loader and leaving hand the work to the agent's thread and return at once,
    // so this runs on the timer's thread (an event loop) as it is.
    try {
      close(entry);
    } catch (RuntimeException e) {
      log.warn("leaving swarm {} failed: {}", entry.swarm, e.toString());
    }
  }

  private void close(Joined entry) {
    try {
      entry.loader.close();
    } finally {
      if (entry.ownJoin) {
        membership.leave(entry.swarm);
      }
    }
  }

  /** Closes every swarm's loader, leaves the swarms it joined and closes {@code plain}. */
  @Override
  public void close() {
    List<Joined> all;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      all = new ArrayList<>(joined.values());
      joined.clear();
      current.clear();
      for (Joined entry : all) {
        if (entry.leaveCheck != null) {
          entry.leaveCheck.cancel();
        }
      }
    }
    RuntimeException failure = null;
    for (Joined entry : all) {
      try {
        close(entry);
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    try {
      plain.close();
    } catch (RuntimeException e) {
      if (failure == null) {
        failure = e;
      } else {
        failure.addSuppressed(e);
      }
    }
    if (failure != null) {
      throw failure;
    }
  }
}
