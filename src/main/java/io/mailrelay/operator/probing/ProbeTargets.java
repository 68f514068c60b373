package io.mailrelay.operator.probing;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import com.google.common.net.InetAddresses;

import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.mailrelay.api.MailRelay;
import io.mailrelay.config.Cidr;
import io.mailrelay.config.HostPort;
import io.mailrelay.operator.check.ClusterNetworks;
import io.mailrelay.api.ServiceSpec;
import io.mailrelay.probe.ProxyHeader;

/**
 * Where to probe one relay: every address its Service exposes, as an attacker would find them (the
 * ClusterIPs of both families, each NodePort on each node's InternalIPs, each load balancer ingress, each
 * external IP), at most {@code cap} of them; and, for a PROXY-protocol relay, each one a second time with a
 * forged PROXY header claiming an allow-listed address.
 */
public final class ProbeTargets {

    /** @param notProbed exposed addresses left out by the cap */
    public record Plan(List<PlannedProbe> probes, int notProbed) {
    }

    private record Exposed(ExposurePath path, HostPort address, String node) {
    }

    private ProbeTargets() {
    }

    /**
     * From the live Service and the nodes. The ClusterIPs come first, then one NodePort (the commonest open
     * path), the load balancer ingress and external IPs, then the other nodes' NodePorts.
     */
    public static Plan plan(MailRelay relay, Service service, ClusterNetworks cluster, int cap) {
        int port = ServiceSpec.port(relay.getSpec().service);
        if (service == null || service.getSpec() == null) {
            return probes(relay, List.of(new Exposed(ExposurePath.ClusterIP, serviceName(relay), null)), cap);
        }
        List<Exposed> first = new ArrayList<>();
        List<Exposed> nodePorts = new ArrayList<>();
        ClusterNetworks.clusterIps(service).forEach(ip ->
                first.add(new Exposed(ExposurePath.ClusterIP, new HostPort(ip, port), null)));
        if (first.isEmpty()) {
            first.add(new Exposed(ExposurePath.ClusterIP, serviceName(relay), null));
        }
        nodePort(service, port).ifPresent(nodePort -> cluster.nodes().forEach(node -> node.internalIps().forEach(ip ->
                nodePorts.add(new Exposed(ExposurePath.NodePort,
                        new HostPort(InetAddresses.toAddrString(ip), nodePort), node.name())))));
        if (!nodePorts.isEmpty()) {
            first.add(nodePorts.remove(0));
        }
        if (service.getStatus() != null && service.getStatus().getLoadBalancer() != null
                && service.getStatus().getLoadBalancer().getIngress() != null) {
            for (LoadBalancerIngress ingress : service.getStatus().getLoadBalancer().getIngress()) {
                String host = ingress.getIp() != null && !ingress.getIp().isBlank() ? ingress.getIp() : ingress.getHostname();
                if (host != null && !host.isBlank()) {
                    first.add(new Exposed(ExposurePath.LoadBalancer, new HostPort(host, port), null));
                }
            }
        }
        if (service.getSpec().getExternalIPs() != null) {
            service.getSpec().getExternalIPs().forEach(ip ->
                    first.add(new Exposed(ExposurePath.ExternalIP, new HostPort(ip, port), null)));
        }
        first.addAll(nodePorts);
        return probes(relay, first.stream().distinct().toList(), cap);
    }

    /**
     * From the {@value RelayProber#ADDRESS_ANNOTATION} annotation (out-of-cluster runs): {@code host:port} (the
     * ClusterIP path) or a comma-separated list of {@code PATH=host:port}, e.g.
     * {@code ClusterIP=127.0.0.1:2525,NodePort=127.0.0.5:30025}.
     */
    public static Plan fromAnnotation(MailRelay relay, String annotation, int cap) {
        List<Exposed> exposed = new ArrayList<>();
        for (String item : annotation.split(",")) {
            String entry = item.strip();
            if (entry.isEmpty()) {
                continue;
            }
            int equals = entry.indexOf('=');
            ExposurePath path = equals < 0 ? ExposurePath.ClusterIP : path(entry.substring(0, equals).strip());
            exposed.add(new Exposed(path, HostPort.parse(entry.substring(equals + 1).strip(), HostPort.SMTP_PORT), null));
        }
        return probes(relay, exposed, cap);
    }

    private static Plan probes(MailRelay relay, List<Exposed> exposed, int cap) {
        List<Exposed> probed = exposed.subList(0, Math.min(cap, exposed.size()));
        boolean proxyOnly = relay.getSpec().service != null && Boolean.TRUE.equals(relay.getSpec().service.proxyProtocol);
        List<PlannedProbe> probes = new ArrayList<>();
        for (Exposed target : probed) {
            probes.add(new PlannedProbe(target.path(), target.address(), target.node(), null, proxyOnly));
            if (proxyOnly) {
                claimFor(relay.getSpec().allowedNetworks, target.address()).ifPresent(claim -> probes.add(new PlannedProbe(
                        target.path(), target.address(), target.node(), new ProxyHeader(ProxyHeader.Version.V2, claim),
                        true)));
            }
        }
        return new Plan(probes, exposed.size() - probed.size());
    }

    /**
     * An address inside allowedNetworks to claim in a forged header, of the target's family when it is an
     * address (a header's source and destination share one), else of any.
     */
    static Optional<InetAddress> claimFor(List<String> allowedNetworks, HostPort target) {
        if (allowedNetworks == null) {
            return Optional.empty();
        }
        Optional<Boolean> v6 = InetAddresses.isInetAddress(target.host())
                ? Optional.of(InetAddresses.forString(target.host()) instanceof Inet6Address) : Optional.empty();
        for (String network : allowedNetworks) {
            Cidr cidr;
            try {
                cidr = Cidr.parse(network);
            } catch (IllegalArgumentException invalid) {
                continue;
            }
            InetAddress claim = cidr.firstHost();
            if (v6.isPresent() && v6.get() != (claim instanceof Inet6Address)) {
                continue;
            }
            return Optional.of(claim);
        }
        return Optional.empty();
    }

    private static Optional<Integer> nodePort(Service service, int port) {
        if (service.getSpec().getPorts() == null) {
            return Optional.empty();
        }
        return service.getSpec().getPorts().stream()
                .filter(p -> ServiceSpec.SMTP_PORT_NAME.equals(p.getName()) || Integer.valueOf(port).equals(p.getPort()))
                .map(ServicePort::getNodePort).filter(nodePort -> nodePort != null && nodePort > 0).findFirst();
    }

    private static HostPort serviceName(MailRelay relay) {
        return new HostPort(relay.getMetadata().getName() + "." + relay.getMetadata().getNamespace() + ".svc",
                ServiceSpec.port(relay.getSpec().service));
    }

    private static ExposurePath path(String name) {
        for (ExposurePath path : ExposurePath.values()) {
            if (path.name().toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
                return path;
            }
        }
        throw new IllegalArgumentException("\"" + name + "\" is not one of ClusterIP, NodePort, LoadBalancer, ExternalIP");
    }
}
