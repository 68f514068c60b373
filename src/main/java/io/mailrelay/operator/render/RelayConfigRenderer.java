package io.mailrelay.operator.render;

import io.mailrelay.api.SecretKeys;
import static java.util.Objects.requireNonNullElse;

import java.math.RoundingMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.IntStream;

import io.fabric8.kubernetes.api.model.Quantity;
import io.mailrelay.api.Authentication;
import io.mailrelay.api.DkimSigning;
import io.mailrelay.api.Limits;
import io.mailrelay.api.LocalDomain;
import io.mailrelay.api.MailRelaySpec;
import io.mailrelay.api.Outbound;
import io.mailrelay.api.Persistence;
import io.mailrelay.api.RateLimit;
import io.mailrelay.api.Route;
import io.mailrelay.api.SenderRestrictions;
import io.mailrelay.api.ServiceSpec;
import io.mailrelay.api.Smarthost;
import io.mailrelay.config.ByteSize;
import io.mailrelay.config.Cidr;
import io.mailrelay.config.Dkim;
import io.mailrelay.config.Durations;
import io.mailrelay.config.HostPort;
import io.mailrelay.config.OutboundMode;
import io.mailrelay.config.RelayConfig;
import io.mailrelay.config.RelayConfigRules;
import io.mailrelay.config.RelayYaml;
import io.mailrelay.config.SmarthostTls;

/**
 * spec → relay.yaml ({@link RelayConfig}, the relay's own type). Paths point at the mounts {@link PodTemplateFactory}
 * makes; what the spec leaves out is left out, so the relay's defaults apply.
 */
public final class RelayConfigRenderer {

    /** Where a relay.yaml field comes from in the spec, for problems found in the rendered configuration. */
    private static final Map<String, String> SPEC_FIELDS = Map.of(
            "server.hostname", "spec.hostname",
            "server.trustedProxies", "spec.service.trustedProxies",
            "spool.minFreeSpace", "spec.persistence.minFreeSpace",
            "dkim.signAllWith", "spec.dkimSignAllWith");

    private RelayConfigRenderer() {
    }

    /** @throws IllegalArgumentException naming the spec field, for a value the relay cannot read */
    public static String render(MailRelaySpec spec) {
        return RelayYaml.write(config(spec));
    }

    /**
     * What the relay's loader would refuse in the configuration rendered from this spec, before anything is applied;
     * each problem names its spec field. The files it names are the referenced Secrets, checked on their own.
     */
    public static List<String> problems(MailRelaySpec spec) {
        RelayConfig config;
        try {
            config = config(spec);
        } catch (IllegalArgumentException e) {
            return List.of(e.getMessage());
        }
        return RelayConfigRules.problems(config.withDefaults()).stream().map(RelayConfigRenderer::inSpecTerms).toList();
    }

    static RelayConfig config(MailRelaySpec spec) {
        ServiceSpec service = spec.service;
        boolean proxyProtocol = service != null && Boolean.TRUE.equals(service.proxyProtocol);
        return new RelayConfig(
                new RelayConfig.Server(null, RelayPod.SMTP_PORT, spec.hostname, proxyProtocol,
                        proxyProtocol ? cidrs("spec.service.trustedProxies", service.trustedProxies) : null, null),
                cidrs("spec.allowedNetworks", spec.allowedNetworks), localDomains(spec.localDomains),
                authentication(spec.authentication),
                spec.tls == null ? null
                        : new RelayConfig.Tls(mounted(RelayPod.TLS_DIR, "tls.crt"), mounted(RelayPod.TLS_DIR, "tls.key"),
                                null),
                outbound(spec.outbound), senderRestrictions(spec.senderRestrictions), limits(spec.limits),
                new RelayConfig.Spool(Path.of(RelayPod.SPOOL_DIR), null, null, minFreeSpace(spec.persistence)),
                null,
                new RelayConfig.Admin(mounted(RelayPod.ADMIN_DIR, RelayPod.ADMIN_TOKEN_KEY), null),
                new RelayConfig.HandOff(mounted(RelayPod.PEER_DIR, SecretKeys.USERS),
                        mounted(RelayPod.PEER_DIR, SecretKeys.USERNAME), mounted(RelayPod.PEER_DIR, SecretKeys.PASSWORD),
                        spec.tls == null, null, null),
                null, // upstreamCheck: the relay's defaults
                dkim(spec.dkim, spec.dkimSignAllWith),
                senderLogins(spec));
    }

    /** relayFor.credentials: the per-namespace users, each bound to its sender domains; AUTH in clear without tls. */
    private static RelayConfig.SenderLogins senderLogins(MailRelaySpec spec) {
        if (spec.relayFor == null || spec.relayFor.credentials == null) {
            return null;
        }
        return new RelayConfig.SenderLogins(mounted(RelayPod.CREDENTIALS_DIR, SecretKeys.USERS),
                mounted(RelayPod.CREDENTIALS_DIR, RelayPod.LOGIN_MAPS_KEY), spec.tls == null, null);
    }

    /**
     * The spec's, else the relay's default (100Mi) capped at a tenth of a small spool volume (a claim's
     * request or an emptyDir's sizeLimit: both are persistence.size).
     */
    static ByteSize minFreeSpace(Persistence persistence) {
        if (persistence != null && persistence.minFreeSpace != null) {
            return parsed("spec.persistence.minFreeSpace", persistence.minFreeSpace, RelayConfigRenderer::bytes);
        }
        ByteSize tenth = new ByteSize(bytes(Persistence.size(persistence)).bytes() / 10);
        return tenth.bytes() < RelayConfig.Spool.DEFAULT_MIN_FREE_SPACE.bytes() ? tenth : null;
    }

    private static ByteSize bytes(Quantity quantity) {
        return new ByteSize(Quantity.getAmountInBytes(quantity).setScale(0, RoundingMode.CEILING).longValueExact());
    }

    private static List<RelayConfig.LocalDomain> localDomains(List<LocalDomain> domains) {
        if (domains == null) {
            return null;
        }
        return IntStream.range(0, domains.size()).mapToObj(i -> {
            LocalDomain local = domains.get(i);
            String field = "spec.localDomains[" + i + "]";
            return new RelayConfig.LocalDomain(local.domain,
                    parsed(field + ".deliverTo", local.deliverTo, HostPort::parse),
                    local.recipientCheck,
                    local.recipients);
        }).toList();
    }

    private static RelayConfig.Authentication authentication(Authentication auth) {
        if (auth == null) {
            return null;
        }
        return new RelayConfig.Authentication(mounted(RelayPod.AUTH_DIR, SecretKeys.USERS),
                Boolean.TRUE.equals(auth.allowWithoutTls), null);
    }

    private static RelayConfig.Outbound outbound(Outbound outbound) {
        if (outbound == null) {
            return null;
        }
        RelayConfig.Smarthost smarthost = outbound.mode == OutboundMode.MX ? null
                : smarthost(outbound.smarthost, RelayPod.SMARTHOST_DIR, RelayPod.SMARTHOST_CLIENT_DIR);
        return new RelayConfig.Outbound(outbound.mode, smarthost, routes("recipient", outbound.recipientRoutes),
                routes("sender", outbound.senderRoutes));
    }

    /** Each route's credentials are mounted at its own directory (RelayPod.routeDirectory). */
    private static List<RelayConfig.Route> routes(String kind, List<Route> routes) {
        if (routes == null) {
            return null;
        }
        return IntStream.range(0, routes.size()).mapToObj(i -> new RelayConfig.Route(routes.get(i).domain,
                smarthost(routes.get(i).smarthost, RelayPod.routeDirectory(kind, i),
                        RelayPod.clientDirectory(kind, i)))).toList();
    }

    /**
     * A smarthost as the relay runs it, the relay's defaults written out; credentials mounted at {@code directory},
     * the client certificate at {@code clientDirectory}.
     */
    private static RelayConfig.Smarthost smarthost(Smarthost host, String directory, String clientDirectory) {
        if (host == null) {
            return null;
        }
        boolean credentials = host.credentialsSecret != null;
        boolean client = host.clientCertificateSecret != null;
        SmarthostTls tls = requireNonNullElse(host.tls, SmarthostTls.REQUIRED);
        return new RelayConfig.Smarthost(host.host,
                requireNonNullElse(host.port, tls.defaultPort()),
                tls,
                requireNonNullElse(host.verifyCertificate, true), null,
                credentials ? mounted(directory, SecretKeys.USERNAME) : null,
                credentials ? mounted(directory, SecretKeys.PASSWORD) : null,
                rateLimit(host.rateLimit),
                client ? mounted(clientDirectory, "tls.crt") : null,
                client ? mounted(clientDirectory, "tls.key") : null);
    }

    private static RelayConfig.RateLimit rateLimit(RateLimit limit) {
        return limit == null ? null : new RelayConfig.RateLimit(limit.messagesPerSecond, limit.recipientsPerDay);
    }

    private static RelayConfig.SenderRestrictions senderRestrictions(SenderRestrictions restrictions) {
        return restrictions == null ? null : new RelayConfig.SenderRestrictions(restrictions.allowedSenderDomains);
    }

    private static RelayConfig.Limits limits(Limits limits) {
        if (limits == null) {
            return null;
        }
        return new RelayConfig.Limits(limits.maxMessageSize, limits.maxRecipients, limits.maxConnections,
                limits.maxConnectionsPerClient, limits.maxMessagesPerClientPerMinute, limits.maxAuthFailures,
                parsed("spec.limits.authLockout", limits.authLockout, Durations::parse),
                parsed("spec.limits.commandTimeout", limits.commandTimeout, Durations::parse),
                parsed("spec.limits.idleTimeout", limits.idleTimeout, Durations::parse),
                limits.maxErrors, limits.exemptAllowedNetworks, limits.maxHops, limits.maxLineLength,
                limits.maxMessagesInFlight);
    }

    private static List<Cidr> cidrs(String field, List<String> texts) {
        if (texts == null) {
            return null;
        }
        return IntStream.range(0, texts.size())
                .mapToObj(i -> parsed(field + "[" + i + "]", texts.get(i), Cidr::parse)).toList();
    }

    /** Each key mounted at DKIM_DIR/i (PodTemplateFactory); the relay's defaults: relaxed/relaxed, From oversigned. */
    static Dkim dkim(List<DkimSigning> signing, String signAllWith) {
        if (signing == null || signing.isEmpty()) {
            return null;
        }
        List<Dkim.SigningDomain> domains = new ArrayList<>();
        for (int i = 0; i < signing.size(); i++) {
            domains.add(new Dkim.SigningDomain(signing.get(i).domain, signing.get(i).selector,
                    mounted(RelayPod.DKIM_DIR + "/" + i, SecretKeys.DKIM_PRIVATE_KEY)));
        }
        return new Dkim(domains, signAllWith, null, null);
    }

    private static Path mounted(String directory, String key) {
        return Path.of(directory, key);
    }

    private static <T, V> V parsed(String field, T value, Function<T, V> parse) {
        if (value == null) {
            return null;
        }
        try {
            return parse.apply(value);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new IllegalArgumentException(field + ": " + e.getMessage(), e);
        }
    }

    /** "limits.idleTimeout: ..." → "spec.limits.idleTimeout: ...". */
    private static String inSpecTerms(String problem) {
        String field = problem.substring(0, problem.indexOf(':'));
        String specField = SPEC_FIELDS.entrySet().stream().filter(entry -> field.startsWith(entry.getKey()))
                .map(entry -> entry.getValue() + field.substring(entry.getKey().length())).findFirst()
                .orElse("spec." + field);
        return specField + problem.substring(field.length());
    }
}
