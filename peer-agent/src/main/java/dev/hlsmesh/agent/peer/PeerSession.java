package dev.hlsmesh.agent.peer;

import static java.util.Objects.requireNonNull;

import dev.hlsmesh.agent.PeerFetchException;
import dev.hlsmesh.agent.PeerFetchException.Reason;
import dev.hlsmesh.agent.store.SegmentBuffer;
import dev.hlsmesh.agent.webrtc.PeerLink;
import dev.hlsmesh.protocol.peer.CommandReassembler;
import dev.hlsmesh.protocol.peer.CommandReassembler.Inbound;
import dev.hlsmesh.protocol.peer.PeerCommand;
import dev.hlsmesh.protocol.peer.PeerCommand.CancelSegmentRequest;
import dev.hlsmesh.protocol.peer.PeerCommand.SegmentAbsent;
import dev.hlsmesh.protocol.peer.PeerCommand.SegmentData;
import dev.hlsmesh.protocol.peer.PeerCommand.SegmentDataSendingCompleted;
import dev.hlsmesh.protocol.peer.PeerCommand.SegmentRequest;
import dev.hlsmesh.protocol.peer.PeerCommand.SegmentsAnnouncement;
import dev.hlsmesh.protocol.peer.PeerFraming;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The peer protocol on one open link (PROTOCOL.md C.5-C.8), both as uploader and downloader.
 *
 * <p>Uploader: answers every SegmentRequest with SegmentData, payload chunks of at most
 * 65,535 bytes sent only while the link is below its high watermark, and SendingCompleted; or
 * with SegmentAbsent when the segment is not held now. A segment still arriving from the CDN is
 * served as its bytes come (SegmentData with the size from its {@code Content-Length}); if its
 * transfer fails the upload ends with SegmentAbsent. A new request or a matching Cancel stops
 * the running upload.
 *
 * <p>Downloader: one request at a time (later fetches queue), a no-bytes timeout that sends
 * Cancel and resumes from the bytes already received, and a disconnect (partial data discarded)
 * on malformed or oversized commands, wrong sizes, payload overflow or unrequested data.
 *
 * <p>Thread: every method must be called on the agent's owner executor (the link's owner).
 */
public final class PeerSession {
  private static final Logger log = LoggerFactory.getLogger(PeerSession.class);
  private static final int MAX_PAYLOAD_CHUNK_BYTES = PeerFraming.DEFAULT_MAX_MESSAGE_BYTES;

  /** What the session tells its swarm. */
  public interface Listener {
    /** The remote peer replaced its announcement. */
    void onAnnouncement(PeerSession session);

    /** The session ended (the link is closed); called once. */
    void onClosed(PeerSession session, String reason);
  }

  private final PeerLink link;
  private final String remotePeerId;
  private final SessionSettings settings;
  private final SegmentSource source;
  private final ScheduledExecutorService owner;
  private final Listener listener;
  private final CommandReassembler reassembler;
  private final UploadBudget uploadBudget;
  private boolean uploadWakeScheduled;

  private Set<Long> remoteStored = Set.of();
  private Set<Long> remoteLoading = Set.of();
  private boolean closed;

  private Upload upload;
  private Download download;
  private final Deque<Download> queuedFetches = new ArrayDeque<>();
  private long nextRequestId;
  private boolean stalePayloadPossible;
  private int consecutiveTimeouts;

  /**
   * One upload: of a complete segment ({@code whole}), or of one still arriving
   * ({@code arriving}), sent as its bytes come; SegmentData goes out once its size is known.
   */
  private static final class Upload {
    final long segmentId;
    final long requestId;
    final ByteBuffer whole;
    final SegmentBuffer arriving;
    int position;
    boolean dataSent;
    boolean waiting;

    Upload(long segmentId, long requestId, ByteBuffer whole, SegmentBuffer arriving, int position) {
      this.segmentId = segmentId;
      this.requestId = requestId;
      this.whole = whole;
      this.arriving = arriving;
      this.position = position;
      this.dataSent = arriving == null;
    }
  }

  private static final class Download {
    final long segmentId;
    final CompletableFuture<byte[]> result = new CompletableFuture<>();
    long requestId;
    boolean dataAccepted;
    long totalBytes = -1;
    /**
     * The payload messages as the link delivered them (each already our own copy of the native
     * buffer), joined into one array once complete: the segment's second and last copy, with
     * memory growing only as bytes arrive.
     */
    List<byte[]> chunks = new ArrayList<>();
    int receivedBytes;
    boolean progressSinceRequest;
    ScheduledFuture<?> timer;

    Download(long segmentId) {
      this.segmentId = segmentId;
    }
  }

  /**
   * Creates a session for an open link; the caller routes the link's events to it.
   *
   * @param remotePeerId the remote peer id (for logs and callers)
   * @param source the segments this agent serves in the link's swarm
   */
  public PeerSession(PeerLink link, String remotePeerId, SessionSettings settings, SegmentSource source,
      ScheduledExecutorService owner, Listener listener) {
    this(link, remotePeerId, settings, source, owner, listener, UploadBudget.unlimited());
  }

  /**
   * As {@link #PeerSession(PeerLink, String, SessionSettings, SegmentSource, ScheduledExecutorService, Listener)},
   * with uploads paced by (and counted in) an agent-wide {@code uploadBudget}.
   */
  public PeerSession(PeerLink link, String remotePeerId, SessionSettings settings, SegmentSource source,
      ScheduledExecutorService owner, Listener listener, UploadBudget uploadBudget) {
    this.uploadBudget = requireNonNull(uploadBudget, "uploadBudget");
    this.link = requireNonNull(link, "link");
    this.remotePeerId = requireNonNull(remotePeerId, "remotePeerId");
    this.settings = requireNonNull(settings, "settings");
    this.source = requireNonNull(source, "source");
    this.owner = requireNonNull(owner, "owner");
    this.listener = requireNonNull(listener, "listener");
    this.reassembler = new CommandReassembler(settings.maxCommandBytes());
  }

  /** The remote peer id. */
  public String remotePeerId() {
    return remotePeerId;
  }

  /** The link this session runs on. */
  public PeerLink link() {
    return link;
  }

  /** Segment ids the remote peer last announced as stored. */
  public Set<Long> remoteStored() {
    return remoteStored;
  }

  /** Segment ids the remote peer last announced as being downloaded over HTTP. */
  public Set<Long> remoteLoading() {
    return remoteLoading;
  }

  /** Whether the session has ended. */
  public boolean isClosed() {
    return closed;
  }

  /** Sends our current announcement; called on connect and whenever the source changes. */
  public void announce() {
    if (!closed) {
      sendCommand(new SegmentsAnnouncement(source.storedSegmentIds(), source.loadingSegmentIds()));
    }
  }

  /**
   * Fetches a whole segment from the remote peer. Requests run one at a time on the connection;
   * later ones wait in a bounded queue.
   *
   * @return the segment bytes, or a failure with a {@link PeerFetchException}
   */
  public CompletableFuture<byte[]> fetch(long segmentId) {
    Download next = new Download(segmentId);
    if (closed) {
      next.result.completeExceptionally(new PeerFetchException(Reason.DISCONNECTED, "peer " + remotePeerId + " is disconnected"));
    } else if (download == null) {
      start(next);
    } else if (queuedFetches.size() >= settings.maxQueuedFetches()) {
      next.result.completeExceptionally(new PeerFetchException(Reason.BUSY,
          queuedFetches.size() + " fetches already wait on peer " + remotePeerId));
    } else {
      queuedFetches.add(next);
    }
    return next.result;
  }

  /**
   * Gives up a fetch of {@code segmentId}, running or queued: a running one is cancelled at the
   * peer (PROTOCOL.md C.6) and fails with {@link Reason#GIVEN_UP} carrying the bytes received so
   * far and the announced size (bytes still in flight are then ignored, as after a timeout).
   * No-op if there is no such fetch.
   */
  public void giveUp(long segmentId) {
    Download current = download;
    if (current != null && current.segmentId == segmentId) {
      sendCommand(new CancelSegmentRequest(current.segmentId, current.requestId));
      stalePayloadPossible = true;
      byte[] partial = joined(current);
      finish(current, new PeerFetchException(Reason.GIVEN_UP, "gave up segment " + segmentId + " from peer "
          + remotePeerId + " after " + current.receivedBytes + " bytes", partial, current.totalBytes));
      return;
    }
    for (java.util.Iterator<Download> it = queuedFetches.iterator(); it.hasNext(); ) {
      Download queued = it.next();
      if (queued.segmentId == segmentId) {
        it.remove();
        queued.result.completeExceptionally(new PeerFetchException(Reason.GIVEN_UP,
            "gave up segment " + segmentId + " from peer " + remotePeerId + " before it was requested"));
      }
    }
  }

  /** Link event: the link opened. */
  public void onOpen() {
    announce();
  }

  /** Link event: a message arrived. */
  public void onMessage(byte[] message) {
    if (closed) {
      return;
    }
    Inbound inbound = reassembler.accept(ByteBuffer.wrap(message));
    if (inbound instanceof Inbound.Payload) {
      onPayload(message);
    } else if (inbound instanceof Inbound.Command command) {
      onCommand(command.command());
    } else if (inbound instanceof Inbound.Dropped dropped) {
      violation("bad command (" + dropped.reason() + "): " + dropped.detail());
    }
  }

  /** Link event: the link may be written again. */
  public void onWritable() {
    pumpUpload();
  }

  /** Link event: the link closed. */
  public void onClosed(String reason) {
    if (closed) {
      return;
    }
    closed = true;
    upload = null;
    PeerFetchException failure = new PeerFetchException(Reason.DISCONNECTED,
        "peer " + remotePeerId + " disconnected: " + reason);
    if (download != null) {
      cancelTimer(download);
      download.result.completeExceptionally(failure);
      download = null;
    }
    for (Download queued : queuedFetches) {
      queued.result.completeExceptionally(failure);
    }
    queuedFetches.clear();
    listener.onClosed(this, reason);
  }

  /** Closes the link (and so this session) deliberately. */
  public void close(String reason) {
    link.close(reason);
  }

  private void onCommand(PeerCommand command) {
    if (command instanceof SegmentsAnnouncement announcement) {
      remoteStored = Set.copyOf(announcement.loadedSegmentIds());
      remoteLoading = Set.copyOf(announcement.httpLoadingSegmentIds());
      listener.onAnnouncement(this);
    } else if (command instanceof SegmentRequest request) {
      onRequest(request);
    } else if (command instanceof CancelSegmentRequest cancel) {
      // As the browsers do: only the request id identifies the upload to stop.
      if (upload != null && upload.requestId == cancel.requestId()) {
        upload = null;
      }
    } else if (command instanceof SegmentData data) {
      onSegmentData(data);
    } else if (command instanceof SegmentDataSendingCompleted completed) {
      onCompleted(completed);
    } else if (command instanceof SegmentAbsent absent) {
      onAbsent(absent);
    }
  }

  // ---- uploader ----

  private void onRequest(SegmentRequest request) {
    upload = null; // one upload per peer: a new request replaces the running one
    ByteBuffer segment = source.segment(request.segmentId());
    if (segment == null) {
      SegmentBuffer arriving = source.arriving(request.segmentId());
      if (arriving != null && arriving.state() != SegmentBuffer.State.FAILED
          && request.byteOffset() <= Integer.MAX_VALUE) {
        // Served while it arrives: SegmentData once the size is known, then bytes as they come.
        upload = new Upload(request.segmentId(), request.requestId(), null, arriving, (int) request.byteOffset());
        answerIfSizeUnknownFor(upload);
        pumpUpload();
        return;
      }
    }
    if (segment == null || request.byteOffset() > segment.remaining()) {
      sendCommand(new SegmentAbsent(request.segmentId(), request.requestId()));
      return;
    }
    ByteBuffer remaining = segment.duplicate();
    remaining.position(remaining.position() + (int) request.byteOffset());
    sendCommand(new SegmentData(request.segmentId(), request.requestId(), remaining.remaining()));
    upload = new Upload(request.segmentId(), request.requestId(), remaining.slice(), null, 0);
    pumpUpload();
  }

  private void pumpUpload() {
    while (!closed && upload != null && link.isWritable()) {
      Upload current = upload;
      ByteBuffer next = current.whole;
      if (current.arriving != null) {
        next = arrivingBytes(current);
        if (next == null) {
          return; // waiting for the size or more bytes, or ended with Absent
        }
      }
      if (!next.hasRemaining()) {
        upload = null;
        sendCommand(new SegmentDataSendingCompleted(current.segmentId, current.requestId));
        return;
      }
      int wanted = Math.min(next.remaining(), MAX_PAYLOAD_CHUNK_BYTES);
      int granted = uploadBudget.grant(wanted);
      if (granted == 0) {
        wakeUploadIn(uploadBudget.millisUntilGranted(wanted)); // capped: resume when the bucket holds a chunk
        return;
      }
      int length = PeerFraming.nextPayloadChunkLength(next, granted);
      if (length == 0) {
        wakeUploadIn(1); // a granted size that would end like a command marker: ask again for more
        return;
      }
      // An exact-size copy: webrtc-java would send a heap buffer's whole backing array.
      byte[] chunk = new byte[length];
      next.get(chunk);
      current.position += length;
      link.send(chunk);
      uploadBudget.spend(length);
    }
  }

  /**
   * The bytes of an arriving segment ready to send from the upload's position (empty when all
   * were sent), or null when there is nothing to do now: the size or the next bytes are not
   * there yet (a wake-up is registered), or the transfer failed, which ends the upload with
   * SegmentAbsent. Browsers (and our downloader) take an Absent after SegmentData as a failed
   * request, keep the bytes received and do not close the connection, so the downloader can
   * complete the segment elsewhere with a range request.
   */
  private ByteBuffer arrivingBytes(Upload current) {
    SegmentBuffer arriving = current.arriving;
    long total = arriving.totalBytes();
    if (!current.dataSent) {
      if (arriving.state() == SegmentBuffer.State.FAILED || (total >= 0 && current.position > total)) {
        upload = null;
        sendCommand(new SegmentAbsent(current.segmentId, current.requestId));
        return null;
      }
      if (total < 0) {
        awaitArrival(current, false);
        return null;
      }
      sendCommand(new SegmentData(current.segmentId, current.requestId, total - current.position));
      current.dataSent = true;
    }
    ByteBuffer next = arriving.readable(current.position);
    if (next.hasRemaining() || current.position == total) {
      return next;
    }
    if (arriving.state() != SegmentBuffer.State.ARRIVING) {
      upload = null;
      sendCommand(new SegmentAbsent(current.segmentId, current.requestId));
      return null;
    }
    awaitArrival(current, true);
    return null;
  }

  /** Pumps again (on the owner) when more of the arriving segment is there. */
  private void awaitArrival(Upload current, boolean sizeKnown) {
    if (current.waiting) {
      return;
    }
    current.waiting = true;
    current.arriving.whenBeyond(current.position, sizeKnown, () -> {
      try {
        owner.execute(() -> {
          current.waiting = false;
          if (upload == current) {
            pumpUpload();
          }
        });
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // the agent closed: nothing to send to
      }
    });
  }

  /**
   * A downloader gives up after 2 s without bytes (and closes after three such timeouts), so an
   * arriving segment whose size is still unknown half that time after the request is answered
   * with Absent instead.
   */
  private void answerIfSizeUnknownFor(Upload current) {
    owner.schedule(() -> {
      if (upload == current && !current.dataSent) {
        upload = null;
        sendCommand(new SegmentAbsent(current.segmentId, current.requestId));
      }
    }, Math.max(1, settings.noBytesTimeoutMillis() / 2), TimeUnit.MILLISECONDS);
  }

  private void wakeUploadIn(long millis) {
    if (!uploadWakeScheduled) {
      uploadWakeScheduled = true;
      owner.schedule(() -> {
        uploadWakeScheduled = false;
        pumpUpload();
      }, Math.max(1, millis), TimeUnit.MILLISECONDS);
    }
  }

  // ---- downloader ----

  private void start(Download next) {
    download = next;
    request(next, 0);
  }

  private void request(Download current, long byteOffset) {
    current.requestId = nextRequestId++ % 1_000_000_000L;
    current.dataAccepted = false;
    current.progressSinceRequest = false;
    sendCommand(new SegmentRequest(current.segmentId, current.requestId, byteOffset));
    restartTimer(current);
  }

  private void onSegmentData(SegmentData data) {
    Download current = download;
    if (current == null || current.dataAccepted || data.segmentId() != current.segmentId
        || data.requestId() != current.requestId) {
      if (!stalePayloadPossible && (current == null || !current.dataAccepted)) {
        violation("SegmentData " + data.segmentId() + "/" + data.requestId() + " that was not requested");
      }
      return; // a stale answer to a cancelled request, or a repeat: ignored as browsers do
    }
    long expected = current.totalBytes < 0 ? -1 : current.totalBytes - current.receivedBytes;
    if (expected >= 0 && data.sizeBytes() != expected) {
      sendCommand(new CancelSegmentRequest(current.segmentId, current.requestId));
      violation("SegmentData announces " + data.sizeBytes() + " bytes, expected " + expected);
      return;
    }
    if (current.totalBytes < 0) {
      if (data.sizeBytes() > settings.maxSegmentBytes()) {
        sendCommand(new CancelSegmentRequest(current.segmentId, current.requestId));
        finish(current, new PeerFetchException(Reason.TOO_LARGE, "segment " + current.segmentId + " of "
            + data.sizeBytes() + " bytes exceeds maxSegmentBytes " + settings.maxSegmentBytes()));
        stalePayloadPossible = true;
        return;
      }
      current.totalBytes = data.sizeBytes();
    }
    current.dataAccepted = true;
    stalePayloadPossible = false;
    restartTimer(current);
  }

  private void onPayload(byte[] message) {
    Download current = download;
    if (current == null || !current.dataAccepted) {
      if (!stalePayloadPossible) {
        violation(message.length + " payload bytes that were not requested");
      }
      return; // stale bytes of a cancelled upload still in flight on the ordered channel
    }
    long after = (long) current.receivedBytes + message.length;
    if (after > current.totalBytes) {
      violation("payload overflow: " + after + " bytes for a segment of " + current.totalBytes);
      return;
    }
    current.chunks.add(message); // kept as it came: the link hands us a fresh array per message
    current.receivedBytes = (int) after;
    current.progressSinceRequest = true;
    restartTimer(current);
  }

  private void onCompleted(SegmentDataSendingCompleted completed) {
    Download current = download;
    if (current == null || !current.dataAccepted) {
      return; // completed before SegmentData, or of a cancelled request: ignored as browsers do
    }
    if (completed.segmentId() != current.segmentId || completed.requestId() != current.requestId) {
      violation("SendingCompleted for " + completed.segmentId() + "/" + completed.requestId()
          + " while receiving " + current.segmentId + "/" + current.requestId);
      return;
    }
    if (current.receivedBytes != current.totalBytes) {
      violation("SendingCompleted after " + current.receivedBytes + " of " + current.totalBytes + " bytes");
      return;
    }
    consecutiveTimeouts = 0;
    finish(current, joined(current));
  }

  private void onAbsent(SegmentAbsent absent) {
    Download current = download;
    if (current == null || absent.segmentId() != current.segmentId || absent.requestId() != current.requestId) {
      return;
    }
    remoteStored = without(remoteStored, absent.segmentId());
    if (current.dataAccepted) {
      // The peer was serving it while it arrived and its own transfer failed: a failed request,
      // as browsers take it, with the bytes so far kept for a range request elsewhere.
      byte[] partial = joined(current);
      finish(current, new PeerFetchException(Reason.ABSENT, "peer " + remotePeerId + " ended segment "
          + current.segmentId + " after " + current.receivedBytes + " of " + current.totalBytes + " bytes", partial,
          current.totalBytes));
      return;
    }
    finish(current, new PeerFetchException(Reason.ABSENT,
        "peer " + remotePeerId + " does not hold segment " + current.segmentId));
  }

  private void onNoBytesTimeout(Download current) {
    if (closed || download != current) {
      return;
    }
    sendCommand(new CancelSegmentRequest(current.segmentId, current.requestId));
    stalePayloadPossible = true;
    consecutiveTimeouts++;
    if (consecutiveTimeouts >= settings.maxConsecutiveTimeouts()) {
      PeerFetchException failure = new PeerFetchException(Reason.TIMEOUT, "no bytes from peer " + remotePeerId
          + " for " + settings.noBytesTimeoutMillis() + " ms, " + consecutiveTimeouts + " times in a row");
      finish(current, failure);
      link.close("no bytes for " + settings.noBytesTimeoutMillis() + " ms, "
          + consecutiveTimeouts + " times in a row");
      return;
    }
    // Resume from what we hold: the offset is only sent once the total size is known.
    long offset = current.totalBytes >= 0 ? current.receivedBytes : 0;
    if (offset == 0) {
      current.totalBytes = -1;
      current.receivedBytes = 0;
      current.chunks = new ArrayList<>();
    }
    log.debug("peer {}: no bytes for {} ms, resuming segment {} at byte {}", remotePeerId,
        settings.noBytesTimeoutMillis(), current.segmentId, offset);
    request(current, offset);
  }

  private void finish(Download current, Object outcome) {
    cancelTimer(current);
    download = null;
    if (outcome instanceof byte[] bytes) {
      current.result.complete(bytes);
    } else {
      current.result.completeExceptionally((Throwable) outcome);
    }
    Download next = queuedFetches.poll();
    if (next != null && !closed) {
      start(next);
    }
  }

  private void violation(String what) {
    log.warn("peer {} broke the peer protocol, disconnecting: {}", remotePeerId, what);
    if (download != null) {
      Download current = download;
      download = null;
      cancelTimer(current);
      current.chunks = null; // partial data is discarded, never passed on
      current.result.completeExceptionally(new PeerFetchException(Reason.PROTOCOL_VIOLATION,
          "peer " + remotePeerId + " broke the protocol: " + what));
    }
    link.close("protocol violation: " + what);
  }

  /** The bytes received so far as one array (the whole segment once complete). */
  private static byte[] joined(Download current) {
    byte[] joined = new byte[current.receivedBytes];
    int at = 0;
    for (byte[] chunk : current.chunks) {
      System.arraycopy(chunk, 0, joined, at, chunk.length);
      at += chunk.length;
    }
    return joined;
  }

  private void restartTimer(Download current) {
    cancelTimer(current);
    current.timer = owner.schedule(() -> onNoBytesTimeout(current), settings.noBytesTimeoutMillis(),
        TimeUnit.MILLISECONDS);
  }

  private static void cancelTimer(Download current) {
    if (current.timer != null) {
      current.timer.cancel(false);
      current.timer = null;
    }
  }

  private void sendCommand(PeerCommand command) {
    List<byte[]> messages = PeerFraming.encode(command, PeerFraming.DEFAULT_MAX_MESSAGE_BYTES);
    for (byte[] message : messages) {
      link.send(message);
    }
  }

  private static Set<Long> without(Set<Long> ids, long id) {
    if (!ids.contains(id)) {
      return ids;
    }
    return ids.stream().filter(x -> x != id).collect(java.util.stream.Collectors.toUnmodifiableSet());
  }
}
