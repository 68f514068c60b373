package io.mailrelay.operator.render;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.mailrelay.api.MailRelay;
import io.mailrelay.api.MailRelaySpec;
import io.mailrelay.config.RelayConfig;
import io.mailrelay.config.RelayYaml;
import io.mailrelay.relay.config.RelayConfigLoader;

/**
 * The relay.yaml contract end to end, without a cluster: what the operator renders from a spec is read by the relay's
 * own loader (rules and mounted files included) unchanged, and reads back as exactly what was rendered.
 */
@Tag("unit")
class RelayContractTest {
    static final int RANDOM_SPECS = 300;

    @TempDir
    static Path root;
    static PodMounts mounts;

    @BeforeAll
    static void mounts() {
        mounts = new PodMounts(root);
    }

    @Test
    void everyExampleRendersIntoAConfigurationTheRelayLoads() throws Exception {
        List<Path> examples;
        try (var files = Files.list(Path.of("deploy", "examples"))) {
            examples = files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(examples).hasSizeGreaterThanOrEqualTo(5);
        for (Path example : examples) {
            MailRelaySpec spec = mailRelay(example).getSpec();
            assertRelayRunsWhatIsRendered(example.toString(), spec);
        }
    }

    @Test
    void randomSpecsWithinTheSchemaRenderIntoConfigurationsTheRelayLoads() throws Exception {
        RandomSpecs specs = new RandomSpecs(20261203L);
        for (int i = 0; i < RANDOM_SPECS; i++) {
            MailRelaySpec spec = specs.next();
            assertRelayRunsWhatIsRendered("random spec " + i + ": " + Serialization.asYaml(spec), spec);
        }
    }

    private static void assertRelayRunsWhatIsRendered(String what, MailRelaySpec spec) throws Exception {
        assertThat(RelayConfigRenderer.problems(spec)).as(what).isEmpty();
        String yaml = RelayConfigRenderer.render(spec);
        RelayConfig rendered = RelayConfigRenderer.config(spec);

        RelayConfig loaded = RelayConfigLoader.parse(yaml, mounts.resolver());

        assertThat(RelayYaml.read(yaml)).as("%s\nreads back as rendered:\n%s", what, yaml).isEqualTo(rendered);
        assertThat(loaded).as(what).isEqualTo(rendered.withDefaults());
        assertThat(loaded.allowedNetworks()).as(what).hasSize(spec.allowedNetworks == null ? 0 : spec.allowedNetworks.size());
        assertThat(loaded.localDomains()).as(what).hasSize(spec.localDomains == null ? 0 : spec.localDomains.size());
        if (spec.limits != null && spec.limits.maxRecipients != null) {
            assertThat(loaded.limits().maxRecipients()).as(what).isEqualTo(spec.limits.maxRecipients);
        }
    }

    private static MailRelay mailRelay(Path example) throws IOException {
        try (InputStream in = Files.newInputStream(example)) {
            List<?> objects = Serialization.unmarshal(in) instanceof List<?> list ? list : null;
            if (objects == null) {
                try (InputStream again = Files.newInputStream(example)) {
                    return Serialization.unmarshal(again, MailRelay.class);
                }
            }
            return objects.stream().filter(MailRelay.class::isInstance).map(MailRelay.class::cast).findFirst().orElseThrow();
        }
    }
}
