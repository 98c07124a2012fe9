package dev.hlsmesh.agent.tracker;

import static java.util.Objects.requireNonNull;

import dev.hlsmesh.protocol.tracker.BinaryId;
import dev.hlsmesh.protocol.tracker.ViewerReport;
import io.netty.channel.EventLoopGroup;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ScheduledExecutorService;

/**
 * WebTorrent tracker client (PROTOCOL.md A.3, A.4, A.6) over one or several trackers, used as
 * p2p-media-loader uses its {@code announceTrackers}: one WebSocket per tracker URL, each shared
 * by every swarm the agent joined, and every swarm announced on all of them at once with the same
 * peer id. A tracker that is down does not hold the others up: its connection reconnects with
 * back-off on its own while the others keep matching (a tracker cluster's nodes, or independent
 * trackers). Peers found through several trackers are connected once
 * ({@link SwarmMembership#admit}).
 *
 * <p>Per tracker it announces {@code started} with offers, re-announces on the tracker's interval
 * (sooner while below the swarm's minimum) with fresh offers while the swarm wants peers, answers
 * relayed offers, applies relayed answers by {@code offer_id} (offers expire after
 * {@link TrackerSettings#offerTimeoutMillis()}), reconnects with jittered exponential back-off,
 * and sends {@code stopped} when leaving.
 *
 * <p>With a {@link Observer} and {@link TrackerSettings#reportIntervalMillis()} above 0, it
 * also reports this viewer's delivery to each tracker (docs/protocol.md, "Viewer reports"): every
 * announce carries the {@code x_hlsmesh} report, and every interval each joined swarm gets a
 * report-only announce (no event, {@code numwant} 0, no offers). Figures count from the join of
 * the swarm (its peer id), except {@code peers}.
 *
 * <p>Thread: every method must be called on the agent's owner executor; the Netty I/O thread
 * only copies frames and posts them there.
 */
public final class TrackerClient {
  private final List<TrackerConnection> connections = new ArrayList<>();

  /**
   * What the client asks of, and tells, the agent: its delivery figures for viewer reports, and
   * tracker problems. Called on the owner executor; must be cheap.
   */
  public interface Observer {
    /**
     * Cumulative figures of the whole agent now (bytes from the CDN and from peers, uploaded,
     * stalls, stall time), with {@code peers} the peers connected now in swarm {@code infoHash}.
     */
    ViewerReport totals(BinaryId infoHash);

    /** The tracker refused a request or the connection to it was lost (one sentence). */
    void problem(String message);
  }

  /**
   * Creates a client; {@link #start()} connects.
   *
   * @param ioGroup the event loop group the WebSockets run on (owned by the caller)
   * @param random source of offer ids and back-off jitter
   */
  public TrackerClient(TrackerSettings settings, ScheduledExecutorService owner, EventLoopGroup ioGroup,
      LinkFactory links, Random random) {
    this(settings, owner, ioGroup, links, random, null);
  }

  /**
   * A client that also sends viewer reports taken from {@code observer} (none when it is null or
   * {@link TrackerSettings#reportIntervalMillis()} is 0) and tells it of tracker problems.
   */
  public TrackerClient(TrackerSettings settings, ScheduledExecutorService owner, EventLoopGroup ioGroup,
      LinkFactory links, Random random, Observer observer) {
    requireNonNull(settings, "settings");
    for (URI url : settings.trackerUrls()) {
      connections.add(new TrackerConnection(url, settings, owner, ioGroup, links, random, observer));
    }
  }

  /** Opens the WebSockets (and keeps reopening each until {@link #close()}). */
  public void start() {
    for (TrackerConnection c : connections) {
      c.start();
    }
  }

  /** Report-only announces sent so far over all trackers (tests). */
  public long reportsSent() {
    long sent = 0;
    for (TrackerConnection c : connections) {
      sent += c.reportsSent();
    }
    return sent;
  }

  /** Whether the WebSocket to at least one tracker is open. */
  public boolean isConnected() {
    for (TrackerConnection c : connections) {
      if (c.isConnected()) {
        return true;
      }
    }
    return false;
  }

  /** Number of trackers whose WebSocket is open. */
  public int connectedTrackers() {
    int n = 0;
    for (TrackerConnection c : connections) {
      if (c.isConnected()) {
        n++;
      }
    }
    return n;
  }

  /** Starts announcing in a swarm on every tracker (at once where connected, else once connected). */
  public void join(SwarmMembership membership) {
    requireNonNull(membership, "membership");
    for (TrackerConnection c : connections) {
      c.join(membership);
    }
  }

  /** Stops announcing in a swarm, sends {@code stopped} and drops its unanswered offers. */
  public void leave(BinaryId infoHash) {
    for (TrackerConnection c : connections) {
      c.leave(infoHash);
    }
  }

  /** Tells the client a swarm lost a peer: below its minimum it re-announces soon. */
  public void peerCountChanged(BinaryId infoHash) {
    for (TrackerConnection c : connections) {
      c.peerCountChanged(infoHash);
    }
  }

  /** Leaves every swarm (sending {@code stopped}) and closes the WebSockets for good. */
  public void close() {
    for (TrackerConnection c : connections) {
      c.close();
    }
  }
}
