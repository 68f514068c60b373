package io.mailrelay.relay.policy;

import io.mailrelay.config.Cidr;
import io.mailrelay.config.DomainNames;
import java.net.InetAddress;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The relay rule, pure and side-effect free. A recipient is accepted iff its domain is local, or the
 * client is in an allowed network, or the session authenticated. For a client that may not relay, a local
 * recipient is further checked as its domain says ({@link RecipientCheck}): listed, or to be verified with
 * the domain's server (which this class leaves to its caller). Sender restrictions, when configured,
 * then refuse relayed (non-local) recipients whose envelope sender is outside the allowed domains: they
 * can only ever reject more.
 */
public final class RelayPolicy {
    private final List<Cidr> allowedNetworks;
    private final Map<String, LocalDomainRule> localDomains;
    private final Optional<Set<String>> allowedSenderDomains;
    private final Predicate<InetAddress> workloadClients;

    /**
     * @param allowedSenderDomains empty when no sender restriction is configured
     */
    public RelayPolicy(Collection<Cidr> allowedNetworks, Collection<LocalDomainRule> localDomains,
            Optional<? extends Collection<String>> allowedSenderDomains) {
        this(allowedNetworks, localDomains, allowedSenderDomains, client -> false);
    }

    /** @param workloadClients the addresses of the pods relayFor selects ({@link WorkloadClients}), now */
    public RelayPolicy(Collection<Cidr> allowedNetworks, Collection<LocalDomainRule> localDomains,
            Optional<? extends Collection<String>> allowedSenderDomains, Predicate<InetAddress> workloadClients) {
        this.workloadClients = workloadClients;
        this.allowedNetworks = List.copyOf(allowedNetworks);
        this.localDomains = localDomains.stream().collect(Collectors.toUnmodifiableMap(
                rule -> DomainNames.normalize(rule.domain()), Function.identity()));
        this.allowedSenderDomains = allowedSenderDomains.map(RelayPolicy::normalize);
    }

    /**
     * @param client the client IP (after PROXY protocol)
     * @param authenticated whether the session completed SMTP AUTH
     * @param sender the envelope sender without brackets, "" for the null sender
     * @param recipient the envelope recipient without brackets
     */
    public RelayDecision decide(InetAddress client, boolean authenticated, String sender, String recipient) {
        Optional<MailboxAddress> local = localMailbox(recipient);
        if (local.isPresent()) {
            return isTrusted(client, authenticated) ? new RelayDecision(RelayDecision.Reason.LOCAL_DOMAIN)
                    : checkRecipient(local.get());
        }
        RelayDecision.Reason permit;
        if (isAllowedNetwork(client)) {
            permit = RelayDecision.Reason.ALLOWED_NETWORK;
        } else if (workloadClients.test(client)) {
            permit = RelayDecision.Reason.ALLOWED_WORKLOAD;
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

    /** Trusted clients may relay, so they skip the local recipient check too. */
    public boolean isTrusted(InetAddress client, boolean authenticated) {
        return authenticated || isAllowedClient(client);
    }

    /** In allowedNetworks or one of the pods relayFor selects: may relay, and is exempt from per-client limits. */
    public boolean isAllowedClient(InetAddress client) {
        return isAllowedNetwork(client) || workloadClients.test(client);
    }

    private RelayDecision checkRecipient(MailboxAddress recipient) {
        LocalDomainRule rule = localDomains.get(recipient.domain());
        return new RelayDecision(switch (rule.check()) {
            case NONE -> RelayDecision.Reason.LOCAL_DOMAIN;
            case LIST -> rule.listed(recipient) ? RelayDecision.Reason.LOCAL_DOMAIN
                    : RelayDecision.Reason.UNKNOWN_RECIPIENT;
            case CALLOUT -> RelayDecision.Reason.VERIFY_RECIPIENT;
        });
    }

    public boolean isAllowedNetwork(InetAddress client) {
        return Cidr.anyContains(allowedNetworks, client);
    }

    /** Local means: a plain address (no routing tricks) whose domain, or listed IP literal, is a local domain. */
    public boolean isLocal(String address) {
        return localMailbox(address).isPresent();
    }

    private Optional<MailboxAddress> localMailbox(String address) {
        return MailboxAddress.parse(address)
                .filter(mailbox -> !mailbox.routesElsewhere())
                .filter(mailbox -> localDomains.containsKey(mailbox.domain()));
    }

    private boolean senderAllowed(String sender) {
        return MailboxAddress.parse(sender)
                .filter(mailbox -> !mailbox.routesElsewhere())
                .map(mailbox -> allowedSenderDomains.get().contains(mailbox.domain()))
                .orElse(false);
    }

    private static Set<String> normalize(Collection<String> domains) {
        return domains.stream().map(DomainNames::normalize).collect(Collectors.toUnmodifiableSet());
    }
}
