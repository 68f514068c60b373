package io.mailrelay.relay.delivery;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.Properties;

import io.mailrelay.relay.spool.RecipientState;
import io.mailrelay.relay.spool.SpooledMessage;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.InternetHeaders;
import jakarta.mail.internet.MailDateFormat;
import jakarta.mail.internet.MimeMessage;
import org.eclipse.angus.mail.dsn.DeliveryStatus;
import org.eclipse.angus.mail.dsn.MultipartReport;

/**
 * The RFC 3464 delivery status notification for recipients that failed for good: a multipart/report with a
 * human-readable part, the message/delivery-status part and the original message's headers (not its body, which
 * may be large). The headers are read up to {@link #MAX_HEADER_BYTES} and no further, cut at the last whole line
 * before it: a message with megabytes of headers gives a bounce of a bounded size.
 */
final class BounceComposer {

    static final int MAX_HEADER_BYTES = 64 * 1024;

    private final String hostname;
    private final Session session;

    BounceComposer(String hostname) {
        this.hostname = hostname;
        Properties props = new Properties();
        props.put("mail.from", "MAILER-DAEMON@" + hostname); // Message-ID domain without a local host lookup
        this.session = Session.getInstance(props);
    }

    /** Writes the DSN for {@code failed} (recipient → its final state) about {@code message} to {@code out}. */
    void write(SpooledMessage message, Map<String, RecipientState> failed, Instant now, OutputStream out)
            throws IOException, MessagingException {
        DeliveryStatus status = new DeliveryStatus();
        InternetHeaders perMessage = status.getMessageDSN();
        perMessage.setHeader("Reporting-MTA", "dns; " + hostname);
        perMessage.setHeader("X-Mailrelay-Queue-ID", message.id());
        perMessage.setHeader("Arrival-Date", new MailDateFormat().format(Date.from(message.envelope().receivedAt())));
        StringBuilder text = new StringBuilder("This is the mail relay at ").append(hostname).append(".\r\n\r\n")
                .append("Your message could not be delivered to one or more recipients; it has been given up.\r\n\r\n");
        failed.forEach((recipient, state) -> {
            Outcome outcome = Outcome.permanent(state.reply());
            InternetHeaders perRecipient = new InternetHeaders();
            perRecipient.setHeader("Final-Recipient", "rfc822; " + recipient);
            perRecipient.setHeader("Action", "failed");
            perRecipient.setHeader("Status", outcome.enhancedStatus().replaceFirst("^2", "5"));
            if (state.nextHop() != null) {
                perRecipient.setHeader("X-Mailrelay-Next-Hop", state.nextHop());
            }
            perRecipient.setHeader("Diagnostic-Code", "smtp; " + state.reply());
            status.addRecipientDSN(perRecipient);
            text.append("<").append(recipient).append(">: ").append(state.reply()).append("\r\n");
        });
        HeaderBytes headers;
        try (InputStream body = message.openBody()) {
            headers = HeaderBytes.read(body, MAX_HEADER_BYTES);
        }
        if (headers.truncated()) {
            text.append("\r\nThe original headers below are cut short at ").append(MAX_HEADER_BYTES / 1024)
                    .append(" KB.\r\n");
        }
        InternetHeaders original = new InternetHeaders(new ByteArrayInputStream(headers.bytes()));
        MimeMessage dsn = new MimeMessage(session);
        dsn.setFrom(new InternetAddress("MAILER-DAEMON@" + hostname, "Mail Delivery System"));
        InternetAddress to = new InternetAddress();
        to.setAddress(message.envelope().mailFrom());
        dsn.setRecipient(MimeMessage.RecipientType.TO, to);
        dsn.setSubject("Undelivered Mail Returned to Sender");
        dsn.setSentDate(Date.from(now));
        dsn.setHeader("Auto-Submitted", "auto-replied"); // RFC 3834: never answer this automatically
        dsn.setContent(new MultipartReport(text.toString(), status, original));
        dsn.saveChanges();
        dsn.writeTo(out);
    }

    /** The header section of a message (without the empty line after it), at most {@code max} bytes of it. */
    record HeaderBytes(byte[] bytes, boolean truncated) {

        static HeaderBytes read(InputStream message, int max) throws IOException {
            InputStream in = new BufferedInputStream(message);
            ByteArrayOutputStream headers = new ByteArrayOutputStream();
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b = in.read(); b >= 0; b = in.read()) {
                line.write(b);
                if (headers.size() + line.size() > max) {
                    return new HeaderBytes(headers.toByteArray(), true);
                }
                if (b == '\n') {
                    if (line.size() <= 2 && (line.size() == 1 || line.toByteArray()[0] == '\r')) {
                        return new HeaderBytes(headers.toByteArray(), false); // the empty line: the body follows
                    }
                    line.writeTo(headers);
                    line.reset();
                }
            }
            line.writeTo(headers); // a last line without line end (a message of headers only)
            return new HeaderBytes(headers.toByteArray(), false);
        }
    }
}
