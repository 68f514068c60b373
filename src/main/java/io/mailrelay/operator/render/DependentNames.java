package io.mailrelay.operator.render;

import io.mailrelay.api.MailRelay;

/** Names of the objects made for a MailRelay. */
public final class DependentNames {

    private DependentNames() {
    }

    public static String configMap(MailRelay relay) {
        return relay.getMetadata().getName() + "-config";
    }

    /** Workload, Service, ServiceAccount, NetworkPolicy and PodDisruptionBudget share the relay's name. */
    public static String serviceAccount(MailRelay relay) {
        return relay.getMetadata().getName();
    }

    public static String endpoint(MailRelay relay, int port) {
        return relay.getMetadata().getName() + "." + relay.getMetadata().getNamespace() + ".svc:" + port;
    }
}
