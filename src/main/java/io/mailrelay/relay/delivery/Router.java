package io.mailrelay.relay.delivery;

import io.mailrelay.config.HostPort;

/**
 * Decides where each recipient goes with the one {@link RoutingTable} (local domain, recipient route, sender route,
 * smarthost, MX) and resolves it into a {@link NextHop}. Recipients with the same {@link Destination} travel in one
 * SMTP transaction.
 */
final class Router {

    /**
     * A grouping key and the unit of delivery concurrency: kind and what identifies the next hop within it (the
     * local domain's target, the smarthost's address, the route's domain, or the recipient domain for MX).
     */
    record Destination(String kind, String key) {
    }

    private final DeliverySettings settings;
    private final RoutingTable table;
    private final MxResolver mx;
    private final SelfAddresses self;

    Router(DeliverySettings settings, SelfAddresses self) {
        this.settings = settings;
        this.table = new RoutingTable(settings);
        this.mx = new MxResolver(settings.mx(), settings.limits().mxAddressLimit());
        this.self = self;
    }

    /** @param sender the envelope sender ("" for the null sender): sender routes go by its domain */
    Destination destinationOf(String sender, String recipient) {
        RoutingTable.Route route = table.route(sender, recipient);
        return switch (route.kind()) {
            case LOCAL -> new Destination("local", route.target().toString()); // local domains with one deliverTo share it
            case RECIPIENT_ROUTE -> new Destination("recipient-route", route.domain());
            case SENDER_ROUTE -> new Destination("sender-route", route.domain());
            case SMARTHOST -> new Destination("smarthost", route.target().toString());
            case MX -> new Destination("mx", route.domain());
        };
    }

    /**
     * The smarthost a destination goes to (the default one or a route's: its TLS, credentials and rate limit), null
     * for a destination that is not a smarthost (a local route, MX).
     */
    SmarthostSettings smarthostOf(Destination destination) {
        return switch (destination.kind()) {
            case "smarthost" -> settings.smarthost();
            case "recipient-route" -> settings.routes().byRecipientDomain().get(destination.key());
            case "sender-route" -> settings.routes().bySenderDomain().get(destination.key());
            default -> null;
        };
    }

    /** The destination of mail for the smarthost (smarthost mode). */
    Destination destinationOfSmarthost() {
        return new Destination("smarthost", settings.smarthost().address().toString());
    }


    /** The next hop, never the relay itself: mail that would loop back is given up with 5.4.6. */
    NextHop resolve(Destination destination) throws NextHopException {
        NextHop hop = hopOf(destination);
        return self.withoutSelf(hop, destination.key().isEmpty() ? hop.name() : destination.key());
    }

    private NextHop hopOf(Destination destination) throws NextHopException {
        return switch (destination.kind()) {
            case "local" -> NextHop.localRoute(HostPort.parse(destination.key()));
            case "smarthost" -> NextHop.smarthost(settings.smarthost());
            case "recipient-route" -> NextHop.route(new RoutingTable.Route(RoutingTable.Kind.RECIPIENT_ROUTE,
                    destination.key(), smarthostOf(destination).address(), smarthostOf(destination)));
            case "sender-route" -> NextHop.route(new RoutingTable.Route(RoutingTable.Kind.SENDER_ROUTE,
                    destination.key(), smarthostOf(destination).address(), smarthostOf(destination)));
            default -> {
                if (destination.key().isEmpty()) {
                    throw new NextHopException(Outcome.permanent("550 5.1.3 recipient address has no domain"));
                }
                yield NextHop.opportunistic("MX of " + destination.key(), mx.lookup(destination.key()));
            }
        };
    }

}
