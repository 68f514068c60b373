package io.mailrelay.relay.delivery;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

import io.mailrelay.config.DomainNames;
import io.mailrelay.config.HostPort;
import io.mailrelay.config.OutboundMode;

/**
 * What delivery needs from relay.yaml ({@code server.hostname}, {@code localDomains}, {@code outbound},
 * {@code spool}), independent of how the file is parsed.
 *
 * @param hostname EHLO name and Reporting-MTA of bounces
 * @param localRoutes local domain (lower case) → its {@code deliverTo} target
 * @param mode smarthost or MX delivery for every other domain
 * @param smarthost required in smarthost mode, ignored in MX mode
 * @param mx MX lookup settings (used in MX mode)
 * @param retry back-off and queue lifetime
 * @param limits how many deliveries run at once, and what one attempt may try
 * @param timeouts per stage of an SMTP session towards next hops
 * @param routes the recipient and sender domains with a smarthost of their own ({@link Routes#NONE}: none)
 */
public record DeliverySettings(String hostname, Map<String, HostPort> localRoutes, OutboundMode mode,
        SmarthostSettings smarthost, MxSettings mx, RetryPolicy retry, Limits limits, SmtpTimeouts timeouts,
        Routes routes) {

    /** Without routes: local domains, then the smarthost or MX. */
    public DeliverySettings(String hostname, Map<String, HostPort> localRoutes, OutboundMode mode,
            SmarthostSettings smarthost, MxSettings mx, RetryPolicy retry, Limits limits, SmtpTimeouts timeouts) {
        this(hostname, localRoutes, mode, smarthost, mx, retry, limits, timeouts, Routes.NONE);
    }

    public DeliverySettings {
        Objects.requireNonNull(hostname, "hostname");
        Objects.requireNonNull(mode, "outbound mode");
        Objects.requireNonNull(retry, "retry policy");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(timeouts, "timeouts");
        mx = mx == null ? MxSettings.DEFAULT : mx;
        Map<String, HostPort> byDomain = new TreeMap<>();
        localRoutes.forEach((domain, target) -> byDomain.put(DomainNames.normalize(domain), target));
        localRoutes = Map.copyOf(byDomain);
        routes = routes == null ? Routes.NONE : routes;
        if (mode == OutboundMode.SMARTHOST && smarthost == null) {
            throw new IllegalArgumentException("outbound.mode smarthost needs outbound.smarthost");
        }
    }

    /**
     * {@code outbound.recipientRoutes} (Postfix transport_maps) and {@code outbound.senderRoutes} (Postfix
     * sender_dependent_relayhost_maps with smtp_sender_dependent_authentication): a domain (lower case, no trailing
     * dot) and its own smarthost, with its own TLS and credentials. {@link Router} evaluates them in its order.
     *
     * @param byRecipientDomain recipient domain → its smarthost
     * @param bySenderDomain envelope sender domain → its smarthost
     */
    public record Routes(Map<String, SmarthostSettings> byRecipientDomain, Map<String, SmarthostSettings> bySenderDomain) {
        public static final Routes NONE = new Routes(Map.of(), Map.of());

        public Routes {
            byRecipientDomain = normalized(byRecipientDomain);
            bySenderDomain = normalized(bySenderDomain);
        }

        private static Map<String, SmarthostSettings> normalized(Map<String, SmarthostSettings> routes) {
            Map<String, SmarthostSettings> byDomain = new TreeMap<>();
            routes.forEach((domain, smarthost) -> byDomain.put(DomainNames.normalize(domain), smarthost));
            return java.util.Collections.unmodifiableMap(byDomain);
        }
    }

    /**
     * @param processLimit deliveries (SMTP sessions) at once over all destinations (Postfix default_process_limit
     *        of the smtp transport)
     * @param destinationConcurrencyLimit deliveries at once to one destination (Postfix
     *        smtp_destination_concurrency_limit): a slow destination holds at most this many of the workers
     * @param mxAddressLimit addresses an attempt may try (Postfix smtp_mx_address_limit), 0 for no limit
     * @param mxSessionLimit SMTP sessions an attempt may use (Postfix smtp_mx_session_limit), 0 for no limit
     */
    public record Limits(int processLimit, int destinationConcurrencyLimit, int mxAddressLimit, int mxSessionLimit) {
        public static final Limits DEFAULT = new Limits(100, 20, 5, 2);

        public Limits {
            if (processLimit < 1) {
                throw new IllegalArgumentException("processLimit must be at least 1, not " + processLimit);
            }
            if (destinationConcurrencyLimit < 1) {
                throw new IllegalArgumentException("destinationConcurrencyLimit must be at least 1, not "
                        + destinationConcurrencyLimit);
            }
            if (mxAddressLimit < 0 || mxSessionLimit < 0) {
                throw new IllegalArgumentException("mxAddressLimit and mxSessionLimit must not be negative");
            }
        }
    }

    /**
     * @param resolver DNS server to ask, or null for the system's resolvers
     * @param port SMTP port of MX hosts (25; tests change it)
     */
    public record MxSettings(InetSocketAddress resolver, int port) {
        public static final MxSettings DEFAULT = new MxSettings(null, 25);
    }
}
