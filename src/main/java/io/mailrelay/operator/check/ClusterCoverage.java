package io.mailrelay.operator.check;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.google.common.net.InetAddresses;

import io.mailrelay.config.Cidr;

/**
 * Which of the cluster's own networks an allow-list covers. A node's InternalIP is what clients arrive from
 * after a NodePort or a load balancer with {@code externalTrafficPolicy: Cluster} SNATs them, and on a bridge
 * pod network the first address of the node's pod CIDR (the bridge, where kube-proxy's MASQUERADE takes its
 * source from); a node's pod CIDR holds every pod on it; the Service network is the cluster's. An allow-list
 * that covers any of them lets every such client relay.
 */
final class ClusterCoverage {

    /** Names listed in one message before "and N more". */
    private static final int LISTED = 3;
    /** How far a range is split to find it covered by several entries together (2^8 pieces at most per entry). */
    private static final int SPLIT_DEPTH = 8;

    private ClusterCoverage() {
    }

    static List<Risk> risks(List<Cidr> allowed, ClusterNetworks cluster) {
        List<Risk> risks = new ArrayList<>();
        for (Cidr network : allowed) {
            List<String> covered = new ArrayList<>();
            List<String> nodeAddresses = new ArrayList<>();
            List<String> podNetworks = new ArrayList<>();
            List<String> podGateways = new ArrayList<>();
            for (ClusterNetworks.NodeNetworks node : cluster.nodes()) {
                node.internalIps().stream().filter(network::contains)
                        .forEach(ip -> nodeAddresses.add(node.name() + " " + InetAddresses.toAddrString(ip)));
                for (Cidr pods : node.podCidrs()) {
                    if (network.covers(pods)) {
                        podNetworks.add(node.name() + " " + pods);
                    } else {
                        gateway(pods).filter(network::contains)
                                .ifPresent(ip -> podGateways.add(node.name() + " " + InetAddresses.toAddrString(ip)));
                    }
                }
            }
            if (!nodeAddresses.isEmpty()) {
                covered.add("the InternalIP of " + listed(nodeAddresses, "node")
                        + " (clients SNATed by a NodePort or a load balancer with externalTrafficPolicy: Cluster arrive from it)");
            }
            if (!podNetworks.isEmpty()) {
                covered.add("the pod network of " + listed(podNetworks, "node") + " (every pod on it)");
            }
            if (!podGateways.isEmpty()) {
                covered.add("the first address of the pod CIDR of " + listed(podGateways, "node")
                        + " (the node's own address on a bridge pod network: clients a NodePort with"
                        + " externalTrafficPolicy: Cluster SNATs, and host-network pods, arrive from it)");
            }
            List<String> services = new ArrayList<>();
            cluster.serviceNetworks().stream().filter(network::overlaps).forEach(cidr -> services.add(cidr.toString()));
            if (cluster.serviceNetworks().isEmpty()) {
                cluster.serviceAddresses().stream().filter(network::contains)
                        .forEach(ip -> services.add("the kubernetes Service's ClusterIP " + InetAddresses.toAddrString(ip)));
            }
            if (!services.isEmpty()) {
                covered.add("the Service network (" + String.join(", ", services) + ")");
            }
            if (!covered.isEmpty()) {
                risks.add(new Risk(Risk.ALLOW_LIST_COVERS_CLUSTER, "allowedNetworks entry " + network + " covers "
                        + String.join("; and ", covered) + ": they could relay"));
            }
        }
        return risks;
    }

    /**
     * The first host address of a node's pod CIDR: on bridge pod networks (the CNI bridge plugin, kubenet, flannel's
     * cni0) the node's own address there, the pods' gateway. kube-proxy's MASQUERADE takes the address of the
     * interface towards the pod, so a NodePort with externalTrafficPolicy: Cluster delivers every client from it
     * (measured in the e2e tier: scripts/node.sh's bridge, 10.252.0.1 of 10.252.0.0/24, not the InternalIP).
     */
    static Optional<InetAddress> gateway(Cidr pods) {
        return Optional.of(pods.firstHost()).filter(first -> !first.equals(pods.networkAddress()));
    }

    /** True when every address of {@code range} is in at least one of {@code networks}. */
    static boolean coveredByUnion(List<Cidr> networks, Cidr range) {
        return coveredByUnion(networks, range, range.prefixLength() + SPLIT_DEPTH);
    }

    private static boolean coveredByUnion(List<Cidr> networks, Cidr piece, int deepest) {
        if (networks.stream().anyMatch(network -> network.covers(piece))) {
            return true;
        }
        List<Cidr> halves = piece.halves();
        if (piece.prefixLength() >= deepest || halves.isEmpty()
                || networks.stream().noneMatch(network -> network.overlaps(piece))) {
            return false;
        }
        return halves.stream().allMatch(half -> coveredByUnion(networks, half, deepest));
    }

    private static String listed(List<String> names, String what) {
        String first = String.join(", ", names.subList(0, Math.min(LISTED, names.size())));
        return what + (names.size() == 1 ? " " : "s ") + first
                + (names.size() > LISTED ? " and " + (names.size() - LISTED) + " more" : "");
    }
}
