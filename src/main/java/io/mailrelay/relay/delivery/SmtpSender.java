package io.mailrelay.relay.delivery;

import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLPeerUnverifiedException;

import io.mailrelay.config.HostPort;
import io.mailrelay.config.SmarthostTls;
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
 * SMTP sessions to one next hop with Angus Mail: the envelope set explicitly, the spooled bytes sent as they are,
 * and an {@link Outcome} for every recipient from the server's replies. Every stage of a session has its own time
 * limit ({@link SmtpTimeouts}); recipients still deferred after a session try the next address of the next hop,
 * up to {@code sessionLimit} sessions (Postfix smtp_mx_session_limit; sessions that fail before the end of the
 * EHLO/STARTTLS/AUTH handshake do not count, as in Postfix).
 */
final class SmtpSender {

    private final String hostname;
    private final SmtpTimeouts timeouts;
    private final int sessionLimit;
    /** sessions kept between messages by {@link #send}, null for none (one session per message) */
    private final ConnectionCache<Target> cache;

    /** @param sessionLimit sessions per delivery attempt, 0 for no limit */
    SmtpSender(String hostname, SmtpTimeouts timeouts, int sessionLimit) {
        this(hostname, timeouts, sessionLimit, null);
    }

    /** @param cache where {@link #send} keeps sessions for the next message to the same target; null for none */
    SmtpSender(String hostname, SmtpTimeouts timeouts, int sessionLimit, ConnectionCache<Target> cache) {
        this.hostname = hostname;
        this.timeouts = timeouts;
        this.sessionLimit = sessionLimit;
        this.cache = cache;
    }

    /** What a cached session is connected to: the next hop (with its TLS and credentials) and its address. */
    record Target(NextHop hop, HostPort address) {
    }

    /**
     * What one transaction came to: every recipient's outcome; whether the session may carry the next message (it
     * went through completely); whether the session itself broke (the connection, a stage limit, 421).
     */
    private record Transaction(Map<String, Outcome> outcomes, boolean reusable, boolean sessionLost) {
    }

    /** The next hop's answer for every recipient; connection problems make every recipient temporary. */
    Map<String, Outcome> send(NextHop hop, SpooledMessage message, List<String> recipients) {
        Map<String, Outcome> outcomes = new LinkedHashMap<>();
        List<String> pending = recipients;
        String lastConnectError = "no target";
        int sessions = 0;
        for (HostPort target : hop.targets()) {
            if (sessionLimit > 0 && sessions >= sessionLimit) {
                break;
            }
            Target key = new Target(hop, target);
            Connection connection = cached(key);
            Transaction done = connection == null ? null : transact(connection, message, pending);
            if (done != null && done.sessionLost()) {
                // the peer closed the idle session (its timeout, a restart): the rest on a fresh session, and the
                // broken one does not count; a message it took just before the loss may arrive twice, none is lost
                connection.close();
                done.outcomes().forEach((rcpt, outcome) -> {
                    if (outcome.kind() == Outcome.Kind.DELIVERED) {
                        outcomes.put(rcpt, outcome);
                    }
                });
                pending = pending.stream().filter(rcpt -> !outcomes.containsKey(rcpt)).toList();
                done = null;
            }
            if (done == null) {
                try {
                    connection = connect(hop, target);
                } catch (NextHopException e) {
                    return merged(outcomes, pending, e.outcome()); // credentials refused: no other target helps
                } catch (ConnectFailed e) {
                    lastConnectError = e.getMessage();
                    continue;
                }
                try {
                    String noAuth = authNotOffered(hop, connection);
                    if (noAuth != null) {
                        return merged(outcomes, pending, Outcome.temporary("451 4.7.0 " + target + " " + noAuth));
                    }
                    done = transact(connection, message, pending);
                } finally {
                    if (done == null) {
                        connection.close();
                    }
                }
            }
            sessions++;
            release(key, connection, done);
            outcomes.putAll(done.outcomes());
            pending = pending.stream().filter(rcpt -> outcomes.get(rcpt).kind() == Outcome.Kind.TEMPORARY).toList();
            if (pending.isEmpty()) {
                return outcomes;
            }
        }
        // no session answered for these (none connected, or a cached one broke and no fresh one could be made)
        List<String> unanswered = pending.stream().filter(rcpt -> !outcomes.containsKey(rcpt)).toList();
        return unanswered.isEmpty() ? outcomes
                : merged(outcomes, unanswered, Outcome.temporary("451 4.4.1 connection failed: " + lastConnectError));
    }

    /** A session of the cache for {@code key} that answers RSET, or null (one that does not is closed). */
    private Connection cached(Target key) {
        Connection connection = cache == null ? null : cache.take(key, Connection.class);
        if (connection == null) {
            return null;
        }
        try {
            if (connection.transport().simpleCommand("RSET") == 250) {
                return connection;
            }
        } catch (MessagingException e) {
            // gone while it idled: a fresh session instead
        }
        connection.close();
        return null;
    }

    /** Back to the cache after a transaction that went through completely, closed otherwise. */
    private void release(Target key, Connection connection, Transaction done) {
        if (cache != null && done.reusable()) {
            cache.give(key, connection);
        } else {
            connection.close();
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
            connection = connect(hop, hop.targets().get(0));
        } catch (NextHopException e) {
            return e.outcome();
        } catch (ConnectFailed e) {
            return Outcome.temporary("451 4.4.1 connection failed: " + e.getMessage());
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
            return Outcome.temporary("451 4.4.2 " + connection.describe(e));
        } finally {
            connection.close();
        }
    }

    /**
     * The upstream check: the session set-up of a delivery to {@code target} (connect, greeting, EHLO, STARTTLS and
     * AUTH as {@code hop} requires, the same TLS and stage limits), then QUIT; never MAIL.
     */
    Handshake handshake(NextHop hop, HostPort target) {
        Connection connection = open(hop, target);
        StagedSmtpTransport transport = connection.transport();
        try {
            transport.connect(target.host(), target.port(), hop.username(), hop.password());
            String reply = transport.getLastServerResponse();
            String noAuth = authNotOffered(hop, connection);
            if (noAuth != null) {
                return connection.failed(UpstreamStatus.Stage.AUTH, noAuth);
            }
            return new Handshake(null, reply == null ? null : reply.strip(), transport.ranStartTls(),
                    connection.certificate().leaf());
        } catch (AuthenticationFailedException e) {
            return connection.failed(UpstreamStatus.Stage.AUTH, describe(e));
        } catch (MessagingException e) {
            String expiry = connection.watchdog().describeExpiry();
            return connection.failed(stageOf(hop, connection, e), expiry != null ? expiry : describe(e));
        } finally {
            connection.close();
        }
    }

    /**
     * What an upstream check found.
     *
     * @param failed the stage that failed, null when the whole set-up succeeded
     * @param reply the server's reply (or the connection error) of that stage; when all went well, the last reply
     * @param tls the session ran STARTTLS
     * @param certificate the server's certificate as presented in the handshake, verified or not; null without TLS
     */
    record Handshake(UpstreamStatus.Stage failed, String reply, boolean tls, X509Certificate certificate) {
    }

    /** Where a session set-up failed: the last command sent, and whether the connection was made at all. */
    private static UpstreamStatus.Stage stageOf(NextHop hop, Connection connection, MessagingException e) {
        if (!connection.watchdog().connected()) {
            return UpstreamStatus.Stage.CONNECT;
        }
        StagedSmtpTransport transport = connection.transport();
        String verb = transport.lastVerb();
        if (verb == null && hop.tls() == SmarthostTls.IMPLICIT && !transport.ranStartTls()) {
            // implicit TLS: the handshake comes before the greeting (reported as the TLS stage, StartTls)
            return certificateRefused(e) ? UpstreamStatus.Stage.CERTIFICATE : UpstreamStatus.Stage.STARTTLS;
        }
        if (verb == null) {
            return UpstreamStatus.Stage.GREETING;
        }
        return switch (verb) {
            case "STARTTLS" -> certificateRefused(e) ? UpstreamStatus.Stage.CERTIFICATE : UpstreamStatus.Stage.STARTTLS;
            case "AUTH" -> UpstreamStatus.Stage.AUTH;
            // EHLO answered 250 but no STARTTLS offered while tls is required (Angus gives up before sending it)
            default -> hop.tls() == SmarthostTls.REQUIRED && !transport.ranStartTls() && transport.getLastReturnCode() == 250
                    ? UpstreamStatus.Stage.STARTTLS : UpstreamStatus.Stage.EHLO;
        };
    }

    /** The chain was not trusted (or expired), or it does not name the host (Angus' checkserveridentity). */
    private static boolean certificateRefused(Exception e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof CertificateException || cause instanceof CertPathValidatorException
                    || cause instanceof SSLPeerUnverifiedException
                    || String.valueOf(cause.getMessage()).contains("Can't verify identity of server")) {
                return true;
            }
        }
        return false;
    }

    /** Why credentials cannot be used with this session, or null: the next hop offers AUTH (or none is needed). */
    private static String authNotOffered(NextHop hop, Connection connection) {
        return hop.username() != null && !connection.transport().supportsExtension("AUTH")
                ? "does not offer AUTH: credentials not used, not sending unauthenticated" : null;
    }

    /** One session: its transport, its Angus session, the watchdog of its stages and the server's certificate. */
    private record Connection(StagedSmtpTransport transport, Session session, HostPort target, StageWatchdog watchdog,
            TlsTrust.PeerCertificate certificate, long openedNanos, AtomicInteger messages)
            implements ConnectionCache.Session {
        @Override
        public int carried() {
            return messages.incrementAndGet();
        }

        Handshake failed(UpstreamStatus.Stage stage, String reply) {
            return new Handshake(stage, reply, transport.ranStartTls(), certificate.leaf());
        }

        /** The failure, or the stage limit that caused it. */
        String describe(Exception e) {
            String expiry = watchdog.describeExpiry();
            return target + ": " + (expiry != null ? expiry : SmtpSender.describe(e));
        }

        @Override
        public void close() {
            closeQuietly(transport);
            watchdog.stop();
        }
    }

    /** Failed before the session was set up (connect, greeting, EHLO, STARTTLS): the next address may do. */
    private static final class ConnectFailed extends Exception {
        ConnectFailed(String message) {
            super(message, null, false, false);
        }
    }

    /** Connects, greets, STARTTLS and AUTH as the next hop requires, each stage within its limit. */
    private Connection connect(NextHop hop, HostPort target) throws NextHopException, ConnectFailed {
        Connection connection = open(hop, target);
        SMTPTransport transport = connection.transport();
        try {
            transport.connect(target.host(), target.port(), hop.username(), hop.password());
            return connection;
        } catch (AuthenticationFailedException e) {
            connection.close();
            // like Postfix (smtp_sasl_auth_soft_bounce): wrong credentials are fixed by a human, mail waits
            throw new NextHopException(Outcome.temporary("451 4.7.0 " + target + " refused the credentials of "
                    + hop.username() + ": " + describe(e)));
        } catch (MessagingException e) {
            connection.close();
            throw new ConnectFailed(connection.describe(e));
        }
    }

    /** A session not yet connected, with delivery's properties for {@code hop}. */
    private Connection open(NextHop hop, HostPort target) {
        StageWatchdog watchdog = new StageWatchdog(timeouts);
        TlsTrust.PeerCertificate certificate = new TlsTrust.PeerCertificate();
        Session session = Session.getInstance(properties(hop, watchdog, certificate));
        return new Connection(new StagedSmtpTransport(session, watchdog, hop.tls() == SmarthostTls.IMPLICIT), session,
                target, watchdog, certificate, System.nanoTime(), new AtomicInteger());
    }

    private Transaction transact(Connection connection, SpooledMessage message, List<String> recipients) {
        SMTPTransport transport = connection.transport();
        SpooledMimeMessage mime = new SpooledMimeMessage(connection.session(), message);
        String from = message.envelope().mailFrom();
        mime.setEnvelopeFrom(from.isEmpty() ? "<>" : from); // "" would make Angus fall back to a From: address
        if (transport.supportsExtension("8BITMIME")) {
            mime.setMailExtension("BODY=8BITMIME"); // the bytes may be 8-bit; they are never converted
        }
        Address[] addresses = recipients.stream().map(SmtpSender::address).toArray(Address[]::new);
        try {
            transport.sendMessage(mime, addresses);
            return new Transaction(all(recipients, new Outcome(Outcome.Kind.DELIVERED, transport.getLastServerResponse())),
                    true, false);
        } catch (SendFailedException e) {
            // 421, or no reply at all (Angus reports the peer's EOF as return code -1; a write into the closed
            // socket is a MessagingException instead, below): which of the two a lost session gives is timing
            boolean closing = e instanceof SMTPSendFailedException failed
                    && (failed.getReturnCode() == 421 || failed.getReturnCode() < 0);
            return new Transaction(perRecipient(e, recipients, transport.getLastServerResponse(), connection), false,
                    closing || connection.watchdog().expired() != null);
        } catch (MessagingException e) {
            return new Transaction(all(recipients, Outcome.temporary("451 4.4.2 " + connection.describe(e))), false, true);
        }
    }

    /** Angus reports sent addresses, and one SMTPAddressFailedException per refused RCPT in the chain. */
    private static Map<String, Outcome> perRecipient(SendFailedException e, List<String> recipients, String lastReply,
            Connection connection) {
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
                : Outcome.temporary("451 4.4.2 " + connection.describe(e));
        Map<String, Outcome> ordered = new LinkedHashMap<>();
        recipients.forEach(rcpt -> ordered.put(rcpt, outcomes.getOrDefault(rcpt, rest)));
        return ordered;
    }

    private Properties properties(NextHop hop, StageWatchdog watchdog, TlsTrust.PeerCertificate certificate) {
        Properties props = new Properties();
        props.put("mail.smtp.localhost", hostname);
        props.put("mail.from", "MAILER-DAEMON@" + hostname); // keeps Angus from looking up the local host name
        props.put("mail.smtp.connectiontimeout", String.valueOf(timeouts.connect().toMillis()));
        // the watchdog enforces each stage's limit; the read timeout is only a backstop behind it
        props.put("mail.smtp.timeout", String.valueOf(timeouts.longest().toMillis()));
        props.put("mail.smtp.sendpartial", "true"); // deliver to the accepted recipients, report the others
        props.put("mail.smtp.auth", String.valueOf(hop.username() != null));
        boolean startTls = hop.tls() == SmarthostTls.REQUIRED || hop.tls() == SmarthostTls.OPPORTUNISTIC;
        props.put("mail.smtp.starttls.enable", String.valueOf(startTls));
        props.put("mail.smtp.starttls.required", String.valueOf(hop.tls() == SmarthostTls.REQUIRED));
        // a socket from the factory that fails must not be retried on a plain, unwatched java.net.Socket (Angus'
        // default): with implicit TLS that one would speak clear text to a TLS port until the read timeout
        props.put("mail.smtp.socketFactory.fallback", "false");
        if (hop.tls() == SmarthostTls.IMPLICIT) {
            // TLS from the first byte (Postfix smtp_tls_wrappermode): the socket factory makes it, Angus sees plain text
            props.put("mail.smtp.socketFactory", WatchedSocketFactory.implicitTls(watchdog,
                    TlsTrust.socketFactory(hop.verifyCertificate(), hop.trustedCaFile(), certificate,
                            hop.clientCertificate()),
                    hop.verifyCertificate()));
        } else {
            props.put("mail.smtp.socketFactory", new WatchedSocketFactory(watchdog));
        }
        if (startTls) {
            props.put("mail.smtp.ssl.checkserveridentity", String.valueOf(hop.verifyCertificate()));
            props.put("mail.smtp.ssl.socketFactory", TlsTrust.socketFactory(hop.verifyCertificate(),
                    hop.trustedCaFile(), certificate, hop.clientCertificate()));
        }
        return props;
    }

    private static Address address(String recipient) {
        InternetAddress address = new InternetAddress();
        address.setAddress(recipient); // no syntax check: the relay already accepted it, send it as it is
        return address;
    }

    /** {@code done} with every recipient of {@code rest} given {@code outcome}, in order. */
    private static Map<String, Outcome> merged(Map<String, Outcome> done, List<String> rest, Outcome outcome) {
        Map<String, Outcome> outcomes = new LinkedHashMap<>(done);
        outcomes.putAll(all(rest, outcome));
        return outcomes;
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
