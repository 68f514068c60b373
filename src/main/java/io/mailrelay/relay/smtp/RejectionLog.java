package io.mailrelay.relay.smtp;

import java.nio.charset.StandardCharsets;

import org.apache.james.protocols.api.ProtocolSession;
import org.apache.james.protocols.api.Response;
import org.apache.james.protocols.smtp.SMTPSession;
import org.jboss.logging.Logger;

/**
 * One log line per refused recipient, command or message, on the category {@code io.mailrelay.relay.rejected}:
 * who (client, HELO), what, why (reason) and the reply sent; never a stack trace, since a client's error is
 * not the relay's. James' own SMTP handlers log client errors with stack traces, so their category is
 * silenced ({@link #silenceJames}) and every refusal is logged here instead.
 */
final class RejectionLog {
    private static final Logger LOG = Logger.getLogger("io.mailrelay.relay.rejected");
    /** Set while a command's refusal is already logged (by the RCPT hook), so that it is not logged twice. */
    private static final ProtocolSession.AttachmentKey<Boolean> LOGGED =
            ProtocolSession.AttachmentKey.of("mailrelay.refusalLogged", Boolean.class);
    private static final int MAX_ARGUMENT = 200;
    /** Held: a JUL logger's level lives only as long as the logger. */
    private static final java.util.logging.Logger JAMES_SMTP = java.util.logging.Logger.getLogger("org.apache.james.protocols.smtp");

    private RejectionLog() {
    }

    /**
     * James' SMTP command handlers log every malformed address with its parser's full stack trace at INFO,
     * and other client errors at ERROR; every reply they give passes through {@link #command} instead.
     */
    static void silenceJames() {
        JAMES_SMTP.setLevel(java.util.logging.Level.OFF);
    }

    static void recipient(SMTPSession session, String sender, String recipient, String reason, String code,
            String text) {
        session.setAttachment(LOGGED, true, ProtocolSession.State.Connection);
        LOG.infof("recipient rejected: client=%s helo=%s from=<%s> to=<%s> reason=%s reply=\"%s %s\"",
                SessionFacts.clientIp(session), SessionFacts.helo(session), sender, recipient, reason, code, text);
    }

    static void sender(SMTPSession session, String sender, String user, String reason, SmtpReply reply) {
        session.setAttachment(LOGGED, true, ProtocolSession.State.Connection);
        LOG.infof("sender rejected: client=%s helo=%s from=<%s> user=%s reason=%s reply=\"%s\"",
                SessionFacts.clientIp(session), SessionFacts.helo(session), printable(sender), printable(user), reason,
                reply.line());
    }

    /** What the local domain's server said to the callout behind a refused recipient (logged just before it). */
    static void callout(SMTPSession session, String recipient, String serverReply) {
        LOG.infof("recipient check: client=%s to=<%s> server said \"%s\"", SessionFacts.clientIp(session), recipient,
                printable(serverReply));
    }

    /** Logs the refusal of a command unless it was logged already; a reply that is no error is not logged. */
    static void command(SMTPSession session, byte[] line, Response response) {
        boolean logged = session.removeAttachment(LOGGED, ProtocolSession.State.Connection).isPresent();
        if (logged || response == null || !Replies.isError(response)) {
            return;
        }
        LOG.infof("command rejected: client=%s helo=%s command=\"%s\" reason=%s reply=\"%s\"",
                SessionFacts.clientIp(session), SessionFacts.helo(session), printable(line), reason(response),
                printable(Replies.text(response)));
    }

    /** A refusal outside a command's reply: a message at the end of DATA, a line the framer refused. */
    static void refused(ProtocolSession session, String what, String reason, String reply) {
        String client = session == null ? "unknown" : session.getRemoteAddress().getAddress().getHostAddress();
        String helo = session instanceof SMTPSession smtp ? SessionFacts.helo(smtp) : "";
        LOG.infof("%s rejected: client=%s helo=%s reason=%s reply=\"%s\"", what, client, helo, reason, reply);
    }

    /**
     * The verb and its argument, without credentials (AUTH keeps only its mechanism), control characters
     * or unescaped quotes, so that a client cannot forge a log line.
     */
    private static String printable(byte[] line) {
        String text = new String(line, StandardCharsets.ISO_8859_1).strip();
        if ("AUTH".equals(Lines.verb(line))) {
            String[] words = text.split(" ", 3);
            text = words.length > 1 ? words[0] + " " + words[1] : words[0];
        }
        return printable(text);
    }

    private static String printable(String text) {
        StringBuilder out = new StringBuilder(Math.min(text.length(), MAX_ARGUMENT));
        for (int i = 0; i < text.length() && i < MAX_ARGUMENT; i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\');
            }
            out.append(c < 0x20 || c > 0x7e ? '?' : c);
        }
        return text.length() > MAX_ARGUMENT ? out + "..." : out.toString();
    }

    private static String reason(Response response) {
        return switch (response.getRetCode()) {
            case "500" -> "unknown_command";
            case "501" -> "syntax_error";
            case "502", "504" -> "not_implemented";
            case "503" -> "bad_sequence";
            case "553" -> "bad_address";
            case "552" -> "too_big";
            case "450" -> "rate_limited";
            case "421" -> "session_closed";
            case "538" -> "tls_required";
            default -> "refused";
        };
    }
}
