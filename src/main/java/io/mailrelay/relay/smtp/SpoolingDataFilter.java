package io.mailrelay.relay.smtp;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executor;

import org.apache.james.core.MailAddress;
import org.apache.james.protocols.api.ProtocolSession;
import org.apache.james.protocols.api.Response;
import org.apache.james.protocols.api.handler.DisconnectHandler;
import org.apache.james.protocols.api.handler.LineHandler;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.core.DataLineFilter;
import org.jboss.logging.Logger;

import io.mailrelay.relay.spool.Envelope;
import io.mailrelay.relay.spool.MessageSpool;
import io.mailrelay.relay.spool.MessageStamp;

/**
 * Owns the DATA phase (the only data line filter, so James' in-memory envelope never receives a byte):
 * refuses bare LF/CR, ends the message only on CRLF.CRLF, unstuffs dots, enforces the size and hop
 * limits while streaming, and streams into the spool off the event loop. 250 is sent only after the spool's
 * commit completed; meanwhile the session's input is held by {@link SessionGate}. A message whose connection
 * ends before its final dot (client gone, timeout, line too long, shutdown) is aborted at once, so its
 * {@code tmp/} file does not wait for the next start to be removed.
 */
final class SpoolingDataFilter implements DataLineFilter, DisconnectHandler<SMTPSession> {
    private static final Logger LOG = Logger.getLogger(SpoolingDataFilter.class);
    private static final ProtocolSession.AttachmentKey<InFlight> MESSAGE =
            ProtocolSession.AttachmentKey.of("mailrelay.message", InFlight.class);
    private static final long PAUSE_READING_ABOVE = 4L * 1024 * 1024;

    private final MessageSpool spool;
    private final Executor workers;
    private final String hostname;
    private final long maxMessageSize;
    private final int maxHops;
    private final RelayMetrics metrics;
    private final MessagesInFlight messages;
    private final MessageStamp stamp;

    /** @param stamp the DKIM signer (or none), run once per message when it is committed */
    SpoolingDataFilter(MessageSpool spool, Executor workers, String hostname, long maxMessageSize, int maxHops,
            RelayMetrics metrics, MessagesInFlight messages, MessageStamp stamp) {
        this.messages = messages;
        this.stamp = stamp;
        this.spool = spool;
        this.workers = workers;
        this.hostname = hostname;
        this.maxMessageSize = maxMessageSize;
        this.maxHops = maxHops;
        this.metrics = metrics;
    }

    /** Per-message state, kept in the session's transaction state. */
    static final class InFlight {
        final SpoolTransfer transfer;
        final HopCounter hops = new HopCounter();
        long size;
        /** Set once the message is refused: the rest is read and discarded, this is the reply to its end. */
        Response refusal;
        String refusalReason;

        InFlight(SpoolTransfer transfer) {
            this.transfer = transfer;
        }
    }

    @Override
    public Response onLine(SMTPSession session, byte[] line, LineHandler<SMTPSession> next) {
        SessionGate gate = SessionGate.of(session);
        InFlight message = session.getAttachment(MESSAGE, ProtocolSession.State.Transaction)
                .orElseGet(() -> start(session, gate));
        if (!Lines.strictlyTerminated(line)) {
            message.transfer.abort();
            endData(session);
            messages.take(session).release();
            return SmtpReply.BARE_LF_IN_DATA.closing();
        }
        if (Lines.isEndOfData(line)) {
            return finish(session, gate, message);
        }
        int offset = line[0] == '.' ? 1 : 0;
        message.size += line.length - offset;
        message.hops.line(line, offset);
        if (message.refusal == null && message.size > maxMessageSize) {
            refuse(message, "message_too_big",
                    SmtpReply.MESSAGE_TOO_BIG.response(maxMessageSize));
        }
        if (message.refusal == null && message.hops.hops() > maxHops) {
            refuse(message, "too_many_hops", SmtpReply.TOO_MANY_HOPS.response());
        }
        if (message.refusal != null) {
            return null;
        }
        message.transfer.write(line, offset, line.length - offset);
        if (message.transfer.pendingBytes() > PAUSE_READING_ABOVE) {
            gate.throttle(true);
        }
        return null;
    }

    @Override
    public void onDisconnect(SMTPSession session) {
        if (session != null) {
            session.getAttachment(MESSAGE, ProtocolSession.State.Transaction).ifPresent(message -> message.transfer.abort());
            messages.take(session).release();
        }
    }

    /** Nothing of the message is kept; its end is answered with {@code reply} (Postfix too reads to the end). */
    private static void refuse(InFlight message, String reason, Response reply) {
        message.refusal = reply;
        message.refusalReason = reason;
        message.transfer.abort();
    }

    private InFlight start(SMTPSession session, SessionGate gate) {
        List<String> recipients = session.getAttachment(SMTPSession.RCPT_LIST, ProtocolSession.State.Transaction)
                .orElse(List.of()).stream().map(MailAddress::asString).toList();
        Envelope envelope = new Envelope(SessionFacts.sender(session), recipients, SessionFacts.clientIp(session),
                SessionFacts.helo(session), SessionFacts.authenticatedUser(session),
                Instant.now(), SessionFacts.fromOutsider(session));
        String protocol = "ESMTP" + (session.isTLSStarted() ? "S" : "") + (session.getUsername() != null ? "A" : "");
        String traceId = UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        byte[] received = ReceivedHeader.render(envelope, hostname, protocol, traceId);
        InFlight message = new InFlight(new SpoolTransfer(spool, envelope, received, workers, () -> gate.drained()));
        session.setAttachment(MESSAGE, message, ProtocolSession.State.Transaction);
        return message;
    }

    private Response finish(SMTPSession session, SessionGate gate, InFlight message) {
        endData(session);
        MessagesInFlight.Slot slot = messages.take(session);
        if (message.refusal != null) {
            slot.release();
            metrics.recipientRejected(message.refusalReason);
            RejectionLog.refused(session, "message", message.refusalReason, Replies.text(message.refusal));
            return message.refusal;
        }
        gate.hold();
        message.transfer.commit(stamp).whenComplete((id, error) -> {
            slot.release();
            if (error == null) {
                metrics.messageAccepted();
                gate.release(() -> SmtpReply.QUEUED.response(id));
            } else {
                LOG.errorf(error, "message from %s could not be spooled", SessionFacts.clientIp(session));
                gate.release(() -> SmtpReply.QUEUE_WRITE_ERROR.response());
            }
        });
        return null;
    }

    private static void endData(SMTPSession session) {
        SessionGate.of(session).expectCommands();
        session.popLineHandler();
        session.resetState();
    }
}
