package io.mailrelay.relay.delivery;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;

import io.mailrelay.relay.spool.SpooledMessage;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import org.eclipse.angus.mail.smtp.SMTPMessage;

/**
 * Hands the spooled bytes to Angus' SMTPTransport untouched: Angus would otherwise re-write the header section
 * (dropping Bcc and Content-Length); it still dot-stuffs on the wire, which the receiver undoes.
 */
final class SpooledMimeMessage extends SMTPMessage {

    private final SpooledMessage spooled;

    SpooledMimeMessage(Session session, SpooledMessage spooled) {
        super(session);
        this.spooled = spooled;
    }

    @Override
    public void writeTo(OutputStream out, String[] ignoreList) throws IOException, MessagingException {
        try (InputStream body = spooled.openBody()) {
            body.transferTo(out);
        }
    }

    @Override
    public int getSize() {
        try {
            return (int) Math.min(Integer.MAX_VALUE, spooled.bodySize());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
