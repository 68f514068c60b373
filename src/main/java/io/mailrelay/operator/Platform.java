package io.mailrelay.operator;

import io.fabric8.kubernetes.client.KubernetesClient;

/** What the operator learns about its cluster from API discovery, which every authenticated client may read. */
final class Platform {

    /** OpenShift's SecurityContextConstraints API: the SCCs that assign each namespace its UID range. */
    static final String OPENSHIFT_SECURITY_GROUP = "security.openshift.io";

    private Platform() {
    }

    static boolean openShift(KubernetesClient client) {
        return client.getApiGroup(OPENSHIFT_SECURITY_GROUP) != null;
    }
}
