package io.mailrelay.relay.smtp;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import org.apache.james.core.Username;
import org.apache.james.protocols.api.Response;
import org.apache.james.protocols.api.handler.WiringException;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.core.esmtp.AuthCmdHandler;
import org.apache.james.protocols.smtp.hook.AuthHook;
import org.jboss.logging.Logger;

/**
 * James' AUTH command (PLAIN, LOGIN, the SASL exchange and the {@code AUTH=} MAIL parameter) with the
 * password check moved off the event loop: James calls its AuthHooks synchronously, and a bcrypt check
 * costs milliseconds of CPU that would stall every other session of that loop. Like the spool commit,
 * the session's input is held, the check runs on {@code workers}, and the reply is written (and held
 * lines replayed) only once it completed. No AuthHook is wired: {@link PasswordAuthenticator} is the
 * only way in.
 */
final class OffLoopAuthCmdHandler extends AuthCmdHandler {
    private static final Logger LOG = Logger.getLogger(OffLoopAuthCmdHandler.class);
    private static final Response TEMPORARY_FAILURE = Replies.reply("454", "4.7.0 Temporary authentication failure");

    private final PasswordAuthenticator authenticator;
    private final Executor workers;

    OffLoopAuthCmdHandler(PasswordAuthenticator authenticator, Executor workers) {
        this.authenticator = authenticator;
        this.workers = workers;
    }

    @Override
    protected Response doAuthTest(SMTPSession session, Username username, String password, String authType) {
        if (username == null || password == null) {
            return super.doAuthTest(session, username, password, authType); // 501, nothing to verify
        }
        Optional<Response> refusal = authenticator.refusal(session);
        if (refusal.isPresent()) {
            return refusal.get();
        }
        SessionGate gate = SessionGate.of(session);
        CompletableFuture<Boolean> check;
        try {
            check = CompletableFuture.supplyAsync(() -> authenticator.verify(username, password), workers);
        } catch (RejectedExecutionException e) {
            return TEMPORARY_FAILURE; // shutting down
        }
        // the outcome is applied by a task queued on this event loop, so it always runs after this hold
        gate.hold();
        check.whenComplete((verified, error) -> gate.release(() -> {
            if (error != null) {
                LOG.errorf(error, "password check for %s failed", SessionFacts.clientIp(session));
                return TEMPORARY_FAILURE;
            }
            return authenticator.conclude(session, username, verified);
        }));
        return null;
    }

    /** James refuses an AUTH handler without AuthHooks; this one needs none (and delegation stays refused). */
    @Override
    public void wireExtensions(Class<?> interfaceName, List<?> extension) throws WiringException {
        if (!AuthHook.class.equals(interfaceName)) {
            super.wireExtensions(interfaceName, extension);
        }
    }
}
