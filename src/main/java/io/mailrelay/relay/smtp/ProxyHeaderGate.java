package io.mailrelay.relay.smtp;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import com.google.common.net.InetAddresses;

import io.mailrelay.config.Cidr;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProtocolException;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.ReferenceCountUtil;

/**
 * Behind Netty's {@code HAProxyMessageDecoder}: the SMTP session (and with it the banner) starts only
 * once a valid PROXY v1/v2 header naming a TCP4/TCP6 client arrived from a trusted proxy. A header is
 * only as true as its sender: a connection whose socket peer is not in {@code server.trustedProxies} is
 * closed without a word before anything it sends is read, whatever header it would send. James would
 * send the banner on connect and accept a missing header; here a connection without a usable header
 * within {@code proxyHeaderTimeout} is closed without a word too (the decoder itself closes on a
 * malformed one, per the PROXY protocol spec), so no client can talk SMTP with the load balancer's
 * address as its own. The header's source is then held to the per-client connection limit.
 */
final class ProxyHeaderGate extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = Logger.getLogger(ProxyHeaderGate.class);

    private final ConnectionAdmission admission;
    private final List<Cidr> trustedProxies;
    private final Duration headerTimeout;
    private ScheduledFuture<?> headerDeadline;
    private boolean started;
    private boolean dropped;

    ProxyHeaderGate(ConnectionAdmission admission, List<Cidr> trustedProxies, Duration headerTimeout) {
        this.admission = admission;
        this.trustedProxies = trustedProxies;
        this.headerTimeout = headerTimeout;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        // the banner is withheld until the header is read: James' handler sends it on channelActive
        if (!Cidr.anyContains(trustedProxies, ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress())) {
            drop(ctx, "not a trusted proxy (server.trustedProxies)");
            return;
        }
        headerDeadline = ctx.executor().schedule(() -> {
            if (!started) {
                drop(ctx, "no PROXY header within " + headerTimeout.toSeconds() + "s");
            }
        }, headerTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (started) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (dropped) { // the rest of a read that came with a refused header
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!(msg instanceof HAProxyMessage header) || !usable(header)) {
            String why = "no usable PROXY header (" + describe(msg) + ")";
            ReferenceCountUtil.release(msg);
            drop(ctx, why);
            return;
        }
        if (!admission.admitClient(ctx, InetAddresses.forString(header.sourceAddress()))) { // it answered 421 and closes
            dropped = true;
            header.release();
            return;
        }
        started = true;
        headerDeadline.cancel(false);
        ctx.fireChannelActive();
        // James' handler records the header's source as the session's remote address
        ctx.fireChannelRead(header);
    }

    /** PROXY (not LOCAL) for a TCP client: the only kind whose source address the policy can use. */
    private static boolean usable(HAProxyMessage header) {
        return header.command() == HAProxyCommand.PROXY && (header.proxiedProtocol() == HAProxyProxiedProtocol.TCP4
                || header.proxiedProtocol() == HAProxyProxiedProtocol.TCP6);
    }

    private static String describe(Object msg) {
        return msg instanceof HAProxyMessage header ? header.command() + " " + header.proxiedProtocol()
                : "data before any header";
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (headerDeadline != null) {
            headerDeadline.cancel(false);
        }
        if (started) {
            ctx.fireChannelInactive();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!started && cause instanceof HAProxyProtocolException) {
            drop(ctx, "invalid PROXY header: " + cause.getMessage());
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    /** Closes once; whatever the decoder still passes on from the same read is ignored. */
    private void drop(ChannelHandlerContext ctx, String why) {
        if (!dropped) {
            dropped = true;
            LOG.infof("connection from %s dropped: %s", ctx.channel().remoteAddress(), why);
        }
        ctx.close();
    }
}
