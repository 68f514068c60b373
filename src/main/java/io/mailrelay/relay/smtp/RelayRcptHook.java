package io.mailrelay.relay.smtp;

import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.apache.james.protocols.smtp.hook.RcptHook;

import io.mailrelay.relay.policy.RelayDecision;
import io.mailrelay.relay.policy.RelayPolicy;

/**
 * The only RCPT hook of the chain: it decides every recipient, accepting (OK, so no later hook can
 * change the outcome) or refusing it. James' default PostmasterAbuseRcptHook, which accepts
 * postmaster@ and abuse@ at any domain, is deliberately not in the chain.
 */
final class RelayRcptHook implements RcptHook {
    private final RelayPolicy policy;
    private final int maxRecipients;
    private final RelayMetrics metrics;

    RelayRcptHook(RelayPolicy policy, int maxRecipients, RelayMetrics metrics) {
        this.policy = policy;
        this.maxRecipients = maxRecipients;
        this.metrics = metrics;
    }

    @Override
    public HookResult doRcpt(SMTPSession session, MaybeSender sender, MailAddress rcpt) {
        String recipient = rcpt.asString();
        if (session.getRcptCount() >= maxRecipients) {
            return reject(session, sender, recipient, "too_many_recipients", "452", "4.5.3 Error: too many recipients");
        }
        RelayDecision decision = policy.decide(SessionFacts.clientAddress(session), SessionFacts.authenticated(session),
                SessionFacts.sender(sender), recipient);
        if (decision.accepted()) {
            return HookResult.builder().hookReturnCode(HookReturnCode.ok())
                    .smtpReturnCode("250").smtpDescription("2.1.5 Ok").build();
        }
        if (decision.reason() == RelayDecision.Reason.SENDER_NOT_ALLOWED) {
            return reject(session, sender, recipient, "sender_not_allowed", "553",
                    "5.7.1 <" + SessionFacts.sender(sender) + ">: Sender address rejected: not allowed to relay");
        }
        return reject(session, sender, recipient, "relay_denied", "554",
                "5.7.1 <" + recipient + ">: Relay access denied");
    }

    private HookResult reject(SMTPSession session, MaybeSender sender, String recipient, String reason,
            String code, String text) {
        metrics.recipientRejected(reason);
        RejectionLog.recipient(session, SessionFacts.sender(sender), recipient, reason, code, text);
        HookReturnCode deny = code.startsWith("4") ? HookReturnCode.denySoft() : HookReturnCode.deny();
        return HookResult.builder().hookReturnCode(deny).smtpReturnCode(code).smtpDescription(text).build();
    }
}
