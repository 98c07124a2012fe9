package dev.hlsmesh.agent.webrtc;

import static java.util.Objects.requireNonNull;

import dev.hlsmesh.agent.IceServer;
import dev.onvoid.webrtc.CreateSessionDescriptionObserver;
import dev.onvoid.webrtc.PeerConnectionObserver;
import dev.onvoid.webrtc.RTCAnswerOptions;
import dev.onvoid.webrtc.PortAllocatorConfig;
import dev.onvoid.webrtc.RTCConfiguration;
import dev.onvoid.webrtc.RTCDataChannel;
import dev.onvoid.webrtc.RTCDataChannelBuffer;
import dev.onvoid.webrtc.RTCDataChannelInit;
import dev.onvoid.webrtc.RTCDataChannelObserver;
import dev.onvoid.webrtc.RTCDataChannelState;
import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCIceConnectionState;
import dev.onvoid.webrtc.RTCIceGatheringState;
import dev.onvoid.webrtc.RTCIceServer;
import dev.onvoid.webrtc.RTCOfferOptions;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import dev.onvoid.webrtc.RTCSdpType;
import dev.onvoid.webrtc.RTCSessionDescription;
import dev.onvoid.webrtc.SetSessionDescriptionObserver;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One WebRTC peer connection carrying the single peer-protocol data channel (PROTOCOL.md C.1):
 * created in-band by the initiator (ordered, reliable, label of 40 lowercase hex chars) and
 * accepted by the answerer. Negotiation is non-trickle: the local SDP is handed out once ICE
 * gathering completes or the gathering timeout passes.
 *
 * <p>Thread: every method must be called on the owner executor given at creation, and every
 * {@link Listener} callback runs on it. libwebrtc callbacks only copy their data and post to
 * that executor; they never take a lock or block.
 */
public final class PeerLink {
  private static final Logger log = LoggerFactory.getLogger(PeerLink.class);
  private static final long DRAIN_POLL_MILLIS = 50;

  /** Link events, delivered on the owner executor. */
  public interface Listener {
    /** The data channel is open: messages may be sent. */
    void onOpen(PeerLink link);

    /** A message arrived (a private copy of its bytes). */
    void onMessage(PeerLink link, byte[] message);

    /** The buffered amount fell to the low watermark after the link stopped being writable. */
    void onWritable(PeerLink link);

    /** The link closed (locally or remotely); called once, never followed by other callbacks. */
    void onClosed(PeerLink link, String reason);
  }

  private enum State {
    NEGOTIATING,
    OPEN,
    CLOSED
  }

  private final ScheduledExecutorService owner;
  private final LinkSettings settings;
  private final Listener listener;
  private final boolean initiator;
  private final RTCPeerConnection connection;
  private final CompletableFuture<String> localDescription = new CompletableFuture<>();
  private final AtomicBoolean bufferCheckPosted = new AtomicBoolean();
  private final AtomicBoolean channelAdopted = new AtomicBoolean();

  private RTCDataChannel channel;
  private State state = State.NEGOTIATING;
  private boolean awaitingDrain;
  private long peakBufferedBytes;
  private long sentBytes;
  private ScheduledFuture<?> gatheringTimer;
  private ScheduledFuture<?> connectTimer;
  private ScheduledFuture<?> drainPoll;

  private PeerLink(WebRtcRuntime.Lease lease, LinkSettings settings, ScheduledExecutorService owner,
      Listener listener, boolean initiator) {
    this.owner = requireNonNull(owner, "owner");
    this.settings = requireNonNull(settings, "settings");
    this.listener = requireNonNull(listener, "listener");
    this.initiator = initiator;
    this.connection = lease.factory().createPeerConnection(rtcConfiguration(settings), new ConnectionObserver());
  }

  /**
   * Creates the initiating side: a new connection with its data channel and an offer. The offer
   * SDP (with all gathered candidates) completes {@link #localDescription()}.
   */
  public static PeerLink offer(WebRtcRuntime.Lease lease, LinkSettings settings,
      ScheduledExecutorService owner, Random random, Listener listener) {
    PeerLink link = new PeerLink(lease, settings, owner, listener, true);
    link.startOffer(random);
    return link;
  }

  /**
   * Creates the answering side for a remote offer. The answer SDP completes
   * {@link #localDescription()}; the initiator's data channel is adopted when it arrives.
   */
  public static PeerLink answer(WebRtcRuntime.Lease lease, LinkSettings settings,
      ScheduledExecutorService owner, String offerSdp, Listener listener) {
    requireNonNull(offerSdp, "offerSdp");
    PeerLink link = new PeerLink(lease, settings, owner, listener, false);
    link.startAnswer(offerSdp);
    return link;
  }

  /** The local offer or answer SDP, completed on the owner executor once gathering is done. */
  public CompletableFuture<String> localDescription() {
    return localDescription;
  }

  /** Whether this side created the data channel. */
  public boolean isInitiator() {
    return initiator;
  }

  /** Applies the remote answer to this initiator's offer. */
  public void acceptAnswer(String answerSdp) {
    requireNonNull(answerSdp, "answerSdp");
    if (!initiator) {
      throw new IllegalStateException("only the initiator accepts an answer");
    }
    if (state != State.NEGOTIATING) {
      return;
    }
    connection.setRemoteDescription(new RTCSessionDescription(RTCSdpType.ANSWER, answerSdp),
        new SetObserver("set remote answer", this::startConnectTimer));
  }

  /** Whether the data channel is open. */
  public boolean isOpen() {
    return state == State.OPEN;
  }

  /** Whether a message may be sent now without exceeding the high watermark. */
  public boolean isWritable() {
    return state == State.OPEN && !awaitingDrain;
  }

  /** The highest buffered amount seen right after a send (for diagnostics and tests). */
  public long peakBufferedBytes() {
    return peakBufferedBytes;
  }

  /** Total bytes handed to the data channel. */
  public long sentBytes() {
    return sentBytes;
  }

  /**
   * Sends one binary message. The array is sent whole (its length is the message length), which
   * sidesteps webrtc-java sending a buffer's entire capacity. Callers should send only while
   * {@link #isWritable()} and otherwise wait for {@link Listener#onWritable}.
   *
   * @return whether the link is still writable after this send
   */
  public boolean send(byte[] message) {
    requireNonNull(message, "message");
    if (state != State.OPEN) {
      return false;
    }
    try {
      channel.send(new RTCDataChannelBuffer(ByteBuffer.wrap(message), true));
    } catch (Exception e) {
      close("send failed: " + e.getMessage());
      return false;
    }
    sentBytes += message.length;
    long buffered = channel.getBufferedAmount();
    peakBufferedBytes = Math.max(peakBufferedBytes, buffered);
    if (buffered >= settings.highWatermarkBytes() && !awaitingDrain) {
      awaitingDrain = true;
      drainPoll = owner.scheduleWithFixedDelay(this::checkBufferedAmount, DRAIN_POLL_MILLIS,
          DRAIN_POLL_MILLIS, TimeUnit.MILLISECONDS);
    }
    return !awaitingDrain;
  }

  /** Closes the connection; idempotent. The listener's onClosed runs before this returns. */
  public void close(String reason) {
    if (state == State.CLOSED) {
      return;
    }
    state = State.CLOSED;
    cancel(gatheringTimer);
    cancel(connectTimer);
    cancel(drainPoll);
    if (channel != null) {
      channel.unregisterObserver();
      channel.close();
      channel.dispose();
      channel = null;
    }
    connection.close();
    localDescription.completeExceptionally(new IllegalStateException("link closed: " + reason));
    log.debug("link closed: {}", reason);
    listener.onClosed(this, reason);
  }

  private void startOffer(Random random) {
    byte[] labelBytes = new byte[20];
    random.nextBytes(labelBytes);
    RTCDataChannelInit init = new RTCDataChannelInit();
    init.ordered = true;
    init.negotiated = false;
    init.id = -1;
    init.maxPacketLifeTime = -1;
    init.maxRetransmits = -1;
    init.protocol = "";
    channelAdopted.set(true);
    channel = connection.createDataChannel(HexFormat.of().formatHex(labelBytes), init);
    channel.registerObserver(new ChannelObserver(channel));
    connection.createOffer(new RTCOfferOptions(), new CreateObserver("create offer"));
    startGatheringTimer();
  }

  private void startAnswer(String offerSdp) {
    connection.setRemoteDescription(new RTCSessionDescription(RTCSdpType.OFFER, offerSdp),
        new SetObserver("set remote offer", () -> {
          startConnectTimer();
          connection.createAnswer(new RTCAnswerOptions(), new CreateObserver("create answer"));
        }));
    startGatheringTimer();
  }

  private void onLocalDescriptionCreated(RTCSessionDescription description) {
    connection.setLocalDescription(description, new SetObserver("set local description", () -> {
      if (connection.getIceGatheringState() == RTCIceGatheringState.COMPLETE) {
        publishLocalDescription(false);
      }
    }));
  }

  private void publishLocalDescription(boolean timedOut) {
    if (state == State.CLOSED || localDescription.isDone()) {
      return;
    }
    RTCSessionDescription description = connection.getLocalDescription();
    if (description == null) {
      if (timedOut) {
        close("no local description within " + settings.gatheringTimeoutMillis() + " ms");
      }
      return;
    }
    if (timedOut && !description.sdp.contains("a=candidate")) {
      close("no ICE candidate gathered within " + settings.gatheringTimeoutMillis() + " ms");
      return;
    }
    cancel(gatheringTimer);
    localDescription.complete(description.sdp);
  }

  private void startGatheringTimer() {
    gatheringTimer = owner.schedule(() -> publishLocalDescription(true),
        settings.gatheringTimeoutMillis(), TimeUnit.MILLISECONDS);
  }

  private void startConnectTimer() {
    if (state == State.NEGOTIATING && connectTimer == null) {
      connectTimer = owner.schedule(() -> {
        if (state == State.NEGOTIATING) {
          close("not connected within " + settings.connectTimeoutMillis() + " ms");
        }
      }, settings.connectTimeoutMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private void onChannelStateChange(RTCDataChannel source) {
    if (source != channel || state == State.CLOSED) {
      return;
    }
    RTCDataChannelState channelState = channel.getState();
    if (channelState == RTCDataChannelState.OPEN && state == State.NEGOTIATING) {
      state = State.OPEN;
      cancel(connectTimer);
      connectTimer = null;
      listener.onOpen(this);
    } else if (channelState == RTCDataChannelState.CLOSING || channelState == RTCDataChannelState.CLOSED) {
      close("data channel closed");
    }
  }

  private void onConnectionStateChange(RTCPeerConnectionState connectionState) {
    if (state == State.CLOSED) {
      return;
    }
    switch (connectionState) {
      case FAILED -> close("connection failed");
      case CLOSED -> close("connection closed");
      case DISCONNECTED -> {
        // ICE may recover; bound how long we wait for it.
        cancel(connectTimer);
        connectTimer = owner.schedule(() -> {
          if (state != State.CLOSED && connection.getConnectionState() != RTCPeerConnectionState.CONNECTED) {
            close("disconnected for " + settings.connectTimeoutMillis() + " ms");
          }
        }, settings.connectTimeoutMillis(), TimeUnit.MILLISECONDS);
      }
      default -> {
        // NEW, CONNECTING, CONNECTED: the channel state drives the link.
      }
    }
  }

  private void checkBufferedAmount() {
    bufferCheckPosted.set(false);
    if (state != State.OPEN || !awaitingDrain) {
      return;
    }
    if (channel.getBufferedAmount() <= settings.lowWatermarkBytes()) {
      awaitingDrain = false;
      cancel(drainPoll);
      drainPoll = null;
      listener.onWritable(this);
    }
  }

  private void adoptRemoteChannel(RTCDataChannel offered) {
    if (state == State.CLOSED || channel != null) {
      offered.unregisterObserver();
      offered.close();
      offered.dispose();
      return;
    }
    channel = offered;
    onChannelStateChange(offered);
  }

  /** Posts to the owner; after the agent shut its executor down there is nobody to tell. */
  private void post(Runnable task) {
    try {
      owner.execute(task);
    } catch (RejectedExecutionException e) {
      log.trace("owner executor gone, dropping a WebRTC event");
    }
  }

  private static void cancel(ScheduledFuture<?> future) {
    if (future != null) {
      future.cancel(false);
    }
  }

  private static RTCConfiguration rtcConfiguration(LinkSettings settings) {
    RTCConfiguration configuration = new RTCConfiguration();
    List<RTCIceServer> servers = new ArrayList<>();
    for (IceServer server : settings.iceServers()) {
      RTCIceServer rtcServer = new RTCIceServer();
      rtcServer.urls = new ArrayList<>(server.urls());
      rtcServer.username = server.username() == null ? "" : server.username();
      rtcServer.password = server.credential() == null ? "" : server.credential();
      servers.add(rtcServer);
    }
    configuration.iceServers = servers;
    // No ICE-TCP: a data channel between hosts that reach each other over UDP never needs it,
    // and every link would otherwise listen on a TCP port per interface address. Measured in the
    // demo with 2 agents (20 links): 203 listening TCP and 101 UDP sockets per address family
    // with it, none and 20 without (docs/benchmarks.md, "Footprint"). libwebrtc adds its own
    // shared-socket and IPv6 flags to these: IPv6 cannot be turned off from here.
    configuration.portAllocatorConfig = new PortAllocatorConfig(0, 0, PortAllocatorConfig.PORTALLOCATOR_DISABLE_TCP);
    return configuration;
  }

  /** Runs on libwebrtc threads: only posts. */
  private final class ConnectionObserver implements PeerConnectionObserver {
    @Override
    public void onIceCandidate(RTCIceCandidate candidate) {
      // Non-trickle: candidates travel inside the SDP once gathering completes.
    }

    @Override
    public void onIceGatheringChange(RTCIceGatheringState gatheringState) {
      if (gatheringState == RTCIceGatheringState.COMPLETE) {
        post(() -> publishLocalDescription(false));
      }
    }

    @Override
    public void onConnectionChange(RTCPeerConnectionState connectionState) {
      post(() -> onConnectionStateChange(connectionState));
    }

    @Override
    public void onIceConnectionChange(RTCIceConnectionState iceState) {
      if (iceState == RTCIceConnectionState.FAILED) {
        post(() -> {
          if (state != State.CLOSED) {
            close("ICE failed");
          }
        });
      }
    }

    @Override
    public void onDataChannel(RTCDataChannel offered) {
      // Adoption is posted before the observer exists, so it runs before any message it reports.
      if (initiator || !channelAdopted.compareAndSet(false, true)) {
        post(() -> {
          offered.close();
          offered.dispose();
        });
        return;
      }
      post(() -> adoptRemoteChannel(offered));
      offered.registerObserver(new ChannelObserver(offered));
    }
  }

  /** Runs on libwebrtc threads: copies and posts. */
  private final class ChannelObserver implements RTCDataChannelObserver {
    private final RTCDataChannel source;

    ChannelObserver(RTCDataChannel source) {
      this.source = source;
    }

    @Override
    public void onBufferedAmountChange(long previousAmount) {
      if (bufferCheckPosted.compareAndSet(false, true)) {
        post(PeerLink.this::checkBufferedAmount);
      }
    }

    @Override
    public void onStateChange() {
      post(() -> onChannelStateChange(source));
    }

    @Override
    public void onMessage(RTCDataChannelBuffer buffer) {
      // The native buffer is freed when this returns: copy now.
      ByteBuffer data = buffer.data;
      byte[] copy = new byte[data.remaining()];
      data.get(copy);
      post(() -> {
        if (state == State.OPEN && source == channel) {
          listener.onMessage(PeerLink.this, copy);
        }
      });
    }
  }

  private final class CreateObserver implements CreateSessionDescriptionObserver {
    private final String step;

    CreateObserver(String step) {
      this.step = step;
    }

    @Override
    public void onSuccess(RTCSessionDescription description) {
      post(() -> {
        if (state != State.CLOSED) {
          onLocalDescriptionCreated(description);
        }
      });
    }

    @Override
    public void onFailure(String error) {
      post(() -> close(step + " failed: " + error));
    }
  }

  private final class SetObserver implements SetSessionDescriptionObserver {
    private final String step;
    private final Runnable next;

    SetObserver(String step, Runnable next) {
      this.step = step;
      this.next = next;
    }

    @Override
    public void onSuccess() {
      post(() -> {
        if (state != State.CLOSED) {
          next.run();
        }
      });
    }

    @Override
    public void onFailure(String error) {
      post(() -> close(step + " failed: " + error));
    }
  }
}
