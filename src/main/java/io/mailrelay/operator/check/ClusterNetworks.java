package io.mailrelay.operator.check;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import com.google.common.net.InetAddresses;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.networking.v1.ServiceCIDR;
import io.mailrelay.config.Cidr;

/**
 * The cluster's own networks as far as the API tells them: each node's InternalIP addresses (what SNATed
 * clients arrive from) and pod CIDRs, and the Service network (ServiceCIDR objects, Kubernetes 1.33+, else
 * the {@code kubernetes} Service's ClusterIP, the first address of the Service range).
 *
 * @param nodes every node, with its addresses and pod networks
 * @param serviceNetworks the Service CIDRs, when the ServiceCIDR API answers
 * @param serviceAddresses known Service addresses (the {@code kubernetes} Service's ClusterIPs)
 */
public record ClusterNetworks(List<NodeNetworks> nodes, List<Cidr> serviceNetworks, List<InetAddress> serviceAddresses) {

    /** Nothing known (not read yet, or not allowed to read). */
    public static final ClusterNetworks UNKNOWN = new ClusterNetworks(List.of(), List.of(), List.of());

    /** One node's InternalIP addresses (IPv4 and IPv6) and pod CIDRs. */
    public record NodeNetworks(String name, List<InetAddress> internalIps, List<Cidr> podCidrs) {
        public NodeNetworks {
            internalIps = List.copyOf(internalIps);
            podCidrs = List.copyOf(podCidrs);
        }
    }

    public ClusterNetworks {
        nodes = List.copyOf(nodes);
        serviceNetworks = List.copyOf(serviceNetworks);
        serviceAddresses = List.copyOf(serviceAddresses);
    }

    /** From API objects; unparsable addresses are left out (the API server validated them already). */
    public static ClusterNetworks of(List<Node> nodes, List<ServiceCIDR> serviceCidrs, Service kubernetesService) {
        List<NodeNetworks> nodeNetworks = nodes.stream().map(ClusterNetworks::node).toList();
        List<Cidr> serviceNetworks = new ArrayList<>();
        for (ServiceCIDR serviceCidr : serviceCidrs) {
            if (serviceCidr.getSpec() != null && serviceCidr.getSpec().getCidrs() != null) {
                serviceCidr.getSpec().getCidrs().forEach(text -> cidr(text).ifPresent(serviceNetworks::add));
            }
        }
        List<InetAddress> serviceAddresses = new ArrayList<>();
        if (kubernetesService != null && kubernetesService.getSpec() != null) {
            clusterIps(kubernetesService).forEach(ip -> address(ip).ifPresent(serviceAddresses::add));
        }
        return new ClusterNetworks(nodeNetworks, serviceNetworks, serviceAddresses);
    }

    /** A Service's ClusterIPs (both families when dual-stack), without "None". */
    public static List<String> clusterIps(Service service) {
        Set<String> ips = new LinkedHashSet<>();
        if (service.getSpec().getClusterIPs() != null) {
            ips.addAll(service.getSpec().getClusterIPs());
        }
        if (service.getSpec().getClusterIP() != null) {
            ips.add(service.getSpec().getClusterIP());
        }
        ips.removeIf(ip -> ip == null || ip.isBlank() || "None".equals(ip));
        return List.copyOf(ips);
    }

    private static NodeNetworks node(Node node) {
        List<InetAddress> internal = new ArrayList<>();
        if (node.getStatus() != null && node.getStatus().getAddresses() != null) {
            for (NodeAddress address : node.getStatus().getAddresses()) {
                if ("InternalIP".equals(address.getType())) {
                    address(address.getAddress()).ifPresent(internal::add);
                }
            }
        }
        Set<String> podCidrTexts = new LinkedHashSet<>();
        if (node.getSpec() != null) {
            if (node.getSpec().getPodCIDRs() != null) {
                podCidrTexts.addAll(node.getSpec().getPodCIDRs());
            }
            if (node.getSpec().getPodCIDR() != null) {
                podCidrTexts.add(node.getSpec().getPodCIDR());
            }
        }
        List<Cidr> podCidrs = podCidrTexts.stream().flatMap(text -> cidr(text).stream()).toList();
        return new NodeNetworks(node.getMetadata().getName(), internal, podCidrs);
    }

    private static Optional<Cidr> cidr(String text) {
        try {
            return Optional.of(Cidr.parse(text));
        } catch (IllegalArgumentException invalid) {
            return Optional.empty();
        }
    }

    private static Optional<InetAddress> address(String text) {
        try {
            return Optional.of(InetAddresses.forString(text));
        } catch (IllegalArgumentException | NullPointerException invalid) {
            return Optional.empty();
        }
    }
}
