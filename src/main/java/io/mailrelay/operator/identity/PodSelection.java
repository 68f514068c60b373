package io.mailrelay.operator.identity;

import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodIP;
import io.mailrelay.api.MailRelay;
import io.mailrelay.api.RelayFor;

/**
 * Which pods a MailRelay's relayFor selects, and their addresses. Only pods whose address is theirs alone: Running or
 * Pending with an IP, not terminating (an IP can be given to a new pod once the containers exited, before the grace
 * period ends), not finished, not hostNetwork (the node's address is every host-network pod's and the SNAT source of
 * the node's traffic).
 */
public final class PodSelection {

    private PodSelection() {
    }

    /** The namespaces relayFor looks in: its list, or the MailRelay's own. */
    public static List<String> namespaces(MailRelay relay) {
        RelayFor relayFor = relay.getSpec().relayFor;
        return relayFor.namespaces == null || relayFor.namespaces.isEmpty()
                ? List.of(relay.getMetadata().getNamespace()) : List.copyOf(relayFor.namespaces);
    }

    public static boolean selects(MailRelay relay, Pod pod) {
        RelayFor relayFor = relay.getSpec().relayFor;
        if (relayFor == null || !namespaces(relay).contains(pod.getMetadata().getNamespace())
                || !LabelSelectors.matches(relayFor.podSelector, pod.getMetadata().getLabels())) {
            return false;
        }
        String account = pod.getSpec() == null || pod.getSpec().getServiceAccountName() == null ? "default"
                : pod.getSpec().getServiceAccountName();
        return (relayFor.serviceAccounts == null || relayFor.serviceAccounts.isEmpty()
                || relayFor.serviceAccounts.contains(account)) && eligible(pod);
    }

    /** Every address of every selected pod (both families), sorted. */
    public static SortedSet<String> addresses(MailRelay relay, Collection<Pod> pods) {
        SortedSet<String> addresses = new TreeSet<>();
        pods.stream().filter(pod -> selects(relay, pod)).forEach(pod -> addresses.addAll(addressesOf(pod)));
        return addresses;
    }

    private static boolean eligible(Pod pod) {
        if (pod.getMetadata().getDeletionTimestamp() != null || pod.getStatus() == null) {
            return false;
        }
        if (pod.getSpec() != null && Boolean.TRUE.equals(pod.getSpec().getHostNetwork())) {
            return false;
        }
        String phase = pod.getStatus().getPhase();
        return ("Running".equals(phase) || "Pending".equals(phase)) && !addressesOf(pod).isEmpty();
    }

    private static List<String> addressesOf(Pod pod) {
        if (pod.getStatus().getPodIPs() != null && !pod.getStatus().getPodIPs().isEmpty()) {
            return pod.getStatus().getPodIPs().stream().map(PodIP::getIp).filter(Objects::nonNull).toList();
        }
        return pod.getStatus().getPodIP() == null ? List.of() : List.of(pod.getStatus().getPodIP());
    }
}
