package io.mailrelay.relay.delivery;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

import io.mailrelay.relay.HostPort;

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
 * @param concurrency delivery worker threads
 * @param timeout connect and per-command timeout towards next hops
 */
public record DeliverySettings(String hostname, Map<String, HostPort> localRoutes, OutboundMode mode,
        SmarthostSettings smarthost, MxSettings mx, RetryPolicy retry, int concurrency, Duration timeout) {

    public DeliverySettings {
        Objects.requireNonNull(hostname, "hostname");
        Objects.requireNonNull(mode, "outbound mode");
        Objects.requireNonNull(retry, "retry policy");
        Objects.requireNonNull(timeout, "timeout");
        mx = mx == null ? MxSettings.DEFAULT : mx;
        Map<String, HostPort> routes = new TreeMap<>();
        localRoutes.forEach((domain, target) -> routes.put(domain.toLowerCase(Locale.ROOT), target));
        localRoutes = Map.copyOf(routes);
        if (mode == OutboundMode.SMARTHOST && smarthost == null) {
            throw new IllegalArgumentException("outbound.mode smarthost needs outbound.smarthost");
        }
        if (concurrency < 1) {
            throw new IllegalArgumentException("delivery concurrency must be at least 1, not " + concurrency);
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
