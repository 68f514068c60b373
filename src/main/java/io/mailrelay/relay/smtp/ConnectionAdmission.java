package io.mailrelay.relay.smtp;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
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
 * Behind a PROXY-protocol load balancer the socket's peer is the balancer: the per-client limit is then
 * applied by {@link ProxyHeaderGate} to the header's source, through {@link #admitClient}. Clients the
 * {@code exempt} predicate names (allowedNetworks, by default) are not held to the per-client limit; the
 * global limit holds for everyone.
 */
@ChannelHandler.Sharable
final class ConnectionAdmission extends ChannelInboundHandlerAdapter {
    private static final AttributeKey<Boolean> ADMITTED = AttributeKey.valueOf("mailrelay.admitted");
    private static final AttributeKey<String> COUNTED_CLIENT = AttributeKey.valueOf("mailrelay.countedClient");

    private final int maxConnections;
    private final int maxPerClient;
    private final boolean clientIsSocketPeer;
    private final Predicate<InetAddress> exempt;
    private final ChannelGroup sessions;
    private final RelayMetrics metrics;
    private final AtomicInteger total = new AtomicInteger();
    private final Map<String, AtomicInteger> perClient = new ConcurrentHashMap<>();
    private volatile boolean stopping;

    /** @param clientIsSocketPeer false behind PROXY protocol, where the client is known only from the header */
    ConnectionAdmission(int maxConnections, int maxPerClient, boolean clientIsSocketPeer,
            Predicate<InetAddress> exempt, ChannelGroup sessions, RelayMetrics metrics) {
        this.maxConnections = maxConnections;
        this.maxPerClient = maxPerClient;
        this.clientIsSocketPeer = clientIsSocketPeer;
        this.exempt = exempt;
        this.sessions = sessions;
        this.metrics = metrics;
    }

    void stopAccepting() {
        stopping = true;
    }

    /** A cancelled hand-off: new connections and MAIL are admitted again. */
    void resumeAccepting() {
        stopping = false;
    }

    boolean stopping() {
        return stopping;
    }

    /** Each admitted session outside a mail transaction gets 421 and is closed, on its own event loop. */
    void closeIdleSessions() {
        for (Channel channel : sessions) {
            channel.eventLoop().execute(() -> {
                SessionGate gate = channel.pipeline().get(SessionGate.class);
                if (gate != null) {
                    gate.closeIfIdle(SmtpReply.SHUTTING_DOWN.line());
                }
            });
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        metrics.connectionOpened();
        if (stopping) {
            refuse(ctx, SmtpReply.SHUTTING_DOWN.line());
            return;
        }
        if (total.incrementAndGet() > maxConnections) {
            total.decrementAndGet();
            refuse(ctx, SmtpReply.TOO_MANY_CONNECTIONS.line());
            return;
        }
        if (clientIsSocketPeer && !admitClient(ctx, ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress())) {
            total.decrementAndGet();
            return;
        }
        ctx.channel().attr(ADMITTED).set(true);
        sessions.add(ctx.channel());
        metrics.sessionStarted();
        ctx.fireChannelActive();
    }

    /**
     * Counts the connection against its client's limit; when over it, answers 421, closes and returns false.
     * Called on the connection's event loop, once.
     */
    boolean admitClient(ChannelHandlerContext ctx, InetAddress client) {
        if (exempt.test(client)) {
            return true;
        }
        String ip = client.getHostAddress();
        AtomicInteger count = perClient.computeIfAbsent(ip, key -> new AtomicInteger());
        if (count.incrementAndGet() > maxPerClient) {
            release(ip);
            refuse(ctx, SmtpReply.TOO_MANY_CONNECTIONS_FROM.line(ip));
            return false;
        }
        ctx.channel().attr(COUNTED_CLIENT).set(ip);
        return true;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (ctx.channel().attr(ADMITTED).get() == null) {
            io.netty.util.ReferenceCountUtil.release(msg);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (ctx.channel().attr(ADMITTED).getAndSet(null) == null) {
            return;
        }
        total.decrementAndGet();
        String client = ctx.channel().attr(COUNTED_CLIENT).getAndSet(null);
        if (client != null) {
            release(client);
        }
        metrics.sessionEnded();
        ctx.fireChannelInactive();
    }

    private void release(String ip) {
        perClient.computeIfPresent(ip, (key, count) -> count.decrementAndGet() <= 0 ? null : count);
    }

    private void refuse(ChannelHandlerContext ctx, String reply) {
        metrics.connectionRefused();
        ctx.writeAndFlush(Unpooled.copiedBuffer(reply + "\r\n", StandardCharsets.US_ASCII))
                .addListener(ChannelFutureListener.CLOSE);
    }
}
