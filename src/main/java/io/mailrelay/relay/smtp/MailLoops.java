package io.mailrelay.relay.smtp;

import java.util.HashSet;
import java.util.Set;
import java.util.function.Predicate;

import org.apache.james.protocols.smtp.SMTPSession;

import io.mailrelay.config.DomainNames;
import io.mailrelay.config.HostPort;
import io.mailrelay.config.OutboundMode;
import io.mailrelay.config.RelayConfig;
import io.mailrelay.relay.delivery.SelfAddresses;

/**
 * Mail the relay would send to itself is refused at RCPT when its next hop is known then: a local domain whose
 * {@code deliverTo} is the relay, or, in smarthost mode, any other recipient when the smarthost is the relay (Postfix:
 * "mail for X loops back to myself", 554 5.4.6). MX next hops are known only at delivery, where
 * {@link SelfAddresses} gives them up with 5.4.6 too. Mail routes by the domain after the last {@code @}, as delivery
 * does.
 *
 * <p>The exemption: a session authenticated as the replica-to-replica hand-off peer (a replica forwarding its queue
 * to a sibling that shares its hostname, {@link HandOffPeer}) is not refused; {@code handOffPeer} names those users.
 */
final class MailLoops {

    private final Set<String> localDomains = new HashSet<>();
    private final Set<String> loopingLocalDomains = new HashSet<>();
    private final boolean smarthostLoops;
    private final Predicate<String> handOffPeer;

    MailLoops(RelayConfig config, SelfAddresses self, Predicate<String> handOffPeer) {
        for (RelayConfig.LocalDomain local : config.localDomains()) {
            String domain = DomainNames.normalize(local.domain());
            localDomains.add(domain);
            if (self.isSelf(local.deliverTo())) {
                loopingLocalDomains.add(domain);
            }
        }
        RelayConfig.Outbound outbound = config.outbound();
        this.smarthostLoops = outbound != null && outbound.mode() == OutboundMode.SMARTHOST
                && outbound.smarthost() != null
                && self.isSelf(new HostPort(outbound.smarthost().host(), outbound.smarthost().port()));
        this.handOffPeer = handOffPeer;
    }

    /** The domain whose mail would come back to this relay, or null. */
    String loopsBack(SMTPSession session, String recipient) {
        String user = SessionFacts.authenticatedUser(session);
        if (user != null && handOffPeer.test(user)) {
            return null;
        }
        String domain = DomainNames.normalize(recipient.substring(recipient.lastIndexOf('@') + 1));
        if (localDomains.contains(domain)) {
            return loopingLocalDomains.contains(domain) ? domain : null;
        }
        return smarthostLoops ? domain : null;
    }
}
