package io.mailrelay.operator.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.mailrelay.api.MailRelaySpec;
import io.mailrelay.config.Cidr;

/** The allow-list against the cluster's own networks, and wide ranges covered by several entries together. */
@Tag("unit")
class ClusterCoverageTest {

    private static final ClusterNetworks CLUSTER = new ClusterNetworks(List.of(
            node("node-a", List.of("172.18.0.4", "fd00::4"), List.of("10.244.1.0/24", "fd00:244:1::/64")),
            node("node-b", List.of("172.18.0.5"), List.of("10.244.2.0/24"))),
            List.of(Cidr.parse("10.96.0.0/12")), List.of(address("10.96.0.1")));

    @Test
    void aNodeAddressInTheAllowListIsARiskAndANeighbourIsNot() {
        assertThat(risks("172.18.0.0/24")).singleElement().satisfies(risk -> {
            assertThat(risk.reason()).isEqualTo(Risk.ALLOW_LIST_COVERS_CLUSTER);
            assertThat(risk.message()).contains("172.18.0.0/24").contains("nodes node-a 172.18.0.4, node-b 172.18.0.5")
                    .contains("externalTrafficPolicy: Cluster");
        });
        assertThat(risks("172.18.0.4/32")).singleElement()
                .satisfies(risk -> assertThat(risk.message()).contains("node node-a 172.18.0.4"));
        assertThat(risks("fd00::/64")).singleElement()
                .satisfies(risk -> assertThat(risk.message()).contains("node-a fd00::4"));
        assertThat(risks("172.18.1.0/24", "172.18.0.6/32", "fd00:1::/64")).isEmpty();
    }

    @Test
    void aWholePodNetworkIsARiskButOnePodIsNot() {
        assertThat(risks("10.244.0.0/16")).singleElement().satisfies(risk -> assertThat(risk.message())
                .contains("the pod network of nodes node-a 10.244.1.0/24, node-b 10.244.2.0/24 (every pod on it)"));
        assertThat(risks("10.244.1.0/24")).singleElement()
                .satisfies(risk -> assertThat(risk.message()).contains("node node-a 10.244.1.0/24"));
        // one app pod (or a few) allow-listed is what allowedNetworks is for
        assertThat(risks("10.244.1.17/32", "10.244.2.128/25", "fd00:244:1::17/128")).isEmpty();
    }

    @Test
    void theFirstAddressOfAPodCidrIsARiskTheNodeSnatsNodePortClientsToIt() {
        // on a bridge pod network the node's address there: kube-proxy masquerades NodePort traffic
        // (externalTrafficPolicy: Cluster) to it, as MailRelayE2E measures (10.252.0.1 on scripts/node.sh's node)
        assertThat(risks("10.244.1.1/32")).singleElement().satisfies(risk -> {
            assertThat(risk.reason()).isEqualTo(Risk.ALLOW_LIST_COVERS_CLUSTER);
            assertThat(risk.message()).isEqualTo("allowedNetworks entry 10.244.1.1/32 covers the first address of the"
                    + " pod CIDR of node node-a 10.244.1.1 (the node's own address on a bridge pod network: clients a"
                    + " NodePort with externalTrafficPolicy: Cluster SNATs, and host-network pods, arrive from it):"
                    + " they could relay");
        });
        assertThat(risks("10.244.2.0/25")).singleElement()
                .satisfies(risk -> assertThat(risk.message()).contains("node node-b 10.244.2.1 (the node's own address"));
        assertThat(risks("fd00:244:1::1/128")).singleElement()
                .satisfies(risk -> assertThat(risk.message()).contains("node node-a fd00:244:1::1"));
        // the whole pod network is named once, as the pod network
        assertThat(risks("10.244.1.0/24")).singleElement()
                .satisfies(risk -> assertThat(risk.message()).doesNotContain("first address"));
        // the next address is a pod's
        assertThat(risks("10.244.1.2/32", "10.244.2.2/31")).isEmpty();
    }

    @Test
    void theServiceNetworkIsARiskFromItsCidrOrTheKubernetesServiceAddress() {
        assertThat(risks("10.96.0.0/16")).singleElement()
                .satisfies(risk -> assertThat(risk.message()).contains("the Service network (10.96.0.0/12)"));
        assertThat(risks("10.112.0.0/16")).isEmpty();

        // without the ServiceCIDR API: the kubernetes Service's ClusterIP is the first address of the range
        ClusterNetworks older = new ClusterNetworks(List.of(), List.of(), List.of(address("10.96.0.1")));
        assertThat(ClusterCoverage.risks(List.of(Cidr.parse("10.96.0.0/24")), older)).singleElement()
                .satisfies(risk -> assertThat(risk.message()).contains("the kubernetes Service's ClusterIP 10.96.0.1"));
        assertThat(ClusterCoverage.risks(List.of(Cidr.parse("10.97.0.0/24")), older)).isEmpty();
    }

    @Test
    void nothingKnownAboutTheClusterFindsNothing() {
        assertThat(ClusterCoverage.risks(List.of(Cidr.parse("172.18.0.0/24")), ClusterNetworks.UNKNOWN)).isEmpty();
    }

    @Test
    void wideRangesCoveredOnlyByEntriesTogetherAreRisks() {
        // (a /1 alone already includes a private range, which the single-entry check names)
        assertThat(analyse("10.0.0.0/9", "10.128.0.0/9")).singleElement()
                .satisfies(risk -> assertThat(risk.message()).isEqualTo("allowedNetworks together include the whole"
                        + " private range 10.0.0.0/8: every pod and every SNATed client could relay"));
        assertThat(analyse("10.0.0.0/9", "10.128.0.0/9", "192.168.0.0/17", "192.168.128.0/17", "172.16.0.0/13",
                "172.24.0.0/13")).singleElement()
                .satisfies(risk -> assertThat(risk.message()).contains("all of RFC 1918"));
        assertThat(analyse("fc00::/8", "fd00::/8")).singleElement()
                .satisfies(risk -> assertThat(risk.message()).contains("the whole unique-local range fc00::/7"));
        // half of a range is not all of it
        assertThat(analyse("10.0.0.0/9", "10.128.0.0/10")).isEmpty();
        assertThat(analyse("192.168.0.0/17", "192.0.2.0/24")).isEmpty();
    }

    @Test
    void halvesSplitANetworkInTwo() {
        assertThat(Cidr.parse("10.0.0.0/8").halves()).extracting(Cidr::toString)
                .containsExactly("10.0.0.0/9", "10.128.0.0/9");
        assertThat(Cidr.parse("10.1.2.3/32").halves()).isEmpty();
        assertThat(Cidr.parse("10.1.2.3/8").networkAddress().getHostAddress()).isEqualTo("10.0.0.0");
    }

    @Test
    void theFirstHostFollowsTheNetworkAddressExceptInNetworksOfOneOrTwoAddresses() {
        assertThat(Cidr.parse("10.252.0.0/24").firstHost().getHostAddress()).isEqualTo("10.252.0.1");
        assertThat(Cidr.parse("10.252.0.77/24").firstHost().getHostAddress()).isEqualTo("10.252.0.1");
        assertThat(Cidr.parse("fd00:50::/64").firstHost()).isEqualTo(address("fd00:50::1"));
        assertThat(Cidr.parse("10.0.0.4/31").firstHost().getHostAddress()).isEqualTo("10.0.0.4");
        assertThat(Cidr.parse("10.0.0.5/32").firstHost().getHostAddress()).isEqualTo("10.0.0.5");
        assertThat(Cidr.parse("fd00::7/128").firstHost()).isEqualTo(address("fd00::7"));
    }

    private static List<Risk> risks(String... allowed) {
        return ClusterCoverage.risks(List.of(allowed).stream().map(Cidr::parse).toList(), CLUSTER);
    }

    private static List<Risk> analyse(String... allowed) {
        MailRelaySpec spec = new MailRelaySpec();
        spec.allowedNetworks = List.of(allowed);
        return RiskAnalysis.analyse(spec);
    }

    private static ClusterNetworks.NodeNetworks node(String name, List<String> ips, List<String> podCidrs) {
        return new ClusterNetworks.NodeNetworks(name, ips.stream().map(ClusterCoverageTest::address).toList(),
                podCidrs.stream().map(Cidr::parse).toList());
    }

    private static InetAddress address(String literal) {
        return com.google.common.net.InetAddresses.forString(literal);
    }
}
