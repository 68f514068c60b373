package io.mailrelay.proof;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.mailrelay.testing.RealKubeApiServer;

/**
 * Proves the test API server is a real one: it enforces a CRD's CEL rule, which the Fabric8 mock
 * server cannot do.
 */
@Tag("kube")
class KubeApiServerProofTest {

    @RegisterExtension
    static final RealKubeApiServer api = new RealKubeApiServer();

    private static final String CRD = """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata:
              name: ranges.proof.mailrelay.io
            spec:
              group: proof.mailrelay.io
              scope: Namespaced
              names: {kind: Range, plural: ranges, singular: range}
              versions:
                - name: v1
                  served: true
                  storage: true
                  schema:
                    openAPIV3Schema:
                      type: object
                      properties:
                        spec:
                          type: object
                          x-kubernetes-validations:
                            - rule: "self.min <= self.max"
                              message: "min must not exceed max"
                          properties:
                            min: {type: integer}
                            max: {type: integer}
            """;

    private static final ResourceDefinitionContext RANGES = new ResourceDefinitionContext.Builder()
            .withGroup("proof.mailrelay.io").withVersion("v1").withPlural("ranges").withKind("Range")
            .withNamespaced(true).build();

    @BeforeAll
    static void installCrd() {
        CustomResourceDefinition crd = api.client().apiextensions().v1().customResourceDefinitions()
                .load(new ByteArrayInputStream(CRD.getBytes(StandardCharsets.UTF_8))).item();
        api.client().resource(crd).serverSideApply();
        api.client().apiextensions().v1().customResourceDefinitions().withName("ranges.proof.mailrelay.io")
                .waitUntilCondition(c -> c.getStatus() != null && c.getStatus().getConditions() != null
                        && c.getStatus().getConditions().stream()
                        .anyMatch(cond -> "Established".equals(cond.getType()) && "True".equals(cond.getStatus())),
                        60, TimeUnit.SECONDS);
    }

    @Test
    void celRuleRefusesAnInvalidObjectAndAcceptsAValidOne() {
        var ranges = api.client().genericKubernetesResources(RANGES).inNamespace("default");

        assertThatThrownBy(() -> ranges.resource(range("upside-down", 5, 1)).create())
                .isInstanceOf(KubernetesClientException.class)
                .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(422))
                .hasMessageContaining("spec: Invalid value")
                .hasMessageContaining("min must not exceed max");
        assertThat(ranges.withName("upside-down").get()).isNull();

        ranges.resource(range("ordered", 1, 5)).create();
        assertThat(ranges.withName("ordered").get().get("spec", "max").toString()).isEqualTo("5");
    }

    @Test
    void kubectlTalksToTheSameServer() {
        var result = api.kubectl("get", "namespaces", "-o", "name").assertSuccess();
        assertThat(result.stdout()).contains("namespace/default").contains("namespace/kube-system");
    }

    private static GenericKubernetesResource range(String name, int min, int max) {
        return new GenericKubernetesResourceBuilder()
                .withApiVersion("proof.mailrelay.io/v1").withKind("Range")
                .withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .withAdditionalProperties(Map.of("spec", Map.of("min", min, "max", max)))
                .build();
    }
}
