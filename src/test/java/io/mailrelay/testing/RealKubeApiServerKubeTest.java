package io.mailrelay.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;

/**
 * The benchmark's API server gives more Services a ClusterIP than kube-api-test's own range holds: 10.0.0.0/24,
 * about 250, after which it answers "range is full".
 */
@Tag("kube")
class RealKubeApiServerKubeTest {

    @RegisterExtension
    static final RealKubeApiServer api = new RealKubeApiServer().withServiceRange("10.96.0.0/16");

    @Test
    void moreServicesThanTheDefaultRangeHoldsGetAClusterIp() {
        List<String> addresses = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            Service service = api.client().services().inNamespace("default").resource(new ServiceBuilder()
                    .withNewMetadata().withName("service-" + i).endMetadata()
                    .withNewSpec().addNewPort().withPort(25).endPort().endSpec().build()).create();
            addresses.add(service.getSpec().getClusterIP());
        }
        assertThat(addresses).doesNotContainNull().doesNotHaveDuplicates().anyMatch(ip -> ip.startsWith("10.96."));
    }

    @Test
    void aServiceRangeFlagIsRefusedSinceKubeApiTestsOwnOverridesIt() {
        assertThatThrownBy(() -> new RealKubeApiServer(List.of("--service-cluster-ip-range=10.96.0.0/16")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("withServiceRange");
    }
}
