package io.mailrelay.api;

import java.util.LinkedHashSet;
import java.util.Set;

import io.mailrelay.config.OutboundMode;

/** Reads the optional Secret references out of a spec. */
public final class SecretRefs {

    private SecretRefs() {
    }

    /** Every Secret the spec names (TLS, users, smarthost credentials, DKIM keys), all in the MailRelay's namespace. */
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
}
