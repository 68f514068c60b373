package io.mailrelay.operator;

import static io.mailrelay.operator.KubeFixture.conditionIs;
import static io.mailrelay.operator.KubeFixture.observed;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.mailrelay.api.MailRelay;
import io.mailrelay.api.Conditions;
import io.mailrelay.testing.RealKubeApiServer;

/**
 * The packaged application in {@code operator} mode (Quarkus, quarkus-operator-sdk, the real entry
 * point) against a real API server: it reconciles with its default relay image and stops on SIGTERM.
 */
@Tag("kube")
class OperatorModeIT {

    @RegisterExtension
    static final RealKubeApiServer api = new RealKubeApiServer();

    @Test
    void operatorModeReconcilesAndStopsOnSigterm() throws Exception {
        Path jar = Path.of("target", "quarkus-app", "quarkus-run.jar");
        assertThat(jar).as("run after package (mvn verify)").exists();
        KubeFixture kube = new KubeFixture(api.client());
        kube.installCrdOnly();
        kube.namespace(KubeFixture.OPERATOR_NAMESPACE, Map.of()); // where the leader-election Lease lives
        kube.namespace("smoke", Map.of());
        Path log = Files.createTempFile("operator", ".log");

        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dquarkus.http.host=127.0.0.1", "-Dquarkus.http.port=0",
                "-Dmailrelay.operator-namespace=" + KubeFixture.OPERATOR_NAMESPACE,
                "-jar", jar.toString(), "operator")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("KUBECONFIG", api.kubeconfigFile().toString());
        Process operator = builder.start();
        try {
            MailRelay relay = kube.create(kube.example("minimal.yaml", "smoke"));
            kube.awaitRelay("smoke", "minimal", observed(relay).and(conditionIs(Conditions.CONFIG_VALID, "True")));

            String image = kube.podTemplate("smoke", "minimal").getSpec().getContainers().get(0).getImage();
            assertThat(image).startsWith("mailrelay/mailrelay-operator:").doesNotContain("${");
        } finally {
            operator.destroy(); // SIGTERM, as the kubelet sends
            assertThat(operator.waitFor(30, TimeUnit.SECONDS)).as(read(log)).isTrue();
        }
        assertThat(read(log)).contains("mailrelay operator started").contains("is the leader").contains("is shutting down");
        Files.deleteIfExists(log);
    }

    private static String read(Path log) throws IOException {
        return Files.readString(log);
    }
}
