package io.mailrelay.operator.naming;

import io.mailrelay.api.MailRelay;

/** Names of the objects made for a MailRelay. */
public final class DependentNames {

    private DependentNames() {
    }

    public static String configMap(MailRelay relay) {
        return relay.getMetadata().getName() + "-config";
    }

    /** The admin endpoint's bearer token, which the operator creates and the relay pods mount. */
    public static String adminSecret(MailRelay relay) {
        return relay.getMetadata().getName() + "-admin";
    }

    /** The Secret the operator generates a DKIM key into (spec.dkim without secretName). */
    public static String dkimSecret(MailRelay relay, String selector) {
        return relay.getMetadata().getName() + "-dkim-" + selector;
    }

    /** relayFor.credentials: the users file and login map of the per-namespace credentials, mounted by every pod. */
    public static String credentialsSecret(MailRelay relay) {
        return relay.getMetadata().getName() + "-credentials";
    }

    /** The replica-to-replica hand-off credentials, which the operator creates and every relay pod mounts. */
    public static String peerSecret(MailRelay relay) {
        return relay.getMetadata().getName() + "-peer";
    }

    /**
     * Workload, Service, NetworkPolicy and PodDisruptionBudget share the relay's name. The ServiceAccount does
     * not: a MailRelay named {@code default} must not take over the namespace's {@code default} account.
     */
    public static String serviceAccount(MailRelay relay) {
        return relay.getMetadata().getName() + "-relay";
    }

    /** The ServiceAccount name of v0.1, removed when still owned by the MailRelay. */
    public static String legacyServiceAccount(MailRelay relay) {
        return relay.getMetadata().getName();
    }

    public static String endpoint(MailRelay relay, int port) {
        return relay.getMetadata().getName() + "." + relay.getMetadata().getNamespace() + ".svc:" + port;
    }
}
