package io.mailrelay.relay.smtp;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.protocols.api.ProtocolSession;
import org.apache.james.protocols.api.Request;
import org.apache.james.protocols.api.Response;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.core.RcptCmdHandler;

import io.mailrelay.relay.delivery.Outcome;

/**
 * James' RCPT command with the recipient callout moved off the event loop. James calls its RcptHooks
 * synchronously; when {@link RelayRcptHook} needs a callout that the cache cannot answer, it asks for one
 * ({@link #needsCallout}) instead of deciding. This handler then holds the session's input (as
 * {@link OffLoopAuthCmdHandler} does for bcrypt), runs the callout on the verifier's pool, and once it
 * completed runs the command again on the event loop with the outcome at hand ({@link #calloutOutcome}),
 * so the hook decides, and the reply is written, exactly as for any other recipient.
 */
final class OffLoopRcptCmdHandler extends RcptCmdHandler {
    private static final ProtocolSession.AttachmentKey<String> CALLOUT =
            ProtocolSession.AttachmentKey.of("mailrelay.callout", String.class);
    private static final ProtocolSession.AttachmentKey<Verdict> VERDICT =
            ProtocolSession.AttachmentKey.of("mailrelay.callout.verdict", Verdict.class);

    private record Verdict(String recipient, Outcome outcome) {
    }

    private final RecipientVerifier verifier;

    OffLoopRcptCmdHandler(MetricFactory metricFactory, RecipientVerifier verifier) {
        super(metricFactory);
        this.verifier = verifier;
    }

    /** Called by the hook: decide {@code recipient} once its callout completed. */
    static void needsCallout(SMTPSession session, String recipient) {
        session.setAttachment(CALLOUT, recipient, ProtocolSession.State.Transaction);
    }

    /** The outcome of the callout just made for {@code recipient}, once (when the command runs again). */
    static Optional<Outcome> calloutOutcome(SMTPSession session, String recipient) {
        return session.removeAttachment(VERDICT, ProtocolSession.State.Transaction)
                .filter(verdict -> verdict.recipient().equals(recipient))
                .map(Verdict::outcome);
    }

    @Override
    public Response onCommand(SMTPSession session, Request request) {
        Response response = super.onCommand(session, request);
        Optional<String> recipient = session.removeAttachment(CALLOUT, ProtocolSession.State.Transaction);
        if (recipient.isEmpty()) {
            return response;
        }
        SessionGate gate = SessionGate.of(session);
        CompletableFuture<Outcome> callout = verifier.verify(recipient.get());
        // the outcome is applied by a task queued on this event loop, so it always runs after this hold
        gate.hold();
        callout.whenComplete((outcome, error) -> gate.release(() -> {
            Outcome known = error == null ? outcome : Outcome.temporary("451 4.3.0 recipient check failed: " + error);
            session.setAttachment(VERDICT, new Verdict(recipient.get(), known), ProtocolSession.State.Transaction);
            Response reply = super.onCommand(session, request);
            // this reply bypasses the command guard, which logs refusals: done here
            RejectionLog.command(session, (request.getCommand() + " " + request.getArgument())
                    .getBytes(StandardCharsets.US_ASCII), reply);
            return reply;
        }));
        return null;
    }
}
