package io.mailrelay.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.fabric8.kubernetes.api.model.Condition;
import io.mailrelay.api.MailRelay;
import io.mailrelay.api.Conditions;
import io.mailrelay.testing.AppProcess;
import io.mailrelay.testing.FreePort;
import io.mailrelay.testing.LocalKubelet;
import io.mailrelay.testing.RealKubeApiServer;
import io.mailrelay.testing.SmtpSink;

/**
 * The operator keeps proving its relays closed. The packaged operator runs against a real API server;
 * {@link LocalKubelet} runs each relay Deployment as a real relay process on loopback in place of the
 * pod. The probe comes from 127.0.0.9, outside the relay's allow-list: the view of an outsider.
 */
@Tag("kube")
@Tag("smtp")
class RelayProbingIT {

    private static final String NAMESPACE = "mail";
    private static final String PROBE_SOURCE = "127.0.0.9";

    @RegisterExtension
    static final RealKubeApiServer api = new RealKubeApiServer();

    @RegisterExtension
    static final SmtpSink nextHop = new SmtpSink();

    @Test
    void probesOnScheduleAndReportsClosedOpenClosedDownAndInsider() throws Exception {
        KubeFixture kube = KubeFixture.forPackagedOperator(api.client(), NAMESPACE);
        int metricsPort = FreePort.pick();
        try (LocalKubelet kubelet = new LocalKubelet(api.client(), NAMESPACE, nextHop.host() + ":" + nextHop.port()).start();
                AppProcess operator = AppProcess.builder("operator")
                        .env("KUBECONFIG", api.kubeconfigFile().toString())
                        .property("quarkus.http.host", "127.0.0.1")
                        .property("quarkus.http.port", String.valueOf(metricsPort))
                        .property("mailrelay.operator-namespace", KubeFixture.OPERATOR_NAMESPACE)
                        .property("mailrelay.probe.address-override", "true")
                        .property("mailrelay.probe.source-address", PROBE_SOURCE)
                        .args("operator").start()) {

            StatusWatch watch = new StatusWatch(api.client(), operator, NAMESPACE, "office");
            kube.create(relay("office", List.of("10.20.0.0/16"), "10s"));

            // 1. closed, as an outsider sees it, with every attempt counted
            MailRelay closed = watch.await("a first probe finds it closed", r -> verdict(r, "Closed"));
            assertThat(closed.getStatus().probe.attempts).isGreaterThanOrEqualTo(16);
            assertThat(closed.getStatus().probe.acceptedAttempts).isEmpty();
            assertThat(closed.getStatus().probe.source).isEqualTo(PROBE_SOURCE);
            assertThat(condition(closed)).satisfies(c -> {
                assertThat(c.getStatus()).isEqualTo("True");
                assertThat(c.getReason()).isEqualTo("ProbePassed");
            });
            assertThat(metrics(metricsPort)).contains("mailrelay_probe_verdict{name=\"office\",namespace=\"mail\"} 0.0");

            // 2. on schedule: consecutive runs, each at least one interval after the previous one ended
            Instant first = Instant.parse(closed.getStatus().probe.lastRunTime);
            MailRelay next = watch.await("a second scheduled probe",
                    r -> r.getStatus().probe != null && Instant.parse(r.getStatus().probe.lastRunTime).isAfter(first));
            Instant second = Instant.parse(next.getStatus().probe.lastRunTime);
            assertThat(Duration.between(first, second))
                    .isGreaterThanOrEqualTo(Duration.ofSeconds(10).plusMillis(next.getStatus().probe.durationMillis));

            // 3. a load balancer that SNATs makes every client look allow-listed: the relay is open
            kubelet.simulateSnat(true).restartAll();
            MailRelay open = watch.await("the probe finds it open", r -> verdict(r, "Open"));
            assertThat(open.getStatus().probe.acceptedAttempts).contains("external-sender");
            assertThat(condition(open)).satisfies(c -> {
                assertThat(c.getStatus()).isEqualTo("False");
                assertThat(c.getReason()).isEqualTo("OpenRelayDetected");
                assertThat(c.getMessage()).contains("OPEN RELAY").contains("external-sender");
            });
            Awaitility.await().atMost(Duration.ofSeconds(120))
                    .until(() -> watch.events("OpenRelayDetected", "Warning").size() == 1);
            assertThat(metrics(metricsPort)).contains("mailrelay_probe_verdict{name=\"office\",namespace=\"mail\"} 1.0");
            // the same open result again, one interval later, repeats no event
            Instant openAt = Instant.parse(open.getStatus().probe.lastRunTime);
            watch.await("another probe of the open relay", r -> verdict(r, "Open")
                    && Instant.parse(r.getStatus().probe.lastRunTime).isAfter(openAt));
            assertThat(watch.events("OpenRelayDetected", "Warning")).hasSize(1);

            // 4. fixed: closed again, with a Normal event
            kubelet.simulateSnat(false).restartAll();
            watch.await("closed again", r -> verdict(r, "Closed"));
            Awaitility.await().atMost(Duration.ofSeconds(120))
                    .until(() -> watch.events("RelayClosed", "Normal").size() >= 2); // first proof + closed again

            // 5. a relay that is down is not "closed": unreachable, RelayClosed Unknown
            kubelet.process("office").kill();
            MailRelay down = watch.await("an unreachable relay is Unreachable", r -> verdict(r, "Unreachable"));
            assertThat(down.getStatus().probe.targets).extracting(t -> t.verdict).containsOnly("Unreachable");
            assertThat(condition(down).getStatus()).isEqualTo("Unknown");
            assertThat(condition(down).getReason()).isEqualTo("ProbeInconclusive");
            kubelet.restartAll();

            // 6. the probe's own address allow-listed: an insider's verdict, never "closed to outsiders"
            MailRelay insiderSpec = kube.get(NAMESPACE, "office");
            insiderSpec.getSpec().allowedNetworks = List.of("10.20.0.0/16", PROBE_SOURCE + "/32");
            kube.update(insiderSpec); // the operator writes status meanwhile: update retries a conflict
            MailRelay insider = watch.await("an insider verdict", r -> verdict(r, "Insider"));
            assertThat(condition(insider).getStatus()).isEqualTo("Unknown");
            assertThat(condition(insider).getReason()).isEqualTo("ProbedFromAllowedNetwork");
            assertThat(condition(insider).getMessage()).contains("inside allowedNetworks");
            assertThat(metrics(metricsPort)).contains("mailrelay_probe_runs_total{verdict=\"Closed\"}")
                    .contains("mailrelay_probe_runs_total{verdict=\"Open\"}")
                    .contains("mailrelay_probe_verdict{name=\"office\",namespace=\"mail\"} 3.0");

            // the kubectl view an administrator gets
            assertThat(api.kubectl("get", "mr", "-n", NAMESPACE).assertSuccess().stdout())
                    .contains("RELAY").contains("Insider");
        }
    }

    private static boolean verdict(MailRelay relay, String verdict) {
        return relay.getStatus().probe != null && verdict.equals(relay.getStatus().probe.verdict);
    }

    private static Condition condition(MailRelay relay) {
        return Conditions.find(relay.getStatus().conditions, Conditions.RELAY_CLOSED).orElseThrow();
    }

    private static String metrics(int port) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        return response.body();
    }

    private static MailRelay relay(String name, List<String> allowedNetworks, String interval) {
        MailRelay relay = Serialization.relay("""
                apiVersion: mailrelay.io/v1alpha1
                kind: MailRelay
                metadata: {name: %s, namespace: %s}
                spec:
                  allowedNetworks: [%s]
                  localDomains:
                    - {domain: office.test, deliverTo: "mail.office.test:25"}
                  outbound: {mode: mx}
                  probe: {interval: %s}
                """.formatted(name, NAMESPACE, String.join(", ", allowedNetworks), interval));
        return relay;
    }

    /** YAML to a MailRelay with the client's own mapper. */
    private static final class Serialization {
        static MailRelay relay(String yaml) {
            return io.fabric8.kubernetes.client.utils.Serialization.unmarshal(yaml, MailRelay.class);
        }
    }
}
