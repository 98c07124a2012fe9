package dev.hlsmesh.cdn.fetch;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.util.AsciiString;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A cleartext HTTP/2 server on 127.0.0.1 (HTTP/1.1 {@code Upgrade: h2c}, as java.net.http asks
 * for {@code http://} URLs, or prior knowledge). {@code GET /bytes/N} answers N bytes (byte i is
 * {@code i % 251}) in 16 kB DATA frames; {@code GET /stall/N} sends the headers and the first
 * 16 kB, then nothing. Counts the streams it served as HTTP/2 and the streams the client reset
 * before their end.
 */
final class H2cServer implements AutoCloseable {

    static final int FRAME_BYTES = 16 * 1024;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel channel;
    final AtomicInteger http2Streams = new AtomicInteger();
    final AtomicInteger streamsClosedEarly = new AtomicInteger();

    H2cServer() throws InterruptedException {
        channel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        HttpServerCodec http1 = new HttpServerCodec();
                        HttpServerUpgradeHandler.UpgradeCodecFactory upgrades = protocol ->
                                AsciiString.contentEquals(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)
                                        ? new Http2ServerUpgradeCodec(frameCodec(), multiplex())
                                        : null;
                        ch.pipeline().addLast(new CleartextHttp2ServerUpgradeHandler(http1,
                                new HttpServerUpgradeHandler(http1, upgrades),
                                new ChannelInitializer<Channel>() {
                                    @Override
                                    protected void initChannel(Channel c) {
                                        c.pipeline().addLast(frameCodec(), multiplex());
                                    }
                                }));
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + ((InetSocketAddress) channel.localAddress()).getPort() + path);
    }

    static byte[] expectedBytes(int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i % 251);
        }
        return bytes;
    }

    private static Http2FrameCodec frameCodec() {
        return Http2FrameCodecBuilder.forServer().build();
    }

    private Http2MultiplexHandler multiplex() {
        return new Http2MultiplexHandler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel stream) {
                stream.pipeline().addLast(new StreamHandler());
            }
        });
    }

    /** One HTTP/2 stream. Its event loop only. */
    private final class StreamHandler extends ChannelInboundHandlerAdapter {
        private boolean ended;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof Http2HeadersFrame headers) || !headers.isEndStream()) {
                io.netty.util.ReferenceCountUtil.release(msg);
                return;
            }
            http2Streams.incrementAndGet();
            String[] parts = headers.headers().path().toString().split("/");
            int length = Integer.parseInt(parts[2]);
            boolean stall = parts[1].equals("stall");
            Http2Headers response = new DefaultHttp2Headers().status("200")
                    .setInt("content-length", length);
            ctx.write(new DefaultHttp2HeadersFrame(response));
            byte[] body = expectedBytes(length);
            int sent = 0;
            while (sent < length) {
                int n = Math.min(FRAME_BYTES, length - sent);
                boolean last = sent + n == length;
                ctx.write(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(body, sent, n), last && !stall));
                sent += n;
                if (stall) {
                    break;
                }
            }
            ended = !stall;
            ctx.flush();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!ended) {
                streamsClosedEarly.incrementAndGet();
            }
        }
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
