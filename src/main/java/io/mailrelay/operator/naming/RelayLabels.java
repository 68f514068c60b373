package io.mailrelay.operator.naming;

import java.util.LinkedHashMap;
import java.util.Map;

import io.mailrelay.api.MailRelay;
import io.mailrelay.operator.OperatorSettings;

/** The recommended app.kubernetes.io labels of everything made for one MailRelay. */
public final class RelayLabels {

    public static final String NAME = "app.kubernetes.io/name";
    public static final String INSTANCE = "app.kubernetes.io/instance";
    public static final String COMPONENT = "app.kubernetes.io/component";
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String APP = "mailrelay";
    public static final String MANAGED_BY_SELECTOR = MANAGED_BY + "=" + OperatorSettings.FIELD_MANAGER;

    private RelayLabels() {
    }

    /** Selects the pods of one relay; never changes for the life of the MailRelay (selectors are immutable). */
    public static Map<String, String> selector(MailRelay relay) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(NAME, APP);
        labels.put(INSTANCE, relay.getMetadata().getName());
        return labels;
    }

    public static Map<String, String> all(MailRelay relay) {
        Map<String, String> labels = selector(relay);
        labels.put(COMPONENT, "relay");
        labels.put(MANAGED_BY, OperatorSettings.FIELD_MANAGER);
        return labels;
    }
}
