package io.mailrelay.relay.delivery;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import io.mailrelay.relay.HostPort;
import io.mailrelay.relay.spool.SpooledMessage;
import jakarta.mail.Address;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.smtp.SMTPTransport;

/**
 * One SMTP transaction per next hop with Angus Mail: the envelope set explicitly, the spooled bytes sent as they
 * are, and an {@link Outcome} for every recipient from the server's replies.
 */
final class SmtpSender {

    private final String hostname;
    private final Duration timeout;

    SmtpSender(String hostname, Duration timeout) {
        this.hostname = hostname;
        this.timeout = timeout;
    }

    /** The next hop's answer for every recipient; connection problems make every recipient temporary. */
    Map<String, Outcome> send(NextHop hop, SpooledMessage message, List<String> recipients) {
        Session session = Session.getInstance(properties(hop));
        Connection connection;
        try {
            connection = connect(hop, session);
        } catch (NextHopException e) {
            return all(recipients, e.outcome());
        }
        SMTPTransport transport = connection.transport();
        try {
            if (hop.username() != null && !transport.supportsExtension("AUTH")) {
                return all(recipients, Outcome.temporary("451 4.7.0 " + connection.target()
                        + " does not offer AUTH: credentials not used, not sending unauthenticated"));
            }
            return transact(transport, session, message, recipients);
        } finally {
            closeQuietly(transport);
        }
    }

    /**
     * Asks the next hop whether it accepts {@code recipient}, as Postfix's address verification does: EHLO (and
     * STARTTLS as for delivery), {@code MAIL FROM:<>}, {@code RCPT TO}, {@code RSET}, {@code QUIT}; never DATA.
     * Delivered means accepted; a refused null sender, a lost connection or any other failure is temporary.
     */
    Outcome verify(NextHop hop, String recipient) {
        Connection connection;
        try {
            connection = connect(hop, Session.getInstance(properties(hop)));
        } catch (NextHopException e) {
            return e.outcome();
        }
        SMTPTransport transport = connection.transport();
        try {
            int mail = transport.simpleCommand("MAIL FROM:<>");
            if (mail < 200 || mail >= 300) {
                return Outcome.temporary("451 4.4.3 " + connection.target() + " refused the null sender: "
                        + transport.getLastServerResponse());
            }
            int rcpt = transport.simpleCommand("RCPT TO:<" + recipient + ">");
            Outcome outcome = rcpt < 200 ? Outcome.temporary("451 4.4.2 " + connection.target() + " did not answer RCPT")
                    : Outcome.fromReply(rcpt, transport.getLastServerResponse());
            transport.simpleCommand("RSET");
            return outcome;
        } catch (MessagingException e) {
            return Outcome.temporary("451 4.4.2 " + describe(e));
        } finally {
            closeQuietly(transport);
        }
    }

    private record Connection(SMTPTransport transport, HostPort target) {
    }

    /** Connects (and authenticates) to the first target that accepts the connection. */
    private static Connection connect(NextHop hop, Session session) throws NextHopException {
        String lastError = "no target";
        for (HostPort target : hop.targets()) {
            try {
                SMTPTransport transport = (SMTPTransport) session.getTransport("smtp");
                transport.connect(target.host(), target.port(), hop.username(), hop.password());
                return new Connection(transport, target);
            } catch (AuthenticationFailedException e) {
                // like Postfix (smtp_sasl_auth_soft_bounce): wrong credentials are fixed by a human, mail waits
                throw new NextHopException(Outcome.temporary("451 4.7.0 " + target + " refused the credentials of "
                        + hop.username() + ": " + describe(e)));
            } catch (MessagingException e) {
                lastError = target + ": " + describe(e);
                // the next MX host, if any
            }
        }
        throw new NextHopException(Outcome.temporary("451 4.4.1 connection failed: " + lastError));
    }

    private Map<String, Outcome> transact(SMTPTransport transport, Session session, SpooledMessage message,
            List<String> recipients) {
        SpooledMimeMessage mime = new SpooledMimeMessage(session, message);
        String from = message.envelope().mailFrom();
        mime.setEnvelopeFrom(from.isEmpty() ? "<>" : from); // "" would make Angus fall back to a From: address
        if (transport.supportsExtension("8BITMIME")) {
            mime.setMailExtension("BODY=8BITMIME"); // the bytes may be 8-bit; they are never converted
        }
        Address[] addresses = recipients.stream().map(SmtpSender::address).toArray(Address[]::new);
        try {
            transport.sendMessage(mime, addresses);
            return all(recipients, new Outcome(Outcome.Kind.DELIVERED, transport.getLastServerResponse()));
        } catch (SendFailedException e) {
            return perRecipient(e, recipients, transport.getLastServerResponse());
        } catch (MessagingException e) {
            return all(recipients, Outcome.temporary("451 4.4.2 " + describe(e)));
        }
    }

    /** Angus reports sent addresses, and one SMTPAddressFailedException per refused RCPT in the chain. */
    private static Map<String, Outcome> perRecipient(SendFailedException e, List<String> recipients, String lastReply) {
        Map<String, Outcome> outcomes = new LinkedHashMap<>();
        if (e.getValidSentAddresses() != null) {
            for (Address sent : e.getValidSentAddresses()) {
                outcomes.put(((InternetAddress) sent).getAddress(), new Outcome(Outcome.Kind.DELIVERED, lastReply));
            }
        }
        for (Exception next = e; next instanceof MessagingException m; next = m.getNextException()) {
            if (next instanceof SMTPAddressFailedException refused) {
                outcomes.putIfAbsent(refused.getAddress().getAddress(),
                        Outcome.fromReply(refused.getReturnCode(), refused.getMessage()));
            }
        }
        Outcome rest = e instanceof SMTPSendFailedException failed && failed.getReturnCode() >= 400
                ? Outcome.fromReply(failed.getReturnCode(), failed.getMessage())
                : Outcome.temporary("451 4.4.2 " + describe(e));
        Map<String, Outcome> ordered = new LinkedHashMap<>();
        recipients.forEach(rcpt -> ordered.put(rcpt, outcomes.getOrDefault(rcpt, rest)));
        return ordered;
    }

    private Properties properties(NextHop hop) {
        Properties props = new Properties();
        props.put("mail.smtp.localhost", hostname);
        props.put("mail.from", "MAILER-DAEMON@" + hostname); // keeps Angus from looking up the local host name
        String millis = String.valueOf(timeout.toMillis());
        props.put("mail.smtp.connectiontimeout", millis);
        props.put("mail.smtp.timeout", millis);
        props.put("mail.smtp.writetimeout", millis);
        props.put("mail.smtp.sendpartial", "true"); // deliver to the accepted recipients, report the others
        props.put("mail.smtp.auth", String.valueOf(hop.username() != null));
        props.put("mail.smtp.starttls.enable", String.valueOf(hop.tls() != TlsMode.NONE));
        props.put("mail.smtp.starttls.required", String.valueOf(hop.tls() == TlsMode.REQUIRED));
        if (hop.tls() != TlsMode.NONE) {
            props.put("mail.smtp.ssl.checkserveridentity", String.valueOf(hop.verifyCertificate()));
            if (!hop.verifyCertificate()) {
                props.put("mail.smtp.ssl.trust", "*");
            } else if (hop.trustedCaFile() != null) {
                props.put("mail.smtp.ssl.socketFactory", TlsTrust.trusting(hop.trustedCaFile()));
            }
        }
        return props;
    }

    private static Address address(String recipient) {
        InternetAddress address = new InternetAddress();
        address.setAddress(recipient); // no syntax check: the relay already accepted it, send it as it is
        return address;
    }

    private static Map<String, Outcome> all(List<String> recipients, Outcome outcome) {
        Map<String, Outcome> outcomes = new LinkedHashMap<>();
        recipients.forEach(rcpt -> outcomes.put(rcpt, outcome));
        return outcomes;
    }

    private static String describe(Exception e) {
        StringBuilder text = new StringBuilder(String.valueOf(e.getMessage()).strip());
        for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            text.append(": ").append(cause.getClass().getSimpleName()).append(' ').append(cause.getMessage());
        }
        return text.toString().replaceAll("\\s+", " ");
    }

    private static void closeQuietly(SMTPTransport transport) {
        try {
            transport.close();
        } catch (MessagingException ignored) {
            // the transaction's outcome is already known
        }
    }
}
