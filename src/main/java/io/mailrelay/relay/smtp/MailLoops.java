package io.mailrelay.relay.smtp;

import java.util.function.Predicate;

import org.apache.james.protocols.smtp.SMTPSession;

import io.mailrelay.config.DomainNames;
import io.mailrelay.config.RelayConfig;
import io.mailrelay.relay.RelayRuntime;
import io.mailrelay.relay.delivery.RoutingTable;
import io.mailrelay.relay.delivery.SelfAddresses;

/**
 * Mail the relay would send to itself is refused at RCPT when its next hop is known then: the routing table's
 * ({@link RoutingTable}) target for the recipient and the session's sender, when that is the relay: a local domain
 * whose {@code deliverTo} is the relay, a recipient or sender route or the smarthost that is the relay (Postfix:
 * "mail for X loops back to myself", 554 5.4.6). MX next hops are known only at delivery, where
 * {@link SelfAddresses} gives them up with 5.4.6 too. Mail routes by the domain after the last {@code @}, as delivery
 * does.
 *
 * <p>The exemption: a session authenticated as the replica-to-replica hand-off peer (a replica forwarding its queue
 * to a sibling that shares its hostname, {@link HandOffPeer}) is not refused; {@code handOffPeer} names those users.
 */
final class MailLoops {

    private final RoutingTable table;
    private final SelfAddresses self;
    private final Predicate<String> handOffPeer;

    MailLoops(RelayConfig config, SelfAddresses self, Predicate<String> handOffPeer) {
        this.table = new RoutingTable(RelayRuntime.deliverySettings(config));
        this.self = self;
        this.handOffPeer = handOffPeer;
    }

    /**
     * The recipient domain whose mail would come back to this relay, or null.
     *
     * @param sender the envelope sender, "" for the null sender
     */
    String loopsBack(SMTPSession session, String sender, String recipient) {
        String user = SessionFacts.authenticatedUser(session);
        if (user != null && handOffPeer.test(user)) {
            return null;
        }
        RoutingTable.Route route = table.route(sender, recipient);
        if (route.target() == null || !self.isSelf(route.target())) {
            return null;
        }
        return DomainNames.normalize(recipient.substring(recipient.lastIndexOf('@') + 1));
    }
}
