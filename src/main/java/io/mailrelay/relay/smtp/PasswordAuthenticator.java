package io.mailrelay.relay.smtp;

import java.util.Optional;

import org.apache.james.protocols.api.Response;
import org.apache.james.protocols.smtp.SMTPSession;
import org.jboss.logging.Logger;

/**
 * AUTH PLAIN/LOGIN against the users file, in three steps so that only the bcrypt check leaves the event
 * loop: {@link #refusal} (lockout) and {@link #conclude} (lockout bookkeeping, metrics, the
 * session marked authenticated) touch the session on its event loop; {@link #verify} is pure and runs on
 * a worker. James sets neither the user nor the relaying flag itself, so {@link #conclude} does. User
 * names compare exactly as the users file writes them (case-sensitively, like Postfix's SASL backends).
 */
final class PasswordAuthenticator {
    private static final Logger LOG = Logger.getLogger(PasswordAuthenticator.class);

    private final SmtpLogins logins;
    private final AuthFailures failures;
    private final RelayMetrics metrics;

    /** @param logins the users files in force (they may be reloaded between two AUTH commands) */
    PasswordAuthenticator(SmtpLogins logins, AuthFailures failures, RelayMetrics metrics) {
        this.logins = logins;
        this.failures = failures;
        this.metrics = metrics;
    }

    /**
     * A reply that ends the attempt before any password is checked, or empty to go on: a lockout that began
     * while this client was typing its password (AUTH LOGIN). AUTH without TLS when no user may do so never gets
     * here: {@link CommandGuard} answers it before the command is dispatched.
     */
    Optional<Response> refusal(SMTPSession session) {
        if (failures.isLockedOut(SessionFacts.clientIp(session))) {
            return Optional.of(SmtpReply.AUTH_LOCKED_OUT.closing());
        }
        return Optional.empty();
    }

    /** The bcrypt check (milliseconds of CPU): thread-safe, touches no session. */
    boolean verify(String user, String password) {
        return logins.verify(user, password);
    }

    /** Records the outcome of {@link #verify} on the session and answers; on the session's event loop. */
    Response conclude(SMTPSession session, String user, boolean verified) {
        String client = SessionFacts.clientIp(session);
        if (verified && !session.isTLSStarted() && !logins.withoutTls(user)) {
            return SmtpReply.ENCRYPTION_REQUIRED.response(); // only the peer user may go without TLS (handOff.allowWithoutTls)
        }
        if (verified) {
            failures.succeeded(client);
            SessionFacts.authenticated(session, user);
            if (logins.senderBound(user)) {
                SessionFacts.senderBound(session);
            }
            return SmtpReply.AUTH_SUCCEEDED.response();
        }
        failures.failed(client);
        metrics.authFailed();
        LOG.infof("authentication failed: client=%s user=%s", client, user);
        return SmtpReply.AUTH_FAILED.response();
    }
}
