package io.mailrelay.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import com.google.common.net.InetAddresses;

/**
 * The rules of relay.yaml that its types cannot express: ranges, required fields, fields that go together. The
 * relay's loader applies them, and so does the operator before it applies anything, on the configuration it would
 * render. Whether the files it names exist and parse is the relay's check (only the pod has them).
 */
public final class RelayConfigRules {
    /** RFC 5321's text line limit, CRLF included: no relay may refuse shorter lines. */
    private static final int MIN_LINE_LENGTH = 1000;
    /** A line is buffered whole before it is spooled: keep one line's buffer small. */
    private static final int MAX_LINE_LENGTH = 1024 * 1024;

    private final RelayConfig config;
    private final List<String> problems = new ArrayList<>();

    private RelayConfigRules(RelayConfig config) {
        this.config = config;
    }

    /** @param config with its defaults ({@link RelayConfig#withDefaults()}); each problem is "field: why" */
    public static List<String> problems(RelayConfig config) {
        return new RelayConfigRules(config).check();
    }

    private List<String> check() {
        server(config.server());
        allowedNetworks();
        localDomains();
        authentication(config.authentication());
        tls(config.tls());
        outbound(config.outbound());
        senderRestrictions(config.senderRestrictions());
        limits(config.limits());
        spool(config.spool());
        delivery(config.delivery());
        admin(config.admin());
        handOff(config.handOff());
        positive("upstreamCheck.interval", config.upstreamCheck().interval());
        positive("upstreamCheck.certificateExpiryWarning", config.upstreamCheck().certificateExpiryWarning());
        dkim(config.dkim());
        senderLogins(config.senderLogins());
        return problems;
    }

    private void server(RelayConfig.Server server) {
        if (!InetAddresses.isInetAddress(server.listenAddress())) {
            problem("server.listenAddress", "\"" + server.listenAddress() + "\" is not an IP address");
        }
        port("server.port", server.port());
        if (!validName(server.hostname(), false)) {
            problem("server.hostname", "\"" + server.hostname() + "\" is not a valid host name");
        }
        if (server.proxyProtocol() && server.trustedProxies().isEmpty()) {
            problem("server.trustedProxies", "is required when server.proxyProtocol is true: the load balancer's "
                    + "own addresses, the only peers whose PROXY header is believed");
        }
        for (int i = 0; i < server.trustedProxies().size(); i++) {
            if (server.trustedProxies().get(i) == null) {
                problem("server.trustedProxies[" + i + "]", "must not be empty");
            }
        }
        positive("server.proxyHeaderTimeout", server.proxyHeaderTimeout());
    }

    private void allowedNetworks() {
        for (int i = 0; i < config.allowedNetworks().size(); i++) {
            if (config.allowedNetworks().get(i) == null) {
                problem("allowedNetworks[" + i + "]", "must not be empty");
            }
        }
    }

    private void localDomains() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < config.localDomains().size(); i++) {
            String field = "localDomains[" + i + "]";
            RelayConfig.LocalDomain local = config.localDomains().get(i);
            if (local == null) {
                problem(field, "must not be empty");
                continue;
            }
            if (!validName(local.domain(), true)) {
                problem(field + ".domain", "\"" + local.domain() + "\" is not a valid domain");
            } else if (!seen.add(DomainNames.normalize(local.domain()))) {
                problem(field + ".domain", "\"" + local.domain() + "\" is listed twice");
            }
            if (local.deliverTo() == null) {
                problem(field + ".deliverTo", "is required (host:port)");
            }
            recipients(field, local);
        }
    }

    private void recipients(String field, RelayConfig.LocalDomain local) {
        if (local.recipientCheck() != RecipientCheck.LIST) {
            if (!local.recipients().isEmpty()) {
                problem(field + ".recipients", "is only used with recipientCheck: list");
            }
            return;
        }
        if (local.recipients().isEmpty()) {
            problem(field + ".recipients", "is required and must not be empty with recipientCheck: list");
        }
        for (int i = 0; i < local.recipients().size(); i++) {
            String text = local.recipients().get(i);
            Optional<RecipientPattern> pattern = RecipientPattern.parse(text);
            if (pattern.isEmpty()) {
                problem(field + ".recipients[" + i + "]", "\"" + text + "\" is not local-part@domain");
            } else if (local.domain() != null
                    && !pattern.get().domain().equals(DomainNames.normalize(local.domain()))) {
                problem(field + ".recipients[" + i + "]", "\"" + text + "\" is not in domain " + local.domain());
            }
        }
    }

    private void authentication(RelayConfig.Authentication auth) {
        if (auth == null) {
            return;
        }
        positive("authentication.reloadInterval", auth.reloadInterval());
        if (auth.usersFile() == null) {
            problem("authentication.usersFile", "is required when authentication is configured");
        }
    }

    private void tls(RelayConfig.Tls tls) {
        if (tls == null) {
            return;
        }
        if (tls.certificateFile() == null) {
            problem("tls.certificateFile", "is required when tls is configured");
        }
        if (tls.keyFile() == null) {
            problem("tls.keyFile", "is required when tls is configured");
        }
        positive("tls.reloadInterval", tls.reloadInterval());
    }

    private void outbound(RelayConfig.Outbound outbound) {
        if (outbound == null) {
            problem("outbound", "is required (mode: smarthost or mx)");
            return;
        }
        if (outbound.mode() == null) {
            problem("outbound.mode", "is required (smarthost or mx)");
        }
        RelayConfig.Smarthost smarthost = outbound.smarthost();
        if (outbound.mode() == OutboundMode.SMARTHOST && smarthost == null) {
            problem("outbound.smarthost", "is required when outbound.mode is smarthost");
        }
        if (smarthost != null) {
            smarthost("outbound.smarthost", smarthost);
        }
        Set<String> local = new HashSet<>();
        config.localDomains().stream().filter(d -> d != null && d.domain() != null)
                .forEach(d -> local.add(DomainNames.normalize(d.domain())));
        routes("outbound.recipientRoutes", outbound.recipientRoutes(), local);
        routes("outbound.senderRoutes", outbound.senderRoutes(), Set.of());
    }

    /**
     * Each route names a valid domain once and has a smarthost; a recipient route's domain is not a local domain
     * ({@code taken}): a domain has one route, never two that an order would have to choose between.
     */
    private void routes(String field, List<RelayConfig.Route> routes, Set<String> taken) {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < routes.size(); i++) {
            String at = field + "[" + i + "]";
            RelayConfig.Route route = routes.get(i);
            if (route == null) {
                problem(at, "must not be empty");
                continue;
            }
            if (!validName(route.domain(), false)) {
                problem(at + ".domain", "\"" + route.domain() + "\" is not a valid domain");
            } else if (!seen.add(DomainNames.normalize(route.domain()))) {
                problem(at + ".domain", "\"" + route.domain() + "\" is listed twice");
            } else if (taken.contains(DomainNames.normalize(route.domain()))) {
                problem(at + ".domain", "\"" + route.domain() + "\" is a local domain: its mail goes to its deliverTo");
            }
            if (route.smarthost() == null) {
                problem(at + ".smarthost", "is required");
            } else {
                smarthost(at + ".smarthost", route.smarthost());
            }
        }
    }

    private void smarthost(String field, RelayConfig.Smarthost smarthost) {
        if (smarthost.host() == null || smarthost.host().isBlank()) {
            problem(field + ".host", "is required");
        }
        port(field + ".port", smarthost.port());
        if ((smarthost.usernameFile() == null) != (smarthost.passwordFile() == null)) {
            problem(field + (smarthost.usernameFile() == null ? ".usernameFile" : ".passwordFile"),
                    "usernameFile and passwordFile go together");
        }
        rateLimit(field + ".rateLimit", smarthost.rateLimit());
        if ((smarthost.clientCertificateFile() == null) != (smarthost.clientKeyFile() == null)) {
            problem(field + (smarthost.clientCertificateFile() == null ? ".clientCertificateFile" : ".clientKeyFile"),
                    "clientCertificateFile and clientKeyFile go together");
        }
        if (smarthost.clientCertificateFile() != null && smarthost.tls() == SmarthostTls.NONE) {
            problem(field + ".clientCertificateFile", "needs TLS (tls is none)");
        }
    }

    /** A smarthost's rate limit: each value positive when set, at least one set. */
    private void rateLimit(String field, RelayConfig.RateLimit limit) {
        if (limit == null) {
            return;
        }
        if (limit.messagesPerSecond() == null && limit.recipientsPerDay() == null) {
            problem(field, "set messagesPerSecond, recipientsPerDay or both");
        }
        if (limit.messagesPerSecond() != null) {
            positive(field + ".messagesPerSecond", limit.messagesPerSecond());
        }
        if (limit.recipientsPerDay() != null) {
            positive(field + ".recipientsPerDay", limit.recipientsPerDay());
        }
    }

    private void senderRestrictions(RelayConfig.SenderRestrictions restrictions) {
        if (restrictions == null) {
            return;
        }
        if (restrictions.allowedSenderDomains().isEmpty()) {
            problem("senderRestrictions.allowedSenderDomains", "must list at least one domain");
        }
        for (int i = 0; i < restrictions.allowedSenderDomains().size(); i++) {
            String domain = restrictions.allowedSenderDomains().get(i);
            if (!validName(domain, false)) {
                problem("senderRestrictions.allowedSenderDomains[" + i + "]", "\"" + domain + "\" is not a valid domain");
            }
        }
    }

    private void limits(RelayConfig.Limits limits) {
        positive("limits.maxMessageSize", limits.maxMessageSize());
        positive("limits.maxRecipients", limits.maxRecipients());
        positive("limits.maxConnections", limits.maxConnections());
        positive("limits.maxConnectionsPerClient", limits.maxConnectionsPerClient());
        positive("limits.maxMessagesPerClientPerMinute", limits.maxMessagesPerClientPerMinute());
        positive("limits.maxAuthFailures", limits.maxAuthFailures());
        positive("limits.maxErrors", limits.maxErrors());
        positive("limits.maxHops", limits.maxHops());
        positive("limits.maxMessagesInFlight", limits.maxMessagesInFlight());
        if (limits.maxLineLength() < MIN_LINE_LENGTH || limits.maxLineLength() > MAX_LINE_LENGTH) {
            problem("limits.maxLineLength", "must be between " + MIN_LINE_LENGTH + " (RFC 5321) and " + MAX_LINE_LENGTH
                    + ", was " + limits.maxLineLength());
        }
        positive("limits.authLockout", limits.authLockout());
        positive("limits.commandTimeout", limits.commandTimeout());
        positive("limits.idleTimeout", limits.idleTimeout());
    }

    private void spool(RelayConfig.Spool spool) {
        if (!spool.directory().isAbsolute()) {
            problem("spool.directory", "\"" + spool.directory() + "\" must be an absolute path");
        }
        if (spool.retrySchedule().isEmpty()) {
            problem("spool.retrySchedule", "must list at least one interval");
        }
        for (int i = 0; i < spool.retrySchedule().size(); i++) {
            positive("spool.retrySchedule[" + i + "]", spool.retrySchedule().get(i));
        }
        positive("spool.maxQueueLifetime", spool.maxQueueLifetime());
    }

    private void admin(RelayConfig.Admin admin) {
        positive("admin.reloadInterval", admin.reloadInterval());
    }

    private void handOff(RelayConfig.HandOff handOff) {
        if (handOff == null) {
            return;
        }
        required("handOff.usersFile", handOff.usersFile());
        required("handOff.usernameFile", handOff.usernameFile());
        required("handOff.passwordFile", handOff.passwordFile());
        notNegative("handOff.deliverFor", handOff.deliverFor().toMillis());
        positive("handOff.reloadInterval", handOff.reloadInterval());
    }

    private void senderLogins(RelayConfig.SenderLogins logins) {
        if (logins == null) {
            return;
        }
        positive("senderLogins.reloadInterval", logins.reloadInterval());
        if (logins.usersFile() == null) {
            problem("senderLogins.usersFile", "is required when senderLogins is configured");
        }
        if (logins.loginMapsFile() == null) {
            problem("senderLogins.loginMapsFile", "is required when senderLogins is configured");
        }
    }

    private void dkim(Dkim dkim) {
        if (dkim == null) {
            return;
        }
        if (dkim.domains().isEmpty()) {
            problem("dkim.domains", "must list at least one signing domain");
        }
        Set<String> seen = new HashSet<>();
        Set<String> domains = new HashSet<>();
        for (int i = 0; i < dkim.domains().size(); i++) {
            String field = "dkim.domains[" + i + "]";
            Dkim.SigningDomain signing = dkim.domains().get(i);
            if (signing == null) {
                problem(field, "must not be empty");
                continue;
            }
            if (!validName(signing.domain(), false)) {
                problem(field + ".domain", "\"" + signing.domain() + "\" is not a valid domain");
            } else {
                domains.add(DomainNames.normalize(signing.domain()));
            }
            if (signing.selector() == null || !DomainNames.isHostName(signing.selector().toLowerCase(java.util.Locale.ROOT))) {
                problem(field + ".selector", "\"" + signing.selector() + "\" is not a selector (DNS labels)");
            } else if (signing.domain() != null && !seen.add(DomainNames.normalize(signing.domain()) + " "
                    + signing.selector().toLowerCase(java.util.Locale.ROOT))) {
                problem(field + ".selector", "\"" + signing.selector() + "\" is listed twice for " + signing.domain());
            }
            if (signing.keyFile() == null) {
                problem(field + ".keyFile", "is required (a PEM private key, RSA or Ed25519)");
            }
        }
        if (dkim.signAllWith() != null && !domains.contains(DomainNames.normalize(dkim.signAllWith()))) {
            problem("dkim.signAllWith", "\"" + dkim.signAllWith() + "\" is not one of dkim.domains");
        }
        for (int i = 0; i < dkim.headers().size(); i++) {
            String name = dkim.headers().get(i);
            if (name == null || !name.matches("[!-9;-~]+")) {
                problem("dkim.headers[" + i + "]", "\"" + name + "\" is not a header field name");
            }
        }
        if (!List.of("relaxed/relaxed", "relaxed/simple", "simple/relaxed", "simple/simple")
                .contains(dkim.canonicalization())) {
            problem("dkim.canonicalization", "\"" + dkim.canonicalization()
                    + "\" is not header/body, each relaxed or simple");
        }
    }

    private void required(String field, Object value) {
        if (value == null) {
            problem(field, "is required when handOff is configured");
        }
    }

    private void port(String field, int port) {
        if (port < 1 || port > 65535) {
            problem(field, port + " is not a port (1-65535)");
        }
    }

    private void delivery(RelayConfig.Delivery delivery) {
        positive("delivery.processLimit", delivery.processLimit());
        positive("delivery.destinationConcurrencyLimit", delivery.destinationConcurrencyLimit());
        notNegative("delivery.mxAddressLimit", delivery.mxAddressLimit());
        notNegative("delivery.mxSessionLimit", delivery.mxSessionLimit());
        RelayConfig.Timeouts timeouts = delivery.timeouts();
        positive("delivery.timeouts.connect", timeouts.connect());
        positive("delivery.timeouts.helo", timeouts.helo());
        positive("delivery.timeouts.starttls", timeouts.starttls());
        positive("delivery.timeouts.mail", timeouts.mail());
        positive("delivery.timeouts.rcpt", timeouts.rcpt());
        positive("delivery.timeouts.dataInit", timeouts.dataInit());
        positive("delivery.timeouts.dataXfer", timeouts.dataXfer());
        positive("delivery.timeouts.dataDone", timeouts.dataDone());
    }

    private void notNegative(String field, Number value) {
        if (value == null || value.longValue() < 0) {
            problem(field, "must be 0 (no limit) or more, was " + value);
        }
    }

    private void positive(String field, Number value) {
        if (value == null || value.longValue() <= 0) {
            problem(field, "must be greater than 0, was " + value);
        }
    }

    private void positive(String field, Duration value) {
        if (value == null || value.isZero() || value.isNegative()) {
            problem(field, "must be longer than 0, was " + value);
        }
    }

    /** Written as admins write them: any case, one trailing dot allowed. */
    private static boolean validName(String text, boolean addressLiteral) {
        if (text == null) {
            return false;
        }
        String name = DomainNames.normalize(text);
        return addressLiteral ? DomainNames.isMailDomain(name) : DomainNames.isHostName(name);
    }

    private void problem(String field, String message) {
        problems.add(field + ": " + message);
    }
}
