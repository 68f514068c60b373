package io.mailrelay.relay.smtp;

import java.util.function.Supplier;

import org.apache.james.core.MaybeSender;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.apache.james.protocols.smtp.hook.MailHook;

import io.mailrelay.relay.auth.SenderLoginUsers;
import io.mailrelay.relay.policy.MailboxAddress;

/**
 * MAIL FROM of a session authenticated as a senderLogins user: refused with {@code 553 5.7.1} unless the login map
 * gives that user the sender (Postfix reject_sender_login_mismatch, for these users only). A plain address only (no
 * source route or other routing tricks); the null sender is nobody's. Checked against the files in force at each MAIL:
 * a user whose line left the file (a revoked credential) is refused every sender.
 */
final class SenderLoginHook implements MailHook {
    private final Supplier<SenderLoginUsers> logins;
    private final RelayMetrics metrics;

    SenderLoginHook(Supplier<SenderLoginUsers> logins, RelayMetrics metrics) {
        this.logins = logins;
        this.metrics = metrics;
    }

    @Override
    public HookResult doMail(SMTPSession session, MaybeSender sender) {
        if (!SessionFacts.isSenderBound(session)) {
            return HookResult.DECLINED;
        }
        String user = SessionFacts.authenticatedUser(session);
        String address = SessionFacts.sender(sender);
        boolean plain = MailboxAddress.parse(address).filter(mailbox -> !mailbox.routesElsewhere()).isPresent();
        if (plain && logins.get().mayUse(user, address)) {
            return HookResult.DECLINED;
        }
        SmtpReply reply = SmtpReply.SENDER_LOGIN_MISMATCH;
        metrics.senderRejected("sender_login_mismatch");
        RejectionLog.sender(session, address, user, "sender_login_mismatch", reply);
        return HookResult.builder().hookReturnCode(HookReturnCode.deny()).smtpReturnCode(reply.code)
                .smtpDescription(reply.text).build();
    }
}
