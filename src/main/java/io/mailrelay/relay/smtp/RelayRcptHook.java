package io.mailrelay.relay.smtp;

import java.util.Optional;

import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.apache.james.protocols.smtp.hook.RcptHook;

import io.mailrelay.relay.delivery.Outcome;
import io.mailrelay.relay.policy.RelayDecision;
import io.mailrelay.relay.policy.RelayPolicy;

/**
 * The only RCPT hook of the chain: it decides every recipient, accepting (OK, so no later hook can
 * change the outcome) or refusing it. James' default PostmasterAbuseRcptHook, which accepts
 * postmaster@ and abuse@ at any domain, is deliberately not in the chain. A local recipient that needs a
 * callout is decided from the verifier's cache, or else by {@link OffLoopRcptCmdHandler} once the callout
 * completed: never accepted without an answer from the domain's server.
 */
final class RelayRcptHook implements RcptHook {
    private final RelayPolicy policy;
    private final int maxRecipients;
    private final RelayMetrics metrics;
    private final RecipientVerifier verifier;
    private final MailLoops loops;
    private final HandOffPeer peer;

    RelayRcptHook(RelayPolicy policy, int maxRecipients, RelayMetrics metrics, RecipientVerifier verifier,
            MailLoops loops, HandOffPeer peer) {
        this.loops = loops;
        this.peer = peer;
        this.policy = policy;
        this.maxRecipients = maxRecipients;
        this.metrics = metrics;
        this.verifier = verifier;
    }

    @Override
    public HookResult doRcpt(SMTPSession session, MaybeSender sender, MailAddress rcpt) {
        String recipient = rcpt.asString();
        if (session.getRcptCount() >= maxRecipients) {
            return reject(session, sender, recipient, "too_many_recipients", SmtpReply.TOO_MANY_RECIPIENTS);
        }
        if (peer.session(session)) {
            return accept(session); // a sibling's queue: accepted where it arrived, sender restrictions included
        }
        RelayDecision decision = policy.decide(SessionFacts.clientAddress(session), SessionFacts.authenticated(session),
                SessionFacts.sender(sender), recipient);
        String loopsFor = decision.accepted() || decision.reason() == RelayDecision.Reason.VERIFY_RECIPIENT
                ? loops.loopsBack(session, SessionFacts.sender(sender), recipient) : null;
        if (loopsFor != null) { // before any callout: that would ask the relay itself
            return reject(session, sender, recipient, "mail_loop", SmtpReply.MAIL_LOOP, recipient, loopsFor);
        }
        if (decision.accepted()) {
            return accept(session);
        }
        return switch (decision.reason()) {
            case SENDER_NOT_ALLOWED -> reject(session, sender, recipient, "sender_not_allowed",
                    SmtpReply.SENDER_NOT_ALLOWED, SessionFacts.sender(sender));
            case UNKNOWN_RECIPIENT -> reject(session, sender, recipient, "unknown_recipient",
                    SmtpReply.UNKNOWN_RELAY_RECIPIENT, recipient);
            case VERIFY_RECIPIENT -> verified(session, sender, recipient);
            default -> reject(session, sender, recipient, "relay_denied", SmtpReply.RELAY_DENIED, recipient);
        };
    }

    private HookResult accept(SMTPSession session) {
        if (!policy.isTrusted(SessionFacts.clientAddress(session), SessionFacts.authenticated(session))) {
            SessionFacts.acceptedFromOutsider(session);
        }
        return HookResult.builder().hookReturnCode(HookReturnCode.ok())
                .smtpReturnCode(SmtpReply.RECIPIENT_OK.code).smtpDescription(SmtpReply.RECIPIENT_OK.text).build();
    }

    /** Fails closed: only an answer 2xx from the domain's server accepts the recipient. */
    private HookResult verified(SMTPSession session, MaybeSender sender, String recipient) {
        Optional<Outcome> outcome = OffLoopRcptCmdHandler.calloutOutcome(session, recipient)
                .or(() -> verifier.cached(recipient));
        if (outcome.isEmpty()) {
            OffLoopRcptCmdHandler.needsCallout(session, recipient);
            return HookResult.DENYSOFT; // not written: the handler answers once the callout completed
        }
        return switch (outcome.get().kind()) {
            case DELIVERED -> accept(session);
            case PERMANENT -> rejectAfterCallout(session, sender, recipient, "unknown_recipient",
                    SmtpReply.UNKNOWN_RECIPIENT, outcome.get());
            case TEMPORARY -> rejectAfterCallout(session, sender, recipient, "unverified_recipient",
                    outcome.get().enhancedStatus().startsWith("4.1.") ? SmtpReply.UNVERIFIED_RECIPIENT
                            : SmtpReply.UNVERIFIABLE_RECIPIENT, outcome.get());
        };
    }

    private HookResult rejectAfterCallout(SMTPSession session, MaybeSender sender, String recipient, String reason,
            SmtpReply reply, Outcome callout) {
        RejectionLog.callout(session, recipient, callout.reply());
        return reject(session, sender, recipient, reason, reply, recipient);
    }

    private HookResult reject(SMTPSession session, MaybeSender sender, String recipient, String reason,
            SmtpReply reply, Object... values) {
        String code = reply.code;
        String text = reply.text(values);
        metrics.recipientRejected(reason);
        RejectionLog.recipient(session, SessionFacts.sender(sender), recipient, reason, code, text);
        HookReturnCode deny = code.startsWith("4") ? HookReturnCode.denySoft() : HookReturnCode.deny();
        return HookResult.builder().hookReturnCode(deny).smtpReturnCode(code).smtpDescription(text).build();
    }
}
