package io.mailrelay.api;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import io.mailrelay.config.OutboundMode;

/** Reads the optional Secret references out of a spec. */
public final class SecretRefs {

    private SecretRefs() {
    }

    /** Every Secret the spec names (TLS, users, smarthost and route credentials, DKIM keys), all in the MailRelay's namespace. */
    public static Set<String> names(MailRelaySpec spec) {
        Set<String> names = new LinkedHashSet<>();
        if (spec.tls != null && spec.tls.secretName != null) {
            names.add(spec.tls.secretName);
        }
        if (spec.authentication != null && spec.authentication.usersSecret != null) {
            names.add(spec.authentication.usersSecret);
        }
        String credentials = smarthostCredentials(spec);
        if (credentials != null) {
            names.add(credentials);
        }
        routeCredentials(spec).forEach(route -> names.add(route.secretName()));
        clientCertificates(spec).forEach(certificate -> names.add(certificate.secretName()));
        if (spec.dkim != null) {
            spec.dkim.stream().filter(signing -> signing.secretName != null).forEach(signing -> names.add(signing.secretName));
        }
        return names;
    }

    /** The smarthost credentials Secret, or null when there is none (mx mode, or no AUTH at the smarthost). */
    public static String smarthostCredentials(MailRelaySpec spec) {
        Outbound outbound = spec.outbound;
        if (outbound == null || outbound.mode != OutboundMode.SMARTHOST || outbound.smarthost == null) {
            return null;
        }
        return outbound.smarthost.credentialsSecret;
    }

    /**
     * A Secret a route's smarthost names.
     *
     * @param field the spec field naming it, e.g. {@code outbound.senderRoutes[0].smarthost.credentialsSecret}
     * @param kind {@code recipient} or {@code sender}; {@code smarthost} for outbound.smarthost's client certificate
     * @param index the route's position in its list (0 for the smarthost)
     */
    public record RouteSecret(String field, String kind, int index, String secretName) {
    }

    /** The credentials Secrets of the recipient routes, then of the sender routes, those that have one. */
    public static List<RouteSecret> routeCredentials(MailRelaySpec spec) {
        List<RouteSecret> credentials = new ArrayList<>();
        if (spec.outbound != null) {
            add(credentials, "recipient", "outbound.recipientRoutes", spec.outbound.recipientRoutes);
            add(credentials, "sender", "outbound.senderRoutes", spec.outbound.senderRoutes);
        }
        return credentials;
    }

    /**
     * The client certificate Secrets (kubernetes.io/tls): the smarthost's (smarthost mode; kind {@code smarthost}),
     * then the recipient routes', then the sender routes', those that have one.
     */
    public static List<RouteSecret> clientCertificates(MailRelaySpec spec) {
        List<RouteSecret> certificates = new ArrayList<>();
        Outbound outbound = spec.outbound;
        if (outbound == null) {
            return certificates;
        }
        if (outbound.mode == OutboundMode.SMARTHOST && outbound.smarthost != null
                && outbound.smarthost.clientCertificateSecret != null) {
            certificates.add(new RouteSecret("outbound.smarthost.clientCertificateSecret", "smarthost", 0,
                    outbound.smarthost.clientCertificateSecret));
        }
        addClients(certificates, "recipient", "outbound.recipientRoutes", outbound.recipientRoutes);
        addClients(certificates, "sender", "outbound.senderRoutes", outbound.senderRoutes);
        return certificates;
    }

    private static void add(List<RouteSecret> credentials, String kind, String field, List<Route> routes) {
        for (int i = 0; routes != null && i < routes.size(); i++) {
            Route route = routes.get(i);
            if (route != null && route.smarthost != null && route.smarthost.credentialsSecret != null) {
                credentials.add(new RouteSecret(field + "[" + i + "].smarthost.credentialsSecret", kind, i,
                        route.smarthost.credentialsSecret));
            }
        }
    }

    private static void addClients(List<RouteSecret> certificates, String kind, String field, List<Route> routes) {
        for (int i = 0; routes != null && i < routes.size(); i++) {
            Route route = routes.get(i);
            if (route != null && route.smarthost != null && route.smarthost.clientCertificateSecret != null) {
                certificates.add(new RouteSecret(field + "[" + i + "].smarthost.clientCertificateSecret", kind, i,
                        route.smarthost.clientCertificateSecret));
            }
        }
    }
}
