package io.mailrelay.operator;

import static io.mailrelay.operator.KubeFixture.condition;
import static io.mailrelay.operator.KubeFixture.conditionIs;
import static io.mailrelay.operator.KubeFixture.observed;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.mailrelay.api.MailRelay;
import io.mailrelay.api.ServiceSpec;
import io.mailrelay.operator.check.ClusterNetworks;
import io.mailrelay.operator.check.ClusterNetworksReader;
import io.mailrelay.operator.probing.PlannedProbe;
import io.mailrelay.operator.probing.ProbeTargets;
import io.mailrelay.api.Conditions;
import io.mailrelay.testing.RealKubeApiServer;

/**
 * The cluster's own networks read from a real API server with real Node objects (InternalIPs, pod CIDRs) and
 * its ServiceCIDR: the NetworkRisk check against them (both sides, with the Warning event), and the probe's
 * targets planned from a real LoadBalancer Service (allocated ClusterIP and NodePort, external IPs, ingress).
 * Planning only: none of these addresses is ever connected to.
 */
@Tag("kube")
class ClusterNetworksKubeTest {

    @RegisterExtension
    static final RealKubeApiServer api = new RealKubeApiServer();
    static KubeFixture kube;

    @BeforeAll
    static void nodesThenOperator() {
        kube = new KubeFixture(api.client());
        node("node-a", List.of("172.18.0.4", "fd00::4"), List.of("10.244.1.0/24", "fd00:244:1::/64"));
        node("node-b", List.of("172.18.0.5"), List.of("10.244.2.0/24"));
        kube.installCrdAndStartOperator();
    }

    @AfterAll
    static void stop() {
        kube.stop();
    }

    @Test
    void readsNodeAddressesPodNetworksAndTheServiceNetwork() {
        ClusterNetworks cluster = new ClusterNetworksReader().read(api.client());

        assertThat(cluster.nodes()).extracting(n -> n.name() + " " + n.internalIps().stream()
                .map(ip -> com.google.common.net.InetAddresses.toAddrString(ip)).toList() + " " + n.podCidrs())
                .containsExactlyInAnyOrder("node-a [172.18.0.4, fd00::4] [10.244.1.0/24, fd00:244:1::/64]",
                        "node-b [172.18.0.5] [10.244.2.0/24]");
        // the kubernetes Service's ClusterIP lies in the ServiceCIDR the API server reports
        assertThat(cluster.serviceAddresses()).hasSize(1);
        assertThat(cluster.serviceNetworks()).isNotEmpty()
                .anySatisfy(cidr -> assertThat(cidr.contains(cluster.serviceAddresses().get(0))).isTrue());
    }

    @Test
    void anAllowListCoveringANodeIsANetworkRiskWithAWarningAndOneBesideItIsNot() {
        String ns = "cluster-risk";
        kube.namespace(ns, Map.of());
        MailRelay risky = kube.example("minimal.yaml", ns);
        risky.getMetadata().setName("node-subnet");
        risky.getSpec().allowedNetworks = List.of("172.18.0.0/24");
        risky = kube.create(risky);
        MailRelay safe = kube.example("minimal.yaml", ns);
        safe.getMetadata().setName("app-subnet");
        safe.getSpec().allowedNetworks = List.of("172.18.1.0/24", "10.244.1.17/32");
        safe = kube.create(safe);

        MailRelay flagged = kube.awaitRelay(ns, "node-subnet", observed(risky).and(conditionIs(Conditions.NETWORK_RISK, "True")));
        assertThat(condition(flagged, Conditions.NETWORK_RISK).orElseThrow()).satisfies(c -> {
            assertThat(c.getReason()).isEqualTo("AllowListCoversCluster");
            assertThat(c.getMessage()).contains("172.18.0.0/24").contains("node-a 172.18.0.4").contains("node-b 172.18.0.5");
        });
        Event warning = Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> events(ns, "node-subnet").stream()
                .filter(e -> "AllowListCoversCluster".equals(e.getReason())).findFirst().orElse(null), e -> e != null);
        assertThat(warning.getType()).isEqualTo("Warning");

        MailRelay clean = kube.awaitRelay(ns, "app-subnet", observed(safe).and(conditionIs(Conditions.NETWORK_RISK, "False")));
        assertThat(condition(clean, Conditions.NETWORK_RISK).orElseThrow().getReason()).isEqualTo("NoRiskFound");
        assertThat(events(ns, "app-subnet")).extracting(Event::getReason).doesNotContain("AllowListCoversCluster");
    }

    @Test
    void everyExposedAddressOfALoadBalancerServiceIsATargetUpToTheCap() {
        String ns = "targets";
        kube.namespace(ns, Map.of());
        Service service = api.client().resource(new ServiceBuilder().withNewMetadata().withName("edge").withNamespace(ns)
                .endMetadata().withNewSpec().withType("LoadBalancer").withExternalTrafficPolicy("Cluster")
                .addNewPort().withName("smtp").withPort(25).withProtocol("TCP").endPort()
                .withExternalIPs("203.0.113.10").endSpec().build()).create();
        service.setStatus(new io.fabric8.kubernetes.api.model.ServiceStatusBuilder().withNewLoadBalancer()
                .addNewIngress().withIp("198.51.100.7").endIngress()
                .addNewIngress().withHostname("lb.example").endIngress().endLoadBalancer().build());
        service = api.client().resource(service).updateStatus();
        String clusterIp = service.getSpec().getClusterIP();
        int nodePort = service.getSpec().getPorts().get(0).getNodePort();
        ClusterNetworks cluster = new ClusterNetworksReader().read(api.client());
        MailRelay relay = kube.example("minimal.yaml", ns);
        relay.getMetadata().setName("edge");

        ProbeTargets.Plan plan = ProbeTargets.plan(relay, service, cluster, 8);

        assertThat(plan.probes()).extracting(ClusterNetworksKubeTest::row).containsExactly(
                "ClusterIP " + clusterIp + ":25 direct",
                "NodePort 172.18.0.4:" + nodePort + " (node-a) direct",
                "LoadBalancer 198.51.100.7:25 direct",
                "LoadBalancer lb.example:25 direct",
                "ExternalIP 203.0.113.10:25 direct",
                "NodePort [fd00::4]:" + nodePort + " (node-a) direct",
                "NodePort 172.18.0.5:" + nodePort + " (node-b) direct");
        assertThat(plan.notProbed()).isZero();

        ProbeTargets.Plan capped = ProbeTargets.plan(relay, service, cluster, 3);
        assertThat(capped.probes()).extracting(p -> p.path().name()).containsExactly("ClusterIP", "NodePort", "LoadBalancer");
        assertThat(capped.notProbed()).isEqualTo(4);

        // a PROXY-protocol relay: every address once more with a forged header claiming an allow-listed address
        relay.getSpec().service = new ServiceSpec();
        relay.getSpec().service.proxyProtocol = true;
        relay.getSpec().service.trustedProxies = List.of("172.18.0.0/24");
        relay.getSpec().allowedNetworks = List.of("192.168.50.0/24", "fd00:50::/64");
        ProbeTargets.Plan forged = ProbeTargets.plan(relay, service, cluster, 2);
        assertThat(forged.probes()).extracting(ClusterNetworksKubeTest::row).containsExactly(
                "ClusterIP " + clusterIp + ":25 direct",
                "ClusterIP " + clusterIp + ":25 forged PROXY v2 header claiming 192.168.50.1",
                "NodePort 172.18.0.4:" + nodePort + " (node-a) direct",
                "NodePort 172.18.0.4:" + nodePort + " (node-a) forged PROXY v2 header claiming 192.168.50.1");
        assertThat(ProbeTargets.plan(relay, service, cluster, 6).probes()).extracting(ClusterNetworksKubeTest::row)
                .contains("NodePort [fd00::4]:" + nodePort + " (node-a) forged PROXY v2 header claiming fd00:50:0:0:0:0:0:1");
    }

    private static String row(PlannedProbe probe) {
        return probe.path() + " " + probe.address() + (probe.node() == null ? "" : " (" + probe.node() + ")") + " "
                + probe.vantage();
    }

    private static List<Event> events(String ns, String name) {
        return api.client().v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName())).toList();
    }

    private static void node(String name, List<String> internalIps, List<String> podCidrs) {
        Node node = api.client().resource(new NodeBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withPodCIDR(podCidrs.get(0)).withPodCIDRs(podCidrs).endSpec().build()).create();
        NodeBuilder withStatus = new NodeBuilder(node).withNewStatus().endStatus();
        for (String ip : internalIps) {
            withStatus.editStatus().addNewAddress().withType("InternalIP").withAddress(ip).endAddress().endStatus();
        }
        withStatus.editStatus().addNewAddress().withType("Hostname").withAddress(name).endAddress().endStatus();
        api.client().resource(withStatus.build()).updateStatus();
    }
}
