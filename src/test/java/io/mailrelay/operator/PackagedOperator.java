package io.mailrelay.operator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;

import io.mailrelay.testing.AppProcess;
import io.mailrelay.testing.FreePort;
import io.mailrelay.testing.RealKubeApiServer;

/**
 * The packaged operator as the operator ITs with {@link io.mailrelay.testing.LocalKubelet} run it: against the test's
 * API server, HTTP on loopback, the out-of-cluster address overrides on (the stand-in kubelet's annotations); and
 * what a person does on a relay pod's admin endpoint with the token of the Secret the operator made.
 */
final class PackagedOperator {

    private PackagedOperator() {
    }

    /** @param properties more {@code name=value} system properties, e.g. {@code mailrelay.queue.interval=2s} */
    static AppProcess start(RealKubeApiServer api, String... properties) {
        return start(AppProcess.builder("operator"), api, properties);
    }

    /**
     * As the Deployment in deploy/20-operator.yaml runs it (the chart with its default values): with its container's
     * environment (JVM options, leader election, ...; the JVM options given on the command line, as the image's
     * ENTRYPOINT does) and, as inside its memory limit, {@code -XX:MaxRAM} set to that limit, so that the JVM sizes
     * its heap as it would in the pod.
     */
    static AppProcess startAsDeployed(RealKubeApiServer api, String... properties) {
        Deployment deployment;
        try (var in = Files.newInputStream(DEPLOYMENT)) {
            deployment = api.client().load(in).items().stream().filter(Deployment.class::isInstance)
                    .map(Deployment.class::cast).findFirst().orElseThrow();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Container container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
        AppProcess.Builder builder = AppProcess.builder("operator");
        List<String> jvm = new ArrayList<>();
        for (EnvVar env : container.getEnv()) {
            if (env.getValue() == null) {
                continue; // the downward API's: POD_IP, POD_NAME
            }
            if (env.getName().equals("JAVA_OPTS_APPEND")) {
                jvm.addAll(List.of(env.getValue().trim().split("\\s+")));
            } else {
                builder.env(env.getName(), env.getValue());
            }
        }
        Quantity limit = container.getResources().getLimits().get("memory");
        jvm.add("-XX:MaxRAM=" + Quantity.getAmountInBytes(limit).longValueExact());
        builder.env("POD_NAME", "operator-scale-bench");
        return start(builder.jvmOptions(jvm), api, properties);
    }

    /** The Deployment of the plain manifests, the chart's defaults rendered. */
    static final Path DEPLOYMENT = Path.of("deploy", "20-operator.yaml");

    private static AppProcess start(AppProcess.Builder builder, RealKubeApiServer api, String... properties) {
        builder
                .env("KUBECONFIG", api.kubeconfigFile().toString())
                .property("quarkus.http.host", "127.0.0.1")
                .property("quarkus.http.port", String.valueOf(FreePort.pick()))
                .property("mailrelay.operator-namespace", KubeFixture.OPERATOR_NAMESPACE)
                .property("mailrelay.probe.address-override", "true");
        for (String property : properties) {
            int equals = property.indexOf('=');
            builder.property(property.substring(0, equals), property.substring(equals + 1));
        }
        return builder.args("operator").start();
    }

    /** {@code mailrelay queue flush} on the pod whose management port is {@code httpPort}; the HTTP status. */
    static HttpResponse<String> flush(RealKubeApiServer api, String namespace, String relay, int httpPort)
            throws Exception {
        String token = new String(Base64.getDecoder().decode(api.client().secrets().inNamespace(namespace)
                .withName(relay + "-admin").get().getData().get("token")), StandardCharsets.UTF_8).strip();
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + httpPort + "/admin/queue/flush"))
                .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
