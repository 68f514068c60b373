package io.mailrelay.relay.smtp;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import org.apache.james.protocols.api.Request;
import org.apache.james.protocols.api.Response;
import org.apache.james.protocols.api.handler.LineHandler;
import org.apache.james.protocols.api.handler.WiringException;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.core.esmtp.AuthCmdHandler;
import org.apache.james.protocols.smtp.hook.AuthHook;
import org.jboss.logging.Logger;

/**
 * The AUTH command, PLAIN (RFC 4616) and LOGIN, with the password check moved off the event loop: a
 * bcrypt check costs milliseconds of CPU that would stall every other session of that loop. Like the
 * spool commit, the session's input is held, the check runs on {@code workers}, and the reply is written
 * (and held lines replayed) only once it completed. The SASL exchange is parsed here rather than by James,
 * because James' {@code Username} lowercases the name and a user of the file could then never log in.
 * Other mechanisms, the "already authenticated" and syntax replies and the {@code AUTH=} MAIL parameter
 * stay James'. No AuthHook is wired: {@link PasswordAuthenticator} is the only way in.
 */
final class OffLoopAuthCmdHandler extends AuthCmdHandler {
    private static final Logger LOG = Logger.getLogger(OffLoopAuthCmdHandler.class);
    private static final Response TEMPORARY_FAILURE = SmtpReply.AUTH_TEMPORARY_FAILURE.response();
    private static final Response ABORTED = SmtpReply.AUTH_ABORTED.response();
    private static final Response PLAIN_READY = Replies.reply("334", "");
    private static final Response USERNAME_PROMPT = Replies.reply("334", "VXNlcm5hbWU6"); // "Username:"
    private static final Response PASSWORD_PROMPT = Replies.reply("334", "UGFzc3dvcmQ6"); // "Password:"

    private final PasswordAuthenticator authenticator;
    private final Executor workers;

    OffLoopAuthCmdHandler(PasswordAuthenticator authenticator, Executor workers) {
        this.authenticator = authenticator;
        this.workers = workers;
    }

    @Override
    public Response onCommand(SMTPSession session, Request request) {
        String argument = request.getArgument();
        if (session.getUsername() != null || argument == null || argument.isBlank()) {
            return super.onCommand(session, request); // 503 already authenticated, 501 syntax
        }
        String[] words = argument.strip().split(" +", 2);
        String mechanism = words[0].toUpperCase(Locale.ROOT);
        Optional<String> initialResponse = words.length > 1 ? Optional.of(words[1]) : Optional.empty();
        switch (mechanism) {
            case "PLAIN":
                if (initialResponse.isPresent()) {
                    return plain(session, initialResponse.get());
                }
                session.pushLineHandler(continuation(this::plain));
                return PLAIN_READY;
            case "LOGIN":
                if (initialResponse.isPresent()) {
                    return loginUser(session, initialResponse.get());
                }
                session.pushLineHandler(continuation(this::loginUser));
                return USERNAME_PROMPT;
            default:
                return super.onCommand(session, request); // 504 unrecognized mechanism
        }
    }

    /** authzid NUL authcid NUL passwd; an authorization identity other than the user is not supported. */
    private Response plain(SMTPSession session, String response) {
        String[] parts = decode(response).map(text -> text.split("\0", -1)).orElse(new String[0]);
        if (parts.length != 3 || parts[1].isEmpty() || parts[2].isEmpty()
                || !(parts[0].isEmpty() || parts[0].equals(parts[1]))) {
            return undecodable("PLAIN");
        }
        return check(session, parts[1], parts[2]);
    }

    private Response loginUser(SMTPSession session, String response) {
        Optional<String> user = decode(response).filter(name -> !name.isEmpty());
        if (user.isEmpty()) {
            return undecodable("LOGIN");
        }
        session.pushLineHandler(continuation((s, line) -> loginPassword(s, user.get(), line)));
        return PASSWORD_PROMPT;
    }

    private Response loginPassword(SMTPSession session, String user, String response) {
        Optional<String> password = decode(response).filter(text -> !text.isEmpty());
        return password.isEmpty() ? undecodable("LOGIN") : check(session, user, password.get());
    }

    /** Null: the reply comes once the password check on a worker completed. */
    private Response check(SMTPSession session, String user, String password) {
        Optional<Response> refusal = authenticator.refusal(session);
        if (refusal.isPresent()) {
            return refusal.get();
        }
        SessionGate gate = SessionGate.of(session);
        CompletableFuture<Boolean> check;
        try {
            check = CompletableFuture.supplyAsync(() -> authenticator.verify(user, password), workers);
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
            return authenticator.conclude(session, user, verified);
        }));
        return null;
    }

    private static Response undecodable(String mechanism) {
        return SmtpReply.AUTH_UNDECODABLE.response(mechanism);
    }

    private static Optional<String> decode(String base64) {
        try {
            return Optional.of(new String(Base64.getDecoder().decode(base64.strip()), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The next line of the exchange: one step, then back to commands; "*" aborts (RFC 4954). */
    private static LineHandler<SMTPSession> continuation(Step step) {
        return (session, line) -> {
            session.popLineHandler();
            String text = new String(line, StandardCharsets.US_ASCII).strip();
            return "*".equals(text) ? ABORTED : step.next(session, text);
        };
    }

    @FunctionalInterface
    private interface Step {
        Response next(SMTPSession session, String line);
    }

    /** James refuses an AUTH handler without AuthHooks; this one needs none (and delegation stays refused). */
    @Override
    public void wireExtensions(Class<?> interfaceName, List<?> extension) throws WiringException {
        if (!AuthHook.class.equals(interfaceName)) {
            super.wireExtensions(interfaceName, extension);
        }
    }
}
