package io.mailrelay.operator.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.mailrelay.api.MailRelaySpec;
import io.mailrelay.api.ServiceSpec;
import io.mailrelay.operator.Specs;

@Tag("unit")
class RiskAnalysisTest {

    @ParameterizedTest
    @ValueSource(strings = { "0.0.0.0/0", "::/0", "10.0.0.0/8", "0.0.0.0/1", "172.16.0.0/12", "172.0.0.0/8",
            "192.168.0.0/16", "100.64.0.0/10", "fc00::/7", "fc00::/6" })
    void allowListCoveringAWholeSharedRangeIsRisky(String network) {
        MailRelaySpec spec = Specs.minimal();
        spec.allowedNetworks = List.of("192.0.2.0/24", network);

        assertThat(RiskAnalysis.analyse(spec)).singleElement().satisfies(risk -> {
            assertThat(risk.reason()).isEqualTo("RiskyAllowList");
            assertThat(risk.message()).contains(network);
        });
    }

    @ParameterizedTest
    @ValueSource(strings = { "10.20.0.0/16", "10.0.0.0/9", "192.168.1.0/24", "172.16.0.0/13", "2001:db8::/32",
            "fd12:3456::/48", "203.0.113.7/32" })
    void narrowAllowListsAreNot(String network) {
        MailRelaySpec spec = Specs.minimal();
        spec.allowedNetworks = List.of(network);

        assertThat(RiskAnalysis.analyse(spec)).isEmpty();
    }

    @Test
    void externalServiceWithClusterTrafficPolicyHidesClients() {
        MailRelaySpec spec = Specs.minimal();
        spec.service = new ServiceSpec();
        spec.service.type = ServiceSpec.Type.LoadBalancer;
        spec.service.externalTrafficPolicy = ServiceSpec.TrafficPolicy.Cluster;

        assertThat(RiskAnalysis.analyse(spec)).extracting(Risk::reason).containsExactly("ClientAddressHidden");

        spec.service.proxyProtocol = true; // the PROXY header carries the real client address
        assertThat(RiskAnalysis.analyse(spec)).isEmpty();
        spec.service.proxyProtocol = false;
        spec.service.externalTrafficPolicy = null; // defaults to Local
        assertThat(RiskAnalysis.analyse(spec)).isEmpty();
    }

    @Test
    void trustedProxiesCoveringAWholeSharedRangeAreRisky() {
        MailRelaySpec spec = Specs.minimal();
        spec.service = new ServiceSpec();
        spec.service.type = ServiceSpec.Type.LoadBalancer;
        spec.service.proxyProtocol = true;
        spec.service.trustedProxies = List.of("10.0.0.0/8");

        assertThat(RiskAnalysis.analyse(spec)).singleElement().satisfies(risk -> {
            assertThat(risk.reason()).isEqualTo("RiskyTrustedProxies");
            assertThat(risk.message()).contains("10.0.0.0/8").contains("SNAT");
        });
        spec.service.trustedProxies = List.of("10.0.128.0/28"); // the load balancer's own subnet
        assertThat(RiskAnalysis.analyse(spec)).isEmpty();
    }

    @Test
    void relayForWithAnEmptyPodSelectorLetsEveryPodOfItsNamespacesRelay() {
        MailRelaySpec spec = Specs.minimal();
        spec.relayFor = new io.mailrelay.api.RelayFor();
        spec.relayFor.namespaces = List.of("apps", "batch");
        spec.relayFor.podSelector = new io.fabric8.kubernetes.api.model.LabelSelector();

        assertThat(RiskAnalysis.analyse(spec)).singleElement().satisfies(risk -> {
            assertThat(risk.reason()).isEqualTo("RelayForEveryPod");
            assertThat(risk.message()).contains("every pod of namespaces apps, batch");
        });

        spec.relayFor.serviceAccounts = List.of("mailer");
        assertThat(RiskAnalysis.analyse(spec)).as("narrowed by ServiceAccount").isEmpty();
        spec.relayFor.serviceAccounts = null;
        spec.relayFor.podSelector = new io.fabric8.kubernetes.api.model.LabelSelectorBuilder()
                .addToMatchLabels("role", "mailer").build();
        assertThat(RiskAnalysis.analyse(spec)).isEmpty();
    }
}
