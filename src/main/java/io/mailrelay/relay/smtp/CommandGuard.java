package io.mailrelay.relay.smtp;

import org.apache.james.protocols.api.ProtocolSession;
import org.apache.james.protocols.api.Response;
import org.apache.james.protocols.api.handler.CommandDispatcher;
import org.apache.james.protocols.api.handler.LineHandler;
import org.apache.james.protocols.smtp.SMTPSession;

/**
 * First line handler for commands, in front of James' dispatcher: strict CRLF, the RFC 5321 command
 * line limit (512 octets with CRLF), AUTH refused before STARTTLS and during a lockout (before any
 * credentials are sent), and a per-session error budget after which the session ends with 421
 * (Postfix smtpd_hard_error_limit). A DATA that would pass the global cap of messages in flight is answered
 * {@code 421 4.3.2} instead of {@code 354} ({@link MessagesInFlight}).
 */
final class CommandGuard implements LineHandler<SMTPSession> {
    private static final ProtocolSession.AttachmentKey<Integer> ERRORS =
            ProtocolSession.AttachmentKey.of("mailrelay.errors", Integer.class);

    private final CommandDispatcher<SMTPSession> dispatcher;
    private final boolean authConfigured;
    private final boolean authWithoutTls;
    private final AuthFailures authFailures;
    private final int maxErrors;
    private final MessagesInFlight messages;

    CommandGuard(CommandDispatcher<SMTPSession> dispatcher, boolean authConfigured, boolean authWithoutTls,
            AuthFailures authFailures, int maxErrors, MessagesInFlight messages) {
        this.messages = messages;
        this.dispatcher = dispatcher;
        this.authConfigured = authConfigured;
        this.authWithoutTls = authWithoutTls;
        this.authFailures = authFailures;
        this.maxErrors = maxErrors;
    }

    @Override
    public Response onLine(SMTPSession session, byte[] line) {
        if (!Lines.strictlyTerminated(line)) {
            Response bare = SmtpReply.BARE_LF_IN_COMMAND.closing();
            RejectionLog.command(session, line, bare);
            return bare;
        }
        Response response = counted(session, checkOrDispatch(session, line));
        if (response != null && "354".equals(response.getRetCode())) {
            if (messages.admit(session)) {
                SessionGate.of(session).expectData();
            } else {
                session.popLineHandler(); // James' data handler, pushed with its 354: no line of the message is read
                response = SmtpReply.TOO_MANY_MESSAGES_IN_PROGRESS.closing();
            }
        }
        RejectionLog.command(session, line, response);
        return response;
    }

    private Response counted(SMTPSession session, Response response) {
        if (response != null && Replies.isError(response) && !response.isEndSession()) {
            int errors = session.getAttachment(ERRORS, ProtocolSession.State.Connection).orElse(0) + 1;
            session.setAttachment(ERRORS, errors, ProtocolSession.State.Connection);
            if (errors > maxErrors) {
                return SmtpReply.TOO_MANY_ERRORS.closing();
            }
        }
        return response;
    }

    private Response checkOrDispatch(SMTPSession session, byte[] line) {
        if (line.length > Lines.MAX_COMMAND_LINE) {
            return SmtpReply.COMMAND_LINE_TOO_LONG.response();
        }
        if (authConfigured && "AUTH".equals(Lines.verb(line))) {
            if (!session.isTLSStarted() && !authWithoutTls) {
                return SmtpReply.ENCRYPTION_REQUIRED.response();
            }
            if (authFailures.isLockedOut(SessionFacts.clientIp(session))) {
                return SmtpReply.AUTH_LOCKED_OUT.closing();
            }
        }
        return dispatcher.onLine(session, line);
    }
}
