package io.mailrelay.relay.smtp;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.group.ChannelGroup;
import io.netty.util.AttributeKey;

/**
 * First handler of every connection: answers {@code 421 4.3.2} and closes when the server is stopping,
 * over its connection limit, or over the per-client limit. (James' own limit handlers close without a
 * word, which clients take for a network error.) Refused connections never reach the SMTP handlers.
 * Behind a PROXY-protocol load balancer the socket's peer is the balancer, so the per-client limit is
 * not applied there.
 */
@ChannelHandler.Sharable
final class ConnectionAdmission extends ChannelInboundHandlerAdapter {
    private static final AttributeKey<String> ADMITTED_IP = AttributeKey.valueOf("mailrelay.admittedIp");

    private final int maxConnections;
    private final int maxPerClient;
    private final boolean perClientLimit;
    private final ChannelGroup sessions;
    private final RelayMetrics metrics;
    private final AtomicInteger total = new AtomicInteger();
    private final Map<String, AtomicInteger> perClient = new ConcurrentHashMap<>();
    private volatile boolean stopping;

    ConnectionAdmission(int maxConnections, int maxPerClient, boolean perClientLimit, ChannelGroup sessions,
            RelayMetrics metrics) {
        this.maxConnections = maxConnections;
        this.maxPerClient = maxPerClient;
        this.perClientLimit = perClientLimit;
        this.sessions = sessions;
        this.metrics = metrics;
    }

    void stopAccepting() {
        stopping = true;
    }

    boolean stopping() {
        return stopping;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        metrics.connectionOpened();
        if (stopping) {
            refuse(ctx, "421 4.3.2 Service shutting down, try again later");
            return;
        }
        if (total.incrementAndGet() > maxConnections) {
            total.decrementAndGet();
            refuse(ctx, "421 4.3.2 Too many connections, try again later");
            return;
        }
        String ip = ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress().getHostAddress();
        if (perClientLimit) {
            AtomicInteger count = perClient.computeIfAbsent(ip, key -> new AtomicInteger());
            if (count.incrementAndGet() > maxPerClient) {
                count.decrementAndGet();
                total.decrementAndGet();
                refuse(ctx, "421 4.3.2 Too many connections from " + ip + ", try again later");
                return;
            }
        }
        ctx.channel().attr(ADMITTED_IP).set(ip);
        sessions.add(ctx.channel());
        metrics.sessionStarted();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (ctx.channel().attr(ADMITTED_IP).get() == null) {
            io.netty.util.ReferenceCountUtil.release(msg);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        String ip = ctx.channel().attr(ADMITTED_IP).getAndSet(null);
        if (ip == null) {
            return;
        }
        total.decrementAndGet();
        if (perClientLimit) {
            perClient.computeIfPresent(ip, (key, count) -> count.decrementAndGet() <= 0 ? null : count);
        }
        metrics.sessionEnded();
        ctx.fireChannelInactive();
    }

    private void refuse(ChannelHandlerContext ctx, String reply) {
        metrics.connectionRefused();
        ctx.writeAndFlush(Unpooled.copiedBuffer(reply + "\r\n", StandardCharsets.US_ASCII))
                .addListener(ChannelFutureListener.CLOSE);
    }
}
