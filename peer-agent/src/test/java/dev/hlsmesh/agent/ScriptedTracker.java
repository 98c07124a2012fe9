package dev.hlsmesh.agent;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A WebSocket "tracker" on 127.0.0.1 port 0 whose replies the test writes by hand: it records
 * every text frame a client sends and sends whatever the test asks, including bad input no
 * real tracker produces.
 */
final class ScriptedTracker implements AutoCloseable {
  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final Channel server;
  final BlockingQueue<String> received = new LinkedBlockingQueue<>();
  final AtomicInteger connections = new AtomicInteger();
  private volatile Channel client;

  ScriptedTracker() throws InterruptedException {
    server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65_536),
                new WebSocketServerProtocolHandler("/", null, false, 1 << 20, false, true),
                new SimpleChannelInboundHandler<TextWebSocketFrame>() {
                  @Override
                  public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
                    if (event instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
                      client = ctx.channel();
                      connections.incrementAndGet();
                    }
                    super.userEventTriggered(ctx, event);
                  }

                  @Override
                  protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
                    received.add(frame.text());
                  }
                });
          }
        })
        .bind("127.0.0.1", 0).sync().channel();
  }

  URI url() {
    return URI.create("ws://127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort() + "/");
  }

  /** The next text frame from the client, waiting up to 30 s. */
  String next() throws InterruptedException {
    String text = received.poll(30, TimeUnit.SECONDS);
    if (text == null) {
      throw new AssertionError("no message from the agent within 30 s");
    }
    return text;
  }

  void send(String text) throws InterruptedException {
    client.writeAndFlush(new TextWebSocketFrame(text)).sync();
  }

  void dropConnection() throws InterruptedException {
    client.close().sync();
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
