package io.mailrelay.operator.render;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

import io.fabric8.kubernetes.api.model.Quantity;
import io.mailrelay.api.Authentication;
import io.mailrelay.api.Limits;
import io.mailrelay.api.LocalDomain;
import io.mailrelay.api.MailRelaySpec;
import io.mailrelay.api.Outbound;
import io.mailrelay.api.Persistence;
import io.mailrelay.api.SenderRestrictions;
import io.mailrelay.api.ServiceSpec;
import io.mailrelay.api.RateLimit;
import io.mailrelay.api.Route;
import io.mailrelay.api.Smarthost;
import io.mailrelay.api.Tls;
import io.mailrelay.config.OutboundMode;
import io.mailrelay.config.RecipientCheck;
import io.mailrelay.config.SmarthostTls;

/**
 * Seeded random MailRelay specs within the CRD's schema (every field the relay.yaml rendering reads, at its bounds
 * too), for the contract tests: what the API server accepts, the relay must run. The same seed gives the same specs.
 */
public final class RandomSpecs {
    private final Random random;

    public RandomSpecs(long seed) {
        this.random = new Random(seed);
    }

    public MailRelaySpec next() {
        MailRelaySpec spec = new MailRelaySpec();
        spec.allowedNetworks = maybe(() -> list(0, 4, this::cidr));
        spec.localDomains = maybe(this::localDomains);
        if (chance(4)) {
            spec.hostname = host();
        }
        spec.outbound = outbound();
        if (chance(3)) {
            spec.outbound.recipientRoutes = routes("recipient", spec.localDomains);
        }
        if (chance(3)) {
            spec.outbound.senderRoutes = routes("sender", null);
        }
        if (chance(3)) {
            spec.tls = new Tls();
            spec.tls.secretName = "relay-tls";
        }
        if (chance(3)) {
            spec.authentication = new Authentication();
            spec.authentication.usersSecret = "relay-users";
            spec.authentication.allowWithoutTls = spec.tls == null ? true : maybe(random::nextBoolean);
        }
        if (chance(4)) {
            spec.senderRestrictions = new SenderRestrictions();
            spec.senderRestrictions.allowedSenderDomains = list(1, 3, this::domain);
        }
        spec.limits = maybe(this::limits);
        if (chance(3)) {
            spec.persistence = new Persistence();
            spec.persistence.size = maybe(() -> new Quantity(1 + random.nextInt(2048) + "Mi"));
            spec.persistence.minFreeSpace = maybe(() -> new Quantity(random.nextInt(4096)
                    + List.of("", "Ki", "Mi", "Gi", "k", "M").get(random.nextInt(6))));
        }
        if (chance(4)) {
            spec.service = new ServiceSpec();
            spec.service.type = ServiceSpec.Type.LoadBalancer;
            spec.service.proxyProtocol = true;
            spec.service.trustedProxies = list(1, 3, this::cidr);
        }
        return spec;
    }

    private List<LocalDomain> localDomains() {
        Set<String> names = new LinkedHashSet<>();
        int count = random.nextInt(4);
        while (names.size() < count) {
            names.add(domain().toLowerCase(Locale.ROOT));
        }
        List<LocalDomain> domains = new ArrayList<>();
        for (String name : names) {
            LocalDomain local = new LocalDomain(mixedCase(name), hostPort());
            local.recipientCheck = maybe(() -> RecipientCheck.values()[random.nextInt(3)]);
            if (local.recipientCheck == RecipientCheck.LIST) {
                local.recipients = list(1, 3, () -> List.of("*", "bob", "sales-*", "x*y").get(random.nextInt(4)) + "@"
                        + mixedCase(name));
            }
            domains.add(local);
        }
        return domains;
    }

    private Outbound outbound() {
        Outbound outbound = new Outbound();
        if (random.nextBoolean()) {
            outbound.mode = OutboundMode.MX;
            return outbound;
        }
        outbound.mode = OutboundMode.SMARTHOST;
        outbound.smarthost = smarthost("smarthost-credentials");
        return outbound;
    }

    private Smarthost smarthost(String credentialsSecret) {
        Smarthost smarthost = new Smarthost();
        smarthost.host = host();
        smarthost.port = maybe(this::port);
        smarthost.tls = maybe(() -> SmarthostTls.values()[random.nextInt(SmarthostTls.values().length)]);
        smarthost.verifyCertificate = maybe(random::nextBoolean);
        smarthost.credentialsSecret = maybe(() -> credentialsSecret);
        smarthost.rateLimit = maybe(() -> {
            RateLimit limit = new RateLimit(); // within the schema: 1-10000, 1-100000000, at least one
            limit.messagesPerSecond = maybe(() -> 1 + random.nextInt(10000));
            limit.recipientsPerDay = limit.messagesPerSecond == null || random.nextBoolean()
                    ? 1 + random.nextInt(100000000) : null;
            return limit;
        });
        if (smarthost.tls != SmarthostTls.NONE) {
            smarthost.clientCertificateSecret = maybe(() -> "client-certificate");
        }
        return smarthost;
    }

    /** Up to 3 routes of distinct domains, none of them in {@code taken} (a local domain cannot have a route). */
    private List<Route> routes(String kind, List<LocalDomain> taken) {
        Set<String> names = new LinkedHashSet<>();
        int count = 1 + random.nextInt(3);
        while (names.size() < count) {
            String name = domain().toLowerCase(Locale.ROOT);
            if (taken == null || taken.stream().noneMatch(local -> local.domain.equalsIgnoreCase(name))) {
                names.add(name);
            }
        }
        List<Route> routes = new ArrayList<>();
        for (String name : names) {
            routes.add(new Route(mixedCase(name), smarthost(kind + "-route-credentials")));
        }
        return routes;
    }

    private Limits limits() {
        Limits limits = new Limits();
        limits.maxMessageSize = maybe(() -> 1024L + random.nextInt(1073741824 - 1024 + 1));
        limits.maxRecipients = maybe(() -> 1 + random.nextInt(100000));
        limits.maxConnections = maybe(() -> 1 + random.nextInt(100000));
        limits.maxConnectionsPerClient = maybe(() -> 1 + random.nextInt(100000));
        limits.maxMessagesPerClientPerMinute = maybe(() -> 1 + random.nextInt(1000000));
        limits.maxAuthFailures = maybe(() -> 1 + random.nextInt(1000));
        limits.authLockout = maybe(this::duration);
        limits.commandTimeout = maybe(this::duration);
        limits.idleTimeout = maybe(this::duration);
        limits.maxErrors = maybe(() -> 1 + random.nextInt(1000));
        limits.maxHops = maybe(() -> 1 + random.nextInt(1000));
        limits.maxLineLength = maybe(() -> 1000 + random.nextInt(1048576 - 1000 + 1));
        limits.maxMessagesInFlight = maybe(() -> 1 + random.nextInt(100000));
        limits.exemptAllowedNetworks = maybe(random::nextBoolean);
        return limits;
    }

    /** At the bounds half of the time: 1 and 999999999 of a unit. */
    private String duration() {
        long amount = switch (random.nextInt(4)) {
            case 0 -> 1;
            case 1 -> 999_999_999;
            default -> 1 + random.nextInt(100_000);
        };
        return amount + List.of("s", "m", "h").get(random.nextInt(3));
    }

    private String cidr() {
        if (random.nextBoolean()) {
            return random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(256)
                    + "/" + random.nextInt(33);
        }
        return String.format("2001:db8:%x:%x::/%d", random.nextInt(65536), random.nextInt(65536), random.nextInt(129));
    }

    private String hostPort() {
        String host = random.nextInt(5) == 0 ? "[2001:db8::" + Integer.toHexString(1 + random.nextInt(65535)) + "]" : host();
        return host + ":" + port();
    }

    private int port() {
        return switch (random.nextInt(4)) {
            case 0 -> 1;
            case 1 -> 65535;
            default -> 1 + random.nextInt(65535);
        };
    }

    private String host() {
        return list(1, 3, this::label).stream().reduce((a, b) -> a + "." + b).orElseThrow();
    }

    private String domain() {
        return label() + "." + List.of("example", "test", "invalid").get(random.nextInt(3));
    }

    /** 1 to 63 letters, digits and inner hyphens. */
    private String label() {
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        int length = random.nextInt(10) == 0 ? 63 : 1 + random.nextInt(12);
        StringBuilder label = new StringBuilder();
        for (int i = 0; i < length; i++) {
            boolean inner = i > 0 && i < length - 1;
            label.append(inner && random.nextInt(8) == 0 ? '-' : alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return label.toString();
    }

    private String mixedCase(String text) {
        return random.nextBoolean() ? text : text.toUpperCase(Locale.ROOT);
    }

    private boolean chance(int oneIn) {
        return random.nextInt(oneIn) == 0;
    }

    private <T> T maybe(java.util.function.Supplier<T> value) {
        return random.nextBoolean() ? value.get() : null;
    }

    private <T> List<T> list(int min, int max, java.util.function.Supplier<T> element) {
        List<T> list = new ArrayList<>();
        int size = min + random.nextInt(max - min + 1);
        for (int i = 0; i < size; i++) {
            list.add(element.get());
        }
        return list;
    }
}
