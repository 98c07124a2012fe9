package dev.hlsmesh.agent.tracker;

import static java.util.Objects.requireNonNull;

import dev.hlsmesh.agent.webrtc.PeerLink;
import dev.hlsmesh.protocol.tracker.Announce;
import dev.hlsmesh.protocol.tracker.AnnounceEvent;
import dev.hlsmesh.protocol.tracker.AnnounceResponse;
import dev.hlsmesh.protocol.tracker.AnswerAnnounce;
import dev.hlsmesh.protocol.tracker.BinaryId;
import dev.hlsmesh.protocol.tracker.ClientMessage;
import dev.hlsmesh.protocol.tracker.Failure;
import dev.hlsmesh.protocol.tracker.Offer;
import dev.hlsmesh.protocol.tracker.RelayedAnswer;
import dev.hlsmesh.protocol.tracker.RelayedOffer;
import dev.hlsmesh.protocol.tracker.ScrapeResponse;
import dev.hlsmesh.protocol.tracker.ServerMessage;
import dev.hlsmesh.protocol.tracker.TrackerCodec;
import dev.hlsmesh.protocol.tracker.TrackerProtocolException;
import dev.hlsmesh.protocol.tracker.ViewerReport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One tracker of a {@link TrackerClient} (PROTOCOL.md A.3, A.4, A.6): one WebSocket to one
 * tracker URL shared by every swarm the agent joined. Per swarm it announces {@code started} with offers,
 * re-announces on the tracker's interval (sooner while below the swarm's minimum) with fresh
 * offers while the swarm wants peers, answers relayed offers, applies relayed answers by
 * {@code offer_id} (offers expire after {@link TrackerSettings#offerTimeoutMillis()}),
 * reconnects with jittered exponential back-off, and sends {@code stopped} when leaving.
 *
 * <p>With a {@link TrackerClient.Observer} and {@link TrackerSettings#reportIntervalMillis()} above 0, it
 * also reports this viewer's delivery to the tracker (docs/protocol.md, "Viewer reports"): every
 * announce carries the {@code x_hlsmesh} report, and every interval each joined swarm gets a
 * report-only announce (no event, {@code numwant} 0, no offers). Figures count from the join of
 * the swarm (its peer id), except {@code peers}.
 *
 * <p>Thread: every method must be called on the agent's owner executor; the Netty I/O thread
 * only copies frames and posts them there.
 */
final class TrackerConnection {
  private static final Logger log = LoggerFactory.getLogger(TrackerClient.class);
  private static final int MAX_MESSAGE_BYTES = 1024 * 1024;

  private final URI trackerUrl;
  private final TrackerSettings settings;
  private final String trackerForLogs;
  private final ScheduledExecutorService owner;
  private final EventLoopGroup ioGroup;
  private final LinkFactory links;
  private final Random random;
  private final Backoff backoff;
  private final TrackerCodec codec = new TrackerCodec();
  private final Map<BinaryId, SwarmState> swarms = new LinkedHashMap<>();
  private final TrackerClient.Observer observer;
  /** The observer when reports are on, else null. */
  private final TrackerClient.Observer reports;
  private ScheduledFuture<?> reportTimer;
  private long reportsSent;

  private Channel channel;
  private boolean connected;
  private boolean closed;
  private int connectionGeneration;
  private ScheduledFuture<?> reconnectTimer;

  /** Per-swarm announce state. */
  private static final class SwarmState {
    final SwarmMembership membership;
    final Map<BinaryId, PendingOffer> offers = new HashMap<>();
    boolean startedSent;
    boolean announcing;
    long intervalMillis;
    ScheduledFuture<?> nextAnnounce;
    /** The source's totals when this swarm was joined; null without reports. */
    ViewerReport reportBaseline;

    SwarmState(SwarmMembership membership, long intervalMillis) {
      this.membership = membership;
      this.intervalMillis = intervalMillis;
    }
  }

  private record PendingOffer(PeerLink link, SwarmMembership.LinkBinding binding, ScheduledFuture<?> expiry) {}

  /**
   * A connection to {@code trackerUrl} that also sends viewer reports taken from
   * {@code observer} (none when it is null or {@link TrackerSettings#reportIntervalMillis()} is
   * 0) and tells it of tracker problems.
   */
  TrackerConnection(URI trackerUrl, TrackerSettings settings, ScheduledExecutorService owner,
      EventLoopGroup ioGroup, LinkFactory links, Random random, TrackerClient.Observer observer) {
    this.trackerUrl = requireNonNull(trackerUrl, "trackerUrl");
    this.observer = observer;
    this.reports = settings.reportIntervalMillis() > 0 ? observer : null;
    this.settings = requireNonNull(settings, "settings");
    this.trackerForLogs = withoutQuery(trackerUrl);
    this.owner = requireNonNull(owner, "owner");
    this.ioGroup = requireNonNull(ioGroup, "ioGroup");
    this.links = requireNonNull(links, "links");
    this.random = requireNonNull(random, "random");
    this.backoff = new Backoff(settings.reconnectBaseMillis(), settings.reconnectMaxMillis(), random);
  }

  /** The tracker URL without its query, which may carry a join token ({@code ?token=}). */
  private static String withoutQuery(URI url) {
    String text = url.toString();
    int query = text.indexOf('?');
    return query < 0 ? text : text.substring(0, query) + "?...";
  }

  /** Opens the WebSocket (and keeps reopening it until {@link #close()}). */
  void start() {
    if (reports != null && reportTimer == null) {
      long interval = settings.reportIntervalMillis();
      reportTimer = owner.scheduleAtFixedRate(this::sendReports, interval, interval, TimeUnit.MILLISECONDS);
    }
    connect();
  }

  /** Report-only announces sent so far (tests). */
  long reportsSent() {
    return reportsSent;
  }

  /** Whether the WebSocket to the tracker is open. */
  boolean isConnected() {
    return connected;
  }

  /** Starts announcing in a swarm (immediately if connected, else once connected). */
  void join(SwarmMembership membership) {
    requireNonNull(membership, "membership");
    if (swarms.containsKey(membership.infoHash())) {
      throw new IllegalStateException("already joined " + membership.infoHash());
    }
    SwarmState swarm = new SwarmState(membership, settings.defaultAnnounceIntervalMillis());
    if (reports != null) {
      swarm.reportBaseline = totals(membership.infoHash());
    }
    swarms.put(membership.infoHash(), swarm);
    if (connected) {
      announce(swarm);
    }
  }

  /** Stops announcing in a swarm, sends {@code stopped} and drops its unanswered offers. */
  void leave(BinaryId infoHash) {
    SwarmState swarm = swarms.remove(infoHash);
    if (swarm == null) {
      return;
    }
    cancel(swarm.nextAnnounce);
    for (PendingOffer offer : new ArrayList<>(swarm.offers.values())) {
      offer.expiry().cancel(false);
      offer.link().close("left the swarm");
    }
    swarm.offers.clear();
    if (connected) {
      send(Announce.of(infoHash, swarm.membership.peerId(), AnnounceEvent.STOPPED, List.of()).withReport(report(swarm)));
    }
  }

  /** Tells the client a swarm lost a peer: below its minimum it re-announces soon. */
  void peerCountChanged(BinaryId infoHash) {
    SwarmState swarm = swarms.get(infoHash);
    if (swarm != null && connected && swarm.membership.belowMinimum()) {
      scheduleAnnounce(swarm, Math.min(swarm.intervalMillis, settings.belowMinimumAnnounceMillis()));
    }
  }

  /** Leaves every swarm (sending {@code stopped}) and closes the WebSocket for good. */
  void close() {
    if (closed) {
      return;
    }
    for (BinaryId infoHash : new ArrayList<>(swarms.keySet())) {
      leave(infoHash);
    }
    closed = true;
    cancel(reconnectTimer);
    cancel(reportTimer);
    if (channel != null) {
      // After the stopped announces (same channel, so in order), a polite closing handshake.
      channel.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE))
          .addListener(ChannelFutureListener.CLOSE);
    }
  }

  private void connect() {
    if (closed) {
      return;
    }
    URI uri = trackerUrl;
    boolean secure = "wss".equalsIgnoreCase(uri.getScheme());
    int port = uri.getPort() != -1 ? uri.getPort() : secure ? 443 : 80;
    SslContext ssl;
    try {
      ssl = secure ? SslContextBuilder.forClient().build() : null;
    } catch (SSLException e) {
      log.warn("tracker {}: TLS unavailable ({}), will retry", trackerForLogs, e.getMessage());
      scheduleReconnect();
      return;
    }
    int generation = ++connectionGeneration;
    WebSocketClientProtocolConfig wsConfig = WebSocketClientProtocolConfig.newBuilder()
        .webSocketUri(uri)
        // Netty would send Origin: http://<tracker host>, which a tracker with an Origin
        // allow-list (for its web players) refuses with 403; an agent is not a web page.
        .generateOriginHeader(false)
        .maxFramePayloadLength(MAX_MESSAGE_BYTES)
        .handshakeTimeoutMillis(settings.connectTimeoutMillis())
        .build();
    Bootstrap bootstrap = new Bootstrap()
        .group(ioGroup)
        .channel(NioSocketChannel.class)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.connectTimeoutMillis())
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            if (ssl != null) {
              ch.pipeline().addLast(ssl.newHandler(ch.alloc(), uri.getHost(), port));
            }
            ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(64 * 1024),
                new WebSocketClientProtocolHandler(wsConfig), new WebSocketFrameAggregator(MAX_MESSAGE_BYTES),
                new FrameHandler(generation));
          }
        });
    bootstrap.connect(uri.getHost(), port).addListener(future -> {
      if (!future.isSuccess()) {
        post(() -> onDisconnected(generation, "connect failed: " + future.cause().getMessage()));
      }
    });
  }

  private void onConnected(int generation, Channel ch) {
    if (generation != connectionGeneration) {
      ch.close();
      return;
    }
    if (closed) {
      ch.close();
      return;
    }
    channel = ch;
    connected = true;
    backoff.reset();
    log.debug("tracker {} connected", trackerForLogs);
    for (SwarmState swarm : swarms.values()) {
      announce(swarm);
    }
  }

  private void onDisconnected(int generation, String reason) {
    if (generation != connectionGeneration) {
      return;
    }
    connectionGeneration++;
    boolean wasConnected = connected;
    connected = false;
    channel = null;
    for (SwarmState swarm : swarms.values()) {
      cancel(swarm.nextAnnounce);
      swarm.announcing = false;
    }
    if (closed) {
      return;
    }
    if (wasConnected) {
      log.info("tracker {} disconnected ({}), reconnecting", trackerForLogs, reason);
      tellProblem("tracker " + trackerForLogs + " disconnected (" + reason + "), reconnecting");
    } else {
      log.debug("tracker {} unreachable ({})", trackerForLogs, reason);
    }
    scheduleReconnect();
  }

  private void scheduleReconnect() {
    long delayMillis = backoff.nextDelayMillis();
    reconnectTimer = owner.schedule(this::connect, delayMillis, TimeUnit.MILLISECONDS);
  }

  private void announce(SwarmState swarm) {
    if (!connected || swarm.announcing || swarms.get(swarm.membership.infoHash()) != swarm) {
      return;
    }
    cancel(swarm.nextAnnounce);
    swarm.announcing = true;
    // Unanswered offers count against the bound too: at most maxPeers connections in flight.
    int wanted = Math.max(0, Math.min(settings.maxOffersPerAnnounce(),
        swarm.membership.offersWanted() - swarm.offers.size()));
    List<PeerLink> created = new ArrayList<>(wanted);
    List<SwarmMembership.LinkBinding> bindings = new ArrayList<>(wanted);
    for (int i = 0; i < wanted; i++) {
      SwarmMembership.LinkBinding binding = swarm.membership.newBinding();
      bindings.add(binding);
      PeerLink link = links.offer(binding);
      binding.attach(link);
      created.add(link);
    }
    int generation = connectionGeneration;
    CompletableFuture<?>[] sdps = created.stream()
        .map(link -> link.localDescription().handle((sdp, error) -> sdp))
        .toArray(CompletableFuture[]::new);
    CompletableFuture.allOf(sdps).whenCompleteAsync((ignored, error) -> {
      swarm.announcing = false;
      boolean current = connected && generation == connectionGeneration
          && swarms.get(swarm.membership.infoHash()) == swarm;
      List<Offer> offers = new ArrayList<>();
      for (int i = 0; i < created.size(); i++) {
        PeerLink link = created.get(i);
        String sdp = link.localDescription().isCompletedExceptionally() ? null : link.localDescription().join();
        if (!current || sdp == null) {
          link.close(current ? "offer could not be created" : "announce abandoned");
          continue;
        }
        BinaryId offerId = BinaryId.random(random);
        ScheduledFuture<?> expiry = owner.schedule(() -> expireOffer(swarm, offerId),
            settings.offerTimeoutMillis(), TimeUnit.MILLISECONDS);
        swarm.offers.put(offerId, new PendingOffer(link, bindings.get(i), expiry));
        offers.add(new Offer(offerId, sdp));
      }
      if (!current) {
        return;
      }
      AnnounceEvent event = swarm.startedSent ? null : AnnounceEvent.STARTED;
      swarm.startedSent = true;
      send(Announce.of(swarm.membership.infoHash(), swarm.membership.peerId(), event, offers).withReport(report(swarm)));
      scheduleAnnounce(swarm, swarm.membership.belowMinimum()
          ? Math.min(swarm.intervalMillis, settings.belowMinimumAnnounceMillis())
          : swarm.intervalMillis);
    }, owner);
  }

  private void scheduleAnnounce(SwarmState swarm, long delayMillis) {
    cancel(swarm.nextAnnounce);
    swarm.nextAnnounce = owner.schedule(() -> announce(swarm), delayMillis, TimeUnit.MILLISECONDS);
  }

  private void expireOffer(SwarmState swarm, BinaryId offerId) {
    PendingOffer offer = swarm.offers.remove(offerId);
    if (offer != null) {
      offer.link().close("offer not answered within " + settings.offerTimeoutMillis() + " ms");
    }
  }

  private void onText(int generation, String text) {
    if (generation != connectionGeneration || closed) {
      return;
    }
    ServerMessage message;
    try {
      message = codec.decodeServer(text);
    } catch (TrackerProtocolException e) {
      log.warn("tracker {}: ignoring a malformed message: {}", trackerForLogs, e.getMessage());
      return;
    }
    if (message instanceof AnnounceResponse response) {
      onAnnounceResponse(response);
    } else if (message instanceof RelayedOffer offer) {
      onRelayedOffer(offer);
    } else if (message instanceof RelayedAnswer answer) {
      onRelayedAnswer(answer);
    } else if (message instanceof Failure failure) {
      log.warn("tracker {} refused a request: {}", trackerForLogs, failure.reason());
      tellProblem("tracker " + trackerForLogs + " refused a request: " + failure.reason());
    } else if (message instanceof ScrapeResponse) {
      log.debug("tracker {}: unsolicited scrape response ignored", trackerForLogs);
    }
  }

  private void onAnnounceResponse(AnnounceResponse response) {
    SwarmState swarm = swarms.get(response.infoHash());
    if (swarm == null) {
      return;
    }
    if (response.warningMessage() != null) {
      log.warn("tracker {} warns: {}", trackerForLogs, response.warningMessage());
    }
    if (response.intervalSeconds() > 0) {
      long intervalMillis = Math.max(settings.minAnnounceIntervalMillis(), response.intervalSeconds() * 1000L);
      if (intervalMillis != swarm.intervalMillis) {
        swarm.intervalMillis = intervalMillis;
        if (!swarm.announcing && !swarm.membership.belowMinimum()) {
          scheduleAnnounce(swarm, intervalMillis);
        }
      }
    }
  }

  private void onRelayedOffer(RelayedOffer offer) {
    SwarmState swarm = swarms.get(offer.infoHash());
    if (swarm == null || offer.peerId().equals(swarm.membership.peerId())
        || !swarm.membership.admit(offer.peerId(), false)) {
      return;
    }
    SwarmMembership.LinkBinding binding = swarm.membership.newBinding();
    binding.remotePeer(offer.peerId());
    PeerLink link = links.answer(offer.sdp(), binding);
    binding.attach(link);
    int generation = connectionGeneration;
    link.localDescription().whenCompleteAsync((sdp, error) -> {
      if (error != null) {
        return; // the link closed itself and told its binding
      }
      if (!connected || generation != connectionGeneration || swarms.get(offer.infoHash()) != swarm) {
        link.close("tracker connection lost before answering");
        return;
      }
      send(AnswerAnnounce.of(offer.infoHash(), swarm.membership.peerId(), offer.peerId(), offer.offerId(), sdp));
    }, owner);
  }

  private void onRelayedAnswer(RelayedAnswer answer) {
    SwarmState swarm = swarms.get(answer.infoHash());
    if (swarm == null) {
      return;
    }
    PendingOffer offer = swarm.offers.remove(answer.offerId());
    if (offer == null) {
      log.debug("answer for an unknown or expired offer ignored");
      return;
    }
    offer.expiry().cancel(false);
    if (answer.peerId().equals(swarm.membership.peerId()) || !swarm.membership.admit(answer.peerId(), true)) {
      offer.link().close("answer from a peer not wanted now");
      return;
    }
    offer.binding().remotePeer(answer.peerId());
    offer.link().acceptAnswer(answer.sdp());
  }

  /** Every interval: a report-only announce per swarm the tracker knows us in. */
  private void sendReports() {
    if (!connected || closed) {
      return;
    }
    for (SwarmState swarm : swarms.values()) {
      ViewerReport report = swarm.startedSent ? report(swarm) : null;
      if (report != null) {
        send(Announce.reportOnly(swarm.membership.infoHash(), swarm.membership.peerId(), report));
        reportsSent++;
      }
    }
  }

  /** This swarm's report now (figures since its join), or null without reports. */
  private ViewerReport report(SwarmState swarm) {
    if (reports == null || swarm.reportBaseline == null) {
      return null;
    }
    ViewerReport now = totals(swarm.membership.infoHash());
    if (now == null) {
      return null;
    }
    ViewerReport base = swarm.reportBaseline;
    return new ViewerReport(since(now.cdnBytes(), base.cdnBytes()), since(now.p2pBytes(), base.p2pBytes()),
        since(now.uploadedBytes(), base.uploadedBytes()), since(now.stalls(), base.stalls()),
        since(now.stallMillis(), base.stallMillis()), now.peers());
  }

  private ViewerReport totals(BinaryId infoHash) {
    try {
      return reports.totals(infoHash);
    } catch (RuntimeException e) {
      log.warn("viewer report source failed: {}", e.toString());
      return null;
    }
  }

  private void tellProblem(String message) {
    if (observer != null) {
      try {
        observer.problem(message);
      } catch (RuntimeException e) {
        log.warn("tracker observer failed: {}", e.toString());
      }
    }
  }

  private static long since(long now, long baseline) {
    return Math.max(0, now - baseline);
  }

  private void send(ClientMessage message) {
    Channel ch = channel;
    if (ch != null) {
      ch.writeAndFlush(new TextWebSocketFrame(codec.encode(message)));
    }
  }

  private void post(Runnable task) {
    try {
      owner.execute(task);
    } catch (RejectedExecutionException e) {
      log.trace("owner executor gone, dropping a tracker event");
    }
  }

  private static void cancel(ScheduledFuture<?> future) {
    if (future != null) {
      future.cancel(false);
    }
  }

  /** Runs on the Netty I/O thread: copies and posts. */
  private final class FrameHandler extends SimpleChannelInboundHandler<WebSocketFrame> {
    private final int generation;

    FrameHandler(int generation) {
      this.generation = generation;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
      if (event == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
        Channel ch = ctx.channel();
        post(() -> onConnected(generation, ch));
      }
      super.userEventTriggered(ctx, event);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
      if (frame instanceof TextWebSocketFrame text) {
        String json = text.text();
        post(() -> onText(generation, json));
      } else if (frame instanceof BinaryWebSocketFrame binary) {
        String json = binary.content().toString(StandardCharsets.UTF_8);
        post(() -> onText(generation, json));
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      post(() -> onDisconnected(generation, "connection closed"));
      super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      log.debug("tracker connection error: {}", cause.toString());
      ctx.close();
    }
  }
}
