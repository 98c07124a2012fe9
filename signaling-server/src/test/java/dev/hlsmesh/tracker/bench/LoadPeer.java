package dev.hlsmesh.tracker.bench;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.SplittableRandom;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
* One simulated viewer: a WebSocket to the tracker with one peer id in one swarm. It joins with a
* {@code started} announce, then (when told) sends announces with offers and answers every offer
* the tracker relays to it. The offers it has sent and not yet seen answered bound how much it
* sends: an announce goes out only while {@code pending + offersPerAnnounce <= windowOffers}.
*
* <p>Confined to its channel's event loop, except the constructor and the {@code start*}/
* {@code stop}/{@code close} methods, which hop onto it.
*/
final class LoadPeer extends SimpleChannelInboundHandler<TextWebSocketFrame> {

  /** Told once per peer, on its event loop, whether it joined its swarm. */
  interface JoinListener {
    void joined(LoadPeer peer);

    void failed(LoadPeer peer, String reason);
  }

  private record Pending(String offerId, long sentNanos) {}

  private final LoadWire wire;
  private final LoadStats stats;
  private final JoinListener listener;
  private final byte[] infoHashJson;
  private final byte[] peerIdJson;
  private final int joinOffers;
  private final int offersPerAnnounce;
  private final int windowOffers;
  private final long offerTimeoutNanos;
  private final long epochNanos;
  private final SplittableRandom random;

  private final ArrayDeque<Pending> pending = new ArrayDeque<>();
  private Channel channel;
  private boolean settled;
  private boolean joined;
  private boolean closing;
  private boolean saturating;
  private boolean unflushed;
  private ScheduledFuture<?> timer;

  LoadPeer(LoadWire wire, LoadStats stats, JoinListener listener, byte[] infoHash, byte[] peerId,
      int joinOffers, int offersPerAnnounce, int windowOffers, long offerTimeoutNanos,
      long epochNanos, SplittableRandom random) {
    this.wire = wire;
    this.stats = stats;
    this.listener = listener;
    this.infoHashJson = LoadWire.idJson(infoHash);
    this.peerIdJson = LoadWire.idJson(peerId);
    this.joinOffers = joinOffers;
    this.offersPerAnnounce = offersPerAnnounce;
    this.windowOffers = windowOffers;
    this.offerTimeoutNanos = offerTimeoutNanos;
    this.epochNanos = epochNanos;
    this.random = random;
  }

  boolean isOpen() {
    Channel c = channel;
    return c != null && c.isActive();
  }

  /** Sends announces as fast as the window allows. */
  void startSaturating() {
    onLoop(() -> {
      saturating = true;
      timer = channel.eventLoop().scheduleAtFixedRate(this::expireAndFill, 500, 500,
          TimeUnit.MILLISECONDS);
      fill(System.nanoTime());
      flush();
    });
  }

  /** Sends one announce every {@code periodNanos} (skipped, and counted, if the window is full). */
  void startPaced(long initialDelayNanos, long periodNanos) {
    onLoop(() -> timer = channel.eventLoop().scheduleAtFixedRate(this::pacedTick,
        initialDelayNanos, periodNanos, TimeUnit.NANOSECONDS));
  }

  void stop() {
    onLoop(() -> {
      saturating = false;
      if (timer != null) {
        timer.cancel(false);
      }
    });
  }

  void close() {
    onLoop(() -> {
      closing = true;
      channel.close();
    });
  }

  private void onLoop(Runnable task) {
    Channel c = channel;
    if (c != null) {
      c.eventLoop().execute(task);
    }
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = ctx.channel();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
    if (event == ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
      sendAnnounce(true, joinOffers, System.nanoTime());
      flush();
    } else if (event == ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
      settle(false, "WebSocket handshake timed out");
    }
    super.userEventTriggered(ctx, event);
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) throws Exception {
    long now = System.nanoTime();
    LoadWire.Incoming message = LoadWire.read(frame.content());
    stats.received(message, now, epochNanos);
    switch (message.kind()) {
      case ANNOUNCE_RESPONSE -> {
        if (!joined) {
          joined = true;
          settle(true, null);
        }
      }
      case RELAYED_OFFER -> {
        if (message.peerId() != null && message.offerId() != null) {
          answer(message.peerId(), message.offerId());
        }
      }
      case RELAYED_ANSWER -> {
        if (message.offerId() != null && removePending(message.offerId()) && saturating) {
          fill(now);
        }
      }
      case FAILURE -> {
        if (!joined) {
          settle(false, "tracker failure before joining: " + message.failure());
        }
      }
      default -> {
        // scrape responses and unknown messages are only counted
      }
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    flush();
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    if (!closing) {
      stats.closedByTracker.increment();
    }
    if (timer != null) {
      timer.cancel(false);
    }
    settle(false, "connection closed before joining");
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    settle(false, cause.toString());
    ctx.close();
  }

  /** Reports a connect attempt that never reached the handshake. */
  void connectFailed(Throwable cause) {
    settle(false, "connect failed: " + cause);
  }

  private void settle(boolean ok, String reason) {
    if (settled) {
      return;
    }
    settled = true;
    if (ok) {
      listener.joined(this);
    } else {
      stats.connectFailures.increment();
      listener.failed(this, reason);
    }
  }

  private void pacedTick() {
    long now = System.nanoTime();
    expire(now);
    if (pending.size() + offersPerAnnounce <= windowOffers) {
      sendAnnounce(false, offersPerAnnounce, now);
      flush();
    } else {
      stats.count(stats.pacedSendsSkipped, 1);
    }
  }

  private void expireAndFill() {
    long now = System.nanoTime();
    expire(now);
    if (saturating) {
      fill(now);
      flush();
    }
  }

  private void fill(long now) {
    while (pending.size() + offersPerAnnounce <= windowOffers && channel.isWritable()) {
      sendAnnounce(false, offersPerAnnounce, now);
    }
  }

  private void expire(long now) {
    while (!pending.isEmpty() && now - pending.peekFirst().sentNanos() > offerTimeoutNanos) {
      pending.pollFirst();
      stats.count(stats.offersExpired, 1);
    }
  }

  private boolean removePending(String offerId) {
    for (Iterator<Pending> it = pending.iterator(); it.hasNext(); ) {
      if (it.next().offerId().equals(offerId)) {
        it.remove();
        return true;
      }
    }
    return false;
  }

  private void sendAnnounce(boolean started, int offers, long now) {
    byte[][] offerIds = new byte[offers][];
    for (int i = 0; i < offers; i++) {
      byte[] id = new byte[LoadWire.ID_BYTES];
      random.nextBytes(id);
      offerIds[i] = id;
      pending.addLast(new Pending(new String(id, StandardCharsets.ISO_8859_1), now));
    }
    ByteBuf buf = channel.alloc().buffer(256 + offers * (wire.offerSdpChars() + 128));
    wire.writeAnnounce(buf, started, infoHashJson, peerIdJson, offerIds, now - epochNanos);
    channel.write(new TextWebSocketFrame(buf), channel.voidPromise());
    unflushed = true;
    stats.count(stats.announcesSent, 1);
    stats.count(stats.offersSent, offers);
  }

  private void answer(String offererPeerId, String offerId) {
    ByteBuf buf = channel.alloc().buffer(wire.offerSdpChars() + 256);
    wire.writeAnswer(buf, infoHashJson, peerIdJson, offererPeerId, offerId,
        System.nanoTime() - epochNanos);
    channel.write(new TextWebSocketFrame(buf), channel.voidPromise());
    unflushed = true;
    stats.count(stats.answersSent, 1);
  }

  private void flush() {
    if (unflushed) {
      unflushed = false;
      channel.flush();
    }
  }
}
