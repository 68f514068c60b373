package io.mailrelay.relay.smtp;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Supplier;

import org.apache.james.protocols.api.ProtocolSession;
import org.apache.james.protocols.api.ProtocolSessionImpl;
import org.apache.james.protocols.api.Response;
import org.apache.james.protocols.netty.BasicChannelInboundHandler;
import org.apache.james.protocols.smtp.SMTPSession;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;

/**
 * Sits between the framer and James' core handler, one per connection:
 * <ul>
 * <li>holds the client's lines while a message is being committed to the spool or a password is being
 * checked (those replies are asynchronous), then replays them in order once the reply is written;</li>
 * <li>discards everything pipelined behind STARTTLS (STARTTLS command injection);</li>
 * <li>tells the framer whether commands or message data are coming, each with its own line limit;</li>
 * <li>answers over-long lines and closes, instead of James' silent truncation.</li>
 * </ul>
 */
final class SessionGate extends ChannelInboundHandlerAdapter {
    private static final ProtocolSession.AttachmentKey<SessionGate> KEY =
            ProtocolSession.AttachmentKey.of("mailrelay.gate", SessionGate.class);

    private final StrictLineFramer framer;
    private final Deque<Object> held = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private ProtocolSession session;
    private boolean holding;
    private boolean closing;

    SessionGate(StrictLineFramer framer) {
        this.framer = framer;
    }

    static SessionGate of(ProtocolSession session) {
        return session.getAttachment(KEY, ProtocolSession.State.Connection)
                .orElseThrow(() -> new IllegalStateException("session without gate"));
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        this.ctx = ctx;
        ctx.fireChannelActive();
        session = (ProtocolSession) ctx.channel().attr(BasicChannelInboundHandler.SESSION_ATTRIBUTE_KEY).get();
        if (session != null) {
            session.setAttachment(KEY, this, ProtocolSession.State.Connection);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (holding) {
            held.addLast(msg);
            return;
        }
        deliver(msg);
    }

    private void deliver(Object msg) {
        boolean tlsBefore = ctx.pipeline().get(SslHandler.class) != null;
        ctx.fireChannelRead(msg);
        if (!tlsBefore && ctx.pipeline().get(SslHandler.class) != null) {
            framer.discardBuffered();
            held.forEach(ReferenceCountUtil::release);
            held.clear();
        }
    }

    /** Stops passing lines on until {@link #release}; called on the event loop. */
    void hold() {
        holding = true;
        ctx.channel().config().setAutoRead(false);
    }

    /**
     * Computes the deferred reply on the event loop (it may update the session), writes it, then replays
     * the held lines; callable from any thread.
     */
    void release(Supplier<Response> reply) {
        ctx.executor().execute(() -> {
            if (!ctx.channel().isActive()) {
                return;
            }
            ((ProtocolSessionImpl) session).getProtocolTransport().writeResponse(reply.get(), session);
            holding = false;
            ctx.channel().config().setAutoRead(true);
            while (!holding && !held.isEmpty() && ctx.channel().isActive()) {
                deliver(held.pollFirst());
            }
        });
    }

    /**
     * While the server stops: a session outside a mail transaction (no MAIL accepted, no commit or password
     * check pending) gets {@code reply} and is closed; one inside a transaction is left to finish it. Called on
     * the event loop, so it never cuts a command in half.
     */
    void closeIfIdle(String reply) {
        if (closing || holding || !ctx.channel().isActive()) {
            return;
        }
        if (session != null && session.getAttachment(SMTPSession.SENDER, ProtocolSession.State.Transaction).isPresent()) {
            return;
        }
        closing = true;
        ctx.writeAndFlush(Unpooled.copiedBuffer(reply + "\r\n", StandardCharsets.US_ASCII))
                .addListener(ChannelFutureListener.CLOSE);
    }

    /** The client was told to send the message (354): its lines are data now. */
    void expectData() {
        framer.expectData();
    }

    /** The message ended (or was refused): its lines are commands again. */
    void expectCommands() {
        framer.expectCommands();
    }

    /** Stops reading from the socket while the spool lags behind the client. */
    void throttle(boolean stop) {
        ctx.channel().config().setAutoRead(!stop);
    }

    /** A spool write finished: read again unless a commit is pending; callable from any thread. */
    void drained() {
        ctx.executor().execute(() -> {
            if (!holding) {
                ctx.channel().config().setAutoRead(true);
            }
        });
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        held.forEach(ReferenceCountUtil::release);
        held.clear();
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
        if (cause instanceof TooLongFrameException) {
            String reply = (framer.inData() ? SmtpReply.DATA_LINE_TOO_LONG : SmtpReply.LINE_TOO_LONG)
                    .line(framer.limit());
            RejectionLog.refused(session, framer.inData() ? "data line" : "command line", "line_too_long", reply);
            ctx.writeAndFlush(Unpooled.copiedBuffer(reply + "\r\n", StandardCharsets.US_ASCII))
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        super.exceptionCaught(ctx, cause);
    }
}
