package io.mailrelay.relay.delivery;

import java.io.OutputStream;
import java.util.Locale;
import java.util.Set;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.URLName;
import org.eclipse.angus.mail.smtp.SMTPTransport;

/**
 * Angus Mail's SMTP client that tells the session's {@link StageWatchdog} which stage each command starts, and
 * remembers the last command verb (the upstream check names the stage a session failed in).
 */
final class StagedSmtpTransport extends SMTPTransport {

    private static final Set<String> VERBS = Set.of("EHLO", "HELO", "STARTTLS", "AUTH", "MAIL", "RCPT", "DATA", "BDAT",
            "RSET", "NOOP", "QUIT");

    private final StageWatchdog watchdog;
    private volatile String lastVerb;
    private volatile boolean tls;

    private final boolean implicitTls;

    /** @param implicitTls the sockets are TLS from the first byte ({@link WatchedSocketFactory#implicitTls}) */
    StagedSmtpTransport(Session session, StageWatchdog watchdog, boolean implicitTls) {
        super(session, new URLName("smtp", null, -1, null, null, null));
        this.watchdog = watchdog;
        this.implicitTls = implicitTls;
    }

    @Override
    protected void sendCommand(String command) throws MessagingException {
        watchdog.enter(SmtpStage.of(command));
        String verb = command.split(" ", 2)[0].toUpperCase(Locale.ROOT);
        if (VERBS.contains(verb) || !"AUTH".equals(lastVerb)) { // the lines of an AUTH exchange belong to it
            lastVerb = verb;
        }
        super.sendCommand(command);
    }

    @Override
    protected void startTLS() throws MessagingException {
        super.startTLS();
        tls = true;
    }

    /** The session runs TLS: STARTTLS succeeded, or implicit TLS was set up (still true once it is closed). */
    boolean ranStartTls() {
        return tls;
    }

    @Override
    protected int readServerResponse() throws MessagingException {
        if (implicitTls) {
            tls = true; // the connection, and so the handshake, succeeded before anything is read
        }
        return super.readServerResponse();
    }

    /** The verb of the last command sent (EHLO, STARTTLS, AUTH, ...), null before the first. */
    String lastVerb() {
        return lastVerb;
    }

    @Override
    protected OutputStream data() throws MessagingException {
        OutputStream content = super.data();
        watchdog.enter(SmtpStage.DATA_XFER);
        return content;
    }
}
