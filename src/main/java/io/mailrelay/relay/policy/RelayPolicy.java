package io.mailrelay.relay.policy;

import java.net.InetAddress;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The relay rule, pure and side-effect free. A recipient is accepted iff its domain is local, or the
 * client is in an allowed network, or the session authenticated. Sender restrictions, when configured,
 * then refuse relayed (non-local) recipients whose envelope sender is outside the allowed domains: they
 * can only ever reject more.
 */
public final class RelayPolicy {
    private final List<Cidr> allowedNetworks;
    private final Set<String> localDomains;
    private final Optional<Set<String>> allowedSenderDomains;

    /**
     * @param allowedSenderDomains empty when no sender restriction is configured
     */
    public RelayPolicy(Collection<Cidr> allowedNetworks, Collection<String> localDomains,
            Optional<? extends Collection<String>> allowedSenderDomains) {
        this.allowedNetworks = List.copyOf(allowedNetworks);
        this.localDomains = normalize(localDomains);
        this.allowedSenderDomains = allowedSenderDomains.map(RelayPolicy::normalize);
    }

    /**
     * @param client the client IP (after PROXY protocol)
     * @param authenticated whether the session completed SMTP AUTH
     * @param sender the envelope sender without brackets, "" for the null sender
     * @param recipient the envelope recipient without brackets
     */
    public RelayDecision decide(InetAddress client, boolean authenticated, String sender, String recipient) {
        if (isLocal(recipient)) {
            return new RelayDecision(RelayDecision.Reason.LOCAL_DOMAIN);
        }
        RelayDecision.Reason permit;
        if (isAllowedNetwork(client)) {
            permit = RelayDecision.Reason.ALLOWED_NETWORK;
        } else if (authenticated) {
            permit = RelayDecision.Reason.AUTHENTICATED;
        } else {
            return new RelayDecision(RelayDecision.Reason.RELAY_DENIED);
        }
        if (allowedSenderDomains.isPresent() && !senderAllowed(sender)) {
            return new RelayDecision(RelayDecision.Reason.SENDER_NOT_ALLOWED);
        }
        return new RelayDecision(permit);
    }

    public boolean isAllowedNetwork(InetAddress client) {
        return Cidr.anyContains(allowedNetworks, client);
    }

    /** Local means: a plain address (no routing tricks) whose domain, or listed IP literal, is a local domain. */
    public boolean isLocal(String address) {
        return MailboxAddress.parse(address)
                .filter(mailbox -> !mailbox.routesElsewhere())
                .map(mailbox -> localDomains.contains(mailbox.domain()))
                .orElse(false);
    }

    private boolean senderAllowed(String sender) {
        return MailboxAddress.parse(sender)
                .filter(mailbox -> !mailbox.routesElsewhere())
                .map(mailbox -> allowedSenderDomains.get().contains(mailbox.domain()))
                .orElse(false);
    }

    private static Set<String> normalize(Collection<String> domains) {
        return domains.stream().map(MailboxAddress::normalizeDomain).collect(Collectors.toUnmodifiableSet());
    }
}
