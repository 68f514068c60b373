package io.mailrelay.relay.delivery;

import java.io.OutputStream;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.URLName;
import org.eclipse.angus.mail.smtp.SMTPTransport;

/** Angus Mail's SMTP client that tells the session's {@link StageWatchdog} which stage each command starts. */
final class StagedSmtpTransport extends SMTPTransport {

    private final StageWatchdog watchdog;

    StagedSmtpTransport(Session session, StageWatchdog watchdog) {
        super(session, new URLName("smtp", null, -1, null, null, null));
        this.watchdog = watchdog;
    }

    @Override
    protected void sendCommand(String command) throws MessagingException {
        watchdog.enter(SmtpStage.of(command));
        super.sendCommand(command);
    }

    @Override
    protected OutputStream data() throws MessagingException {
        OutputStream content = super.data();
        watchdog.enter(SmtpStage.DATA_XFER);
        return content;
    }
}
