package io.mailrelay.relay.policy;

import java.util.List;
import java.util.Objects;

import io.mailrelay.config.RecipientCheck;
import io.mailrelay.config.RecipientPattern;
import io.mailrelay.config.RelayConfig;
import io.mailrelay.config.RelayConfigRules;

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
    /** The policy's view of a configured local domain; {@link RelayConfigRules} made sure every pattern parses. */
    public static LocalDomainRule of(RelayConfig.LocalDomain local) {
        return new LocalDomainRule(local.domain(), local.recipientCheck(),
                local.recipients().stream().map(text -> RecipientPattern.parse(text).orElseThrow()).toList());
    }

    public static LocalDomainRule unchecked(String domain) {
        return new LocalDomainRule(domain, RecipientCheck.NONE, List.of());
    }

    boolean listed(MailboxAddress address) {
        return recipients.stream().anyMatch(pattern -> pattern.matches(address.localPart(), address.domain()));
    }
}
