package io.mailrelay.operator;

import static io.mailrelay.operator.KubeFixture.conditionIs;
import static io.mailrelay.operator.KubeFixture.observed;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.mailrelay.api.MailRelay;
import io.mailrelay.api.Conditions;
import io.mailrelay.testing.RealKubeApiServer;

/** What an admin types: kubectl get mail, get mr -o wide, scale mr; against the real API server. */
@Tag("kube")
class KubectlSurfaceKubeTest {

    @RegisterExtension
    static final OperatorUnderTest operator = new OperatorUnderTest();
    static final RealKubeApiServer api = operator.api;
    static final KubeFixture kube = operator.kube;

    @Test
    void theMailCategoryListsRelaysAndWideOutputShowsNetworksOutboundAndLastProbe() {
        String ns = "surface";
        kube.namespace(ns, Map.of());
        MailRelay relay = kube.create(kube.example("minimal.yaml", ns));
        kube.awaitRelay(ns, "minimal", observed(relay).and(conditionIs(Conditions.CONFIG_VALID, "True")));

        assertThat(api.kubectl("get", "mail", "-n", ns).assertSuccess().stdout()).contains("minimal");
        String wide = api.kubectl("get", "mr", "-n", ns, "-o", "wide").assertSuccess().stdout();
        assertThat(wide.lines().findFirst().orElseThrow())
                .contains("READY", "REPLICAS", "RELAY", "ENDPOINT", "AGE", "ALLOWED", "OUTBOUND", "LAST-PROBE");
        assertThat(wide).contains("[\"10.20.0.0/16\"]").contains("mx");
        assertThat(api.kubectl("get", "mr", "-n", ns).assertSuccess().stdout().lines().findFirst().orElseThrow())
                .doesNotContain("ALLOWED");
    }

    @Test
    void kubectlScaleGoesThroughTheScaleSubresourceToTheWorkload() {
        String ns = "scaling";
        kube.namespace(ns, Map.of());
        MailRelay relay = kube.create(kube.example("minimal.yaml", ns));
        kube.awaitRelay(ns, "minimal", observed(relay).and(conditionIs(Conditions.CONFIG_VALID, "True")));

        api.kubectl("scale", "mr", "minimal", "-n", ns, "--replicas", "3").assertSuccess();

        assertThat(kube.get(ns, "minimal").getSpec().replicas).isEqualTo(3);
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> {
            StatefulSet statefulSet = api.client().apps().statefulSets().inNamespace(ns).withName("minimal").get();
            return statefulSet.getSpec().getReplicas() == 3;
        });
        MailRelay scaled = kube.awaitRelay(ns, "minimal", r -> r.getStatus() != null
                && Integer.valueOf(3).equals(r.getStatus().replicas));
        // what an HPA reads: the scale subresource with the pods' selector
        String scale = api.kubectl("get", "--raw", "/apis/mailrelay.io/v1alpha1/namespaces/" + ns
                + "/mailrelays/minimal/scale").assertSuccess().stdout();
        assertThat(scale).contains("\"replicas\":3").contains("\"selector\":\"" + scaled.getStatus().selector + "\"");
        assertThat(scaled.getStatus().selector).contains("app.kubernetes.io/instance=minimal");
        assertThat(api.client().pods().inNamespace(ns).withLabelSelector(scaled.getStatus().selector).list().getItems())
                .as("no pods without a kubelet, but the selector parses").isEmpty();
    }
}
