package io.mailrelay.operator.render;

import io.mailrelay.api.MailRelaySpec;
import io.mailrelay.api.Outbound;

/** Reads the optional Secret references out of a spec. */
public final class SecretRefs {

    private SecretRefs() {
    }

    /** The smarthost credentials Secret, or null when there is none (mx mode, or no AUTH at the smarthost). */
    public static String smarthostCredentials(MailRelaySpec spec) {
        Outbound outbound = spec.outbound;
        if (outbound == null || outbound.mode != Outbound.Mode.smarthost || outbound.smarthost == null) {
            return null;
        }
        return outbound.smarthost.credentialsSecret;
    }
}
