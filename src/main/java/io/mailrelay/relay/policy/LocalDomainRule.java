package io.mailrelay.relay.policy;

import java.util.List;
import java.util.Objects;

/**
 * A local domain as the policy sees it: which recipients clients that may not relay can send to.
 *
 * @param domain as configured (normalized by the policy)
 * @param check how recipients are checked for such clients
 * @param recipients the patterns of {@link RecipientCheck#LIST}; empty otherwise
 */
public record LocalDomainRule(String domain, RecipientCheck check, List<RecipientPattern> recipients) {

    public LocalDomainRule {
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(check, "check");
        recipients = List.copyOf(recipients);
    }

    /** A domain that accepts any local part (recipientCheck none). */
    public static LocalDomainRule unchecked(String domain) {
        return new LocalDomainRule(domain, RecipientCheck.NONE, List.of());
    }

    boolean listed(MailboxAddress address) {
        return recipients.stream().anyMatch(pattern -> pattern.matches(address));
    }
}
