package io.mailrelay.operator;

import static io.mailrelay.operator.KubeFixture.observed;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.mailrelay.api.MailRelay;
import io.mailrelay.testing.RealKubeApiServer;

/**
 * On a cluster that serves OpenShift's SecurityContextConstraints API ({@code security.openshift.io}, registered
 * here as a CRD of that group: discovery is what the operator asks), relay pods ask for no UID, GID or fsGroup
 * with the default {@code mailrelay.relay-uid=auto}: OpenShift's restricted SCC assigns them from the namespace's
 * range and refuses any other. The pod still passes PodSecurity "restricted". (On other clusters:
 * MailRelayReconcilerKubeTest, 10025.)
 */
@Tag("kube")
class OpenShiftPodSecurityKubeTest {

    @RegisterExtension
    static final RealKubeApiServer api = new RealKubeApiServer();
    static KubeFixture kube;

    @BeforeAll
    static void openShiftLikeApiServer() {
        api.client().apiextensions().v1().customResourceDefinitions().resource(new CustomResourceDefinitionBuilder()
                .withNewMetadata().withName("securitycontextconstraints.security.openshift.io").endMetadata()
                .withNewSpec().withGroup(Platform.OPENSHIFT_SECURITY_GROUP).withScope("Cluster")
                    .withNewNames().withKind("SecurityContextConstraints").withPlural("securitycontextconstraints")
                        .withSingular("securitycontextconstraints").endNames()
                    .addNewVersion().withName("v1").withServed(true).withStorage(true).withNewSchema()
                        .withNewOpenAPIV3Schema().withType("object").withXKubernetesPreserveUnknownFields(true)
                        .endOpenAPIV3Schema().endSchema().endVersion()
                .endSpec().build()).serverSideApply();
        api.client().apiextensions().v1().customResourceDefinitions()
                .withName("securitycontextconstraints.security.openshift.io")
                .waitUntilCondition(c -> c.getStatus() != null && c.getStatus().getConditions() != null
                        && c.getStatus().getConditions().stream()
                                .anyMatch(cond -> "Established".equals(cond.getType()) && "True".equals(cond.getStatus())),
                        60, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(Platform.openShift(api.client())).isTrue();
        kube = new KubeFixture(api.client());
        kube.installCrdAndStartOperator();
    }

    @AfterAll
    static void stop() {
        if (kube != null) {
            kube.stop();
        }
    }

    @Test
    void relayPodsAskForNoUidAndPassRestrictedPodSecurity() {
        String ns = "openshift-like";
        kube.namespace(ns, Map.of("pod-security.kubernetes.io/enforce", "restricted",
                "pod-security.kubernetes.io/enforce-version", "latest"));
        MailRelay relay = kube.create(kube.example("minimal.yaml", ns));
        kube.awaitRelay(ns, "minimal", observed(relay));

        var template = kube.podTemplate(ns, "minimal");
        var security = template.getSpec().getSecurityContext();
        assertThat(security.getRunAsUser()).isNull();
        assertThat(security.getRunAsGroup()).isNull();
        assertThat(security.getFsGroup()).isNull();
        assertThat(security.getRunAsNonRoot()).isTrue();
        assertThat(security.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");

        Pod pod = kube.relayPod(ns, "minimal");
        assertThat(kube.client().pods().inNamespace(ns).resource(pod).dryRun().create().getMetadata().getName())
                .isEqualTo("relay-pod");
    }
}
