package io.mailrelay.relay.delivery;

import java.util.Locale;

import io.mailrelay.config.HostPort;
import io.mailrelay.config.OutboundMode;

/**
 * Decides where each recipient goes: its local domain's deliverTo target, else the smarthost, else (MX mode) the
 * MX hosts of its domain. Recipients with the same {@link Destination} travel in one SMTP transaction.
 */
final class Router {

    /**
     * A grouping key and the unit of delivery concurrency: kind and what identifies the next hop within it (the
     * local domain, the smarthost, or the recipient domain for MX).
     */
    record Destination(String kind, String key) {
    }

    private final DeliverySettings settings;
    private final MxResolver mx;
    private final SelfAddresses self;

    Router(DeliverySettings settings, SelfAddresses self) {
        this.settings = settings;
        this.mx = new MxResolver(settings.mx(), settings.limits().mxAddressLimit());
        this.self = self;
    }

    Destination destinationOf(String recipient) {
        String domain = domainOf(recipient);
        HostPort deliverTo = settings.localRoutes().get(domain);
        if (deliverTo != null) {
            return new Destination("local", deliverTo.toString()); // local domains with one deliverTo share it
        }
        if (settings.mode() == OutboundMode.SMARTHOST) {
            return destinationOfSmarthost();
        }
        return new Destination("mx", domain);
    }

    /** The destination of mail for the smarthost (smarthost mode). */
    Destination destinationOfSmarthost() {
        return new Destination("smarthost", settings.smarthost().address().toString());
    }

    /**
     * The smarthost a destination goes to (its TLS, credentials and rate limit), null for a destination that is not
     * a smarthost (a local route, MX).
     */
    SmarthostSettings smarthostOf(Destination destination) {
        return "smarthost".equals(destination.kind()) ? settings.smarthost() : null;
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
            default -> {
                if (destination.key().isEmpty()) {
                    throw new NextHopException(Outcome.permanent("550 5.1.3 recipient address has no domain"));
                }
                yield NextHop.opportunistic("MX of " + destination.key(), mx.lookup(destination.key()));
            }
        };
    }

    static String domainOf(String address) {
        int at = address.lastIndexOf('@');
        return at < 0 ? "" : address.substring(at + 1).toLowerCase(Locale.ROOT);
    }
}
