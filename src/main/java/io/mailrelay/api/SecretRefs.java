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
     * @param kind {@code recipient} or {@code sender}
     * @param index the route's position in its list
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

    private static void add(List<RouteSecret> credentials, String kind, String field, List<Route> routes) {
        for (int i = 0; routes != null && i < routes.size(); i++) {
            Route route = routes.get(i);
            if (route != null && route.smarthost != null && route.smarthost.credentialsSecret != null) {
                credentials.add(new RouteSecret(field + "[" + i + "].smarthost.credentialsSecret", kind, i,
                        route.smarthost.credentialsSecret));
            }
        }
    }
}
