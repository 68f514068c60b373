package io.mailrelay.operator;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

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
        AppProcess.Builder builder = AppProcess.builder("operator")
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
