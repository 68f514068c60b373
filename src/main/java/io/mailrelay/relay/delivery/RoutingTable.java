package io.mailrelay.relay.delivery;

import java.util.Objects;

import io.mailrelay.config.DomainNames;
import io.mailrelay.config.HostPort;
import io.mailrelay.config.OutboundMode;

/**
 * The one routing table (docs/relay.md, "Routing"): where a recipient of a message from a sender goes, the first
 * row that matches deciding, as Postfix's trivial-rewrite resolves a next hop:
 * <ol>
 * <li>the recipient's domain is a local domain: its {@code deliverTo} (Postfix relay_domains with a transport(5)
 *     entry);</li>
 * <li>the recipient's domain has a recipient route: its smarthost (Postfix transport_maps, which overrule
 *     sender_dependent_relayhost_maps and relayhost);</li>
 * <li>the envelope sender's domain has a sender route: its smarthost, with its own credentials (Postfix
 *     sender_dependent_relayhost_maps with smtp_sender_dependent_authentication; the null sender of a bounce has
 *     no domain and goes on to the next rows, like Postfix's empty_address_relayhost_maps_lookup_key unset);</li>
 * <li>{@code outbound.mode: smarthost}: {@code outbound.smarthost} (Postfix relayhost);</li>
 * <li>{@code outbound.mode: mx}: the recipient domain's MX hosts.</li>
 * </ol>
 * Domains compare case-insensitively, a trailing dot ignored, exactly: a subdomain is another domain. Delivery
 * ({@link Router}) and the mail-loop check at RCPT use this table, so both see the same next hop.
 */
public final class RoutingTable {

    /** Which row matched. */
    public enum Kind {
        LOCAL, RECIPIENT_ROUTE, SENDER_ROUTE, SMARTHOST, MX
    }

    /**
     * Where one recipient goes.
     *
     * @param kind the row that matched
     * @param domain the domain it matched on: the recipient's (local, recipient route, MX) or the sender's (sender
     *        route); the empty string for the default smarthost
     * @param target the host:port mail goes to; null for MX (known only after the lookup)
     * @param smarthost the smarthost of a route or the default one; null for a local domain and MX
     */
    public record Route(Kind kind, String domain, HostPort target, SmarthostSettings smarthost) {
        public Route {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(domain, "domain");
        }

        /** How logs, states and the upstream check name the next hop. */
        public String name() {
            return switch (kind) {
                case LOCAL -> "local route -> " + target;
                case RECIPIENT_ROUTE -> "recipient route " + domain + " -> " + target;
                case SENDER_ROUTE -> "sender route " + domain + " -> " + target;
                case SMARTHOST -> "smarthost " + target;
                case MX -> "MX of " + domain;
            };
        }
    }

    private final DeliverySettings settings;

    public RoutingTable(DeliverySettings settings) {
        this.settings = settings;
    }

    /** @param sender the envelope sender, "" for the null sender */
    public Route route(String sender, String recipient) {
        String domain = domainOf(recipient);
        HostPort deliverTo = settings.localRoutes().get(domain);
        if (deliverTo != null) {
            return new Route(Kind.LOCAL, domain, deliverTo, null);
        }
        SmarthostSettings byRecipient = settings.routes().byRecipientDomain().get(domain);
        if (byRecipient != null) {
            return new Route(Kind.RECIPIENT_ROUTE, domain, byRecipient.address(), byRecipient);
        }
        String senderDomain = sender == null || sender.isEmpty() ? "" : domainOf(sender);
        SmarthostSettings bySender = senderDomain.isEmpty() ? null : settings.routes().bySenderDomain().get(senderDomain);
        if (bySender != null) {
            return new Route(Kind.SENDER_ROUTE, senderDomain, bySender.address(), bySender);
        }
        if (settings.mode() == OutboundMode.SMARTHOST) {
            return new Route(Kind.SMARTHOST, "", settings.smarthost().address(), settings.smarthost());
        }
        return new Route(Kind.MX, domain, null, null);
    }

    /** Every route to a smarthost: the default one first (smarthost mode), then recipient and sender routes by domain. */
    public java.util.List<Route> smarthostRoutes() {
        java.util.List<Route> routes = new java.util.ArrayList<>();
        if (settings.mode() == OutboundMode.SMARTHOST) {
            routes.add(new Route(Kind.SMARTHOST, "", settings.smarthost().address(), settings.smarthost()));
        }
        settings.routes().byRecipientDomain().forEach((domain, smarthost) -> routes.add(
                new Route(Kind.RECIPIENT_ROUTE, domain, smarthost.address(), smarthost)));
        settings.routes().bySenderDomain().forEach((domain, smarthost) -> routes.add(
                new Route(Kind.SENDER_ROUTE, domain, smarthost.address(), smarthost)));
        return routes;
    }

    /** The domain after the last {@code @}, normalised; "" without one. */
    static String domainOf(String address) {
        int at = address.lastIndexOf('@');
        return at < 0 ? "" : DomainNames.normalize(address.substring(at + 1));
    }
}
