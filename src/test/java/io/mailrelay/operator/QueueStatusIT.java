package io.mailrelay.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.Set;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Secret;
import io.mailrelay.api.MailRelay;
import io.mailrelay.api.Conditions;
import io.mailrelay.relay.RawSmtp;
import io.mailrelay.testing.AppProcess;
import io.mailrelay.testing.FreePort;
import io.mailrelay.testing.LocalKubelet;
import io.mailrelay.testing.RealKubeApiServer;
import io.mailrelay.testing.SmtpSink;

/**
 * A real backlog in status.queue: the packaged operator against a real API server, {@link LocalKubelet} running the
 * relay as a real process. With the upstream down, 20 messages pile up: status.queue and the QUEUE column follow,
 * QueueHealthy turns False past spec.queue.alert.depth 10 (one Warning event); the upstream comes back and the queue
 * is flushed through the admin endpoint with the token of the Secret the operator made: QueueHealthy True again.
 */
@Tag("kube")
@Tag("smtp")
class QueueStatusIT {

    private static final String NAMESPACE = "mail";
    private static final int MESSAGES = 20;

    @RegisterExtension
    static final RealKubeApiServer api = new RealKubeApiServer();

    @Test
    void aRealBacklogShowsInStatusAndTurnsQueueHealthyFalseThenTrue() throws Exception {
        KubeFixture kube = KubeFixture.forPackagedOperator(api.client(), NAMESPACE);
        int upstreamPort = FreePort.pick(); // down until the sink starts
        try (LocalKubelet kubelet = new LocalKubelet(api.client(), NAMESPACE, "127.0.0.1:" + upstreamPort).start();
                AppProcess operator = AppProcess.builder("operator")
                        .env("KUBECONFIG", api.kubeconfigFile().toString())
                        .property("quarkus.http.host", "127.0.0.1")
                        .property("quarkus.http.port", String.valueOf(FreePort.pick()))
                        .property("mailrelay.operator-namespace", KubeFixture.OPERATOR_NAMESPACE)
                        .property("mailrelay.probe.address-override", "true")
                        .property("mailrelay.queue.interval", "2s")
                        .args("operator").start()) {
            StatusWatch watch = new StatusWatch(api.client(), operator, NAMESPACE, "office");
            kube.create(Specs.fromYaml("office", NAMESPACE, """
                    allowedNetworks: [127.0.0.2/32]
                    outbound: {mode: mx}
                    probe: {enabled: false}
                    queue: {alert: {depth: 10, oldestAge: 1h}}
                    """));

            MailRelay empty = watch.await("an empty queue read", r -> r.getStatus().queue != null
                    && r.getStatus().queue.podsRead == 1 && conditionIs(r, "True"));
            assertThat(empty.getStatus().queue.depth).isZero();
            assertThat(condition(empty).getReason()).isEqualTo("WithinThresholds");
            Secret admin = api.client().secrets().inNamespace(NAMESPACE).withName("office-admin").get();
            assertThat(admin.getMetadata().getOwnerReferences()).singleElement()
                    .satisfies(owner -> assertThat(owner.getName()).isEqualTo("office"));
            String token = new String(Base64.getDecoder().decode(admin.getData().get("token")), StandardCharsets.UTF_8);

            Set<String> acknowledged = send(kubelet.smtpPort("office"));
            assertThat(acknowledged).hasSize(MESSAGES);
            MailRelay backlog = watch.await("the backlog in status", r -> r.getStatus().queue != null
                    && r.getStatus().queue.depth == MESSAGES && r.getStatus().queue.deferredRecipients == MESSAGES
                    && conditionIs(r, "False"));
            assertThat(condition(backlog).getReason()).isEqualTo("QueueTooDeep");
            assertThat(condition(backlog).getMessage()).contains(MESSAGES + " messages queued")
                    .contains("spec.queue.alert.depth 10").contains("451 4.4.1");
            assertThat(backlog.getStatus().queue.lastError.reply).startsWith("451 4.4.1");
            assertThat(backlog.getStatus().queue.lastHour.deferred).isEqualTo(MESSAGES);
            assertThat(backlog.getStatus().queue.lastHour.delivered).isZero();
            String table = api.kubectl("get", "mr", "-n", NAMESPACE).assertSuccess().stdout();
            System.out.println(table);
            assertThat(table).contains("QUEUE").contains("OLDEST");
            assertThat(table.lines().filter(line -> line.startsWith("office")).findFirst().orElseThrow())
                    .contains(" " + MESSAGES + " ");
            Awaitility.await().atMost(Duration.ofSeconds(120)).until(() -> watch.events("QueueTooDeep", "Warning").size() == 1);

            try (SmtpSink upstream = new SmtpSink().onPort(upstreamPort).start()) {
                HttpResponse<String> flush = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + kubelet.httpPort("office") + "/admin/queue/flush"))
                        .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody()).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(flush.statusCode()).as(flush.body()).isEqualTo(200);
                MailRelay healthy = watch.await("the queue empty and healthy again", r -> r.getStatus().queue != null
                        && r.getStatus().queue.depth == 0 && conditionIs(r, "True"));
                assertThat(healthy.getStatus().queue.lastHour.delivered).isEqualTo(MESSAGES);
                Awaitility.await().atMost(Duration.ofSeconds(120)).until(() -> upstream.testIds().containsAll(acknowledged));
                System.out.printf("queue status: %d acknowledged, %d arrived upstream, QueueHealthy False then True%n",
                        acknowledged.size(), upstream.testIds().size());
                Awaitility.await().atMost(Duration.ofSeconds(120))
                        .until(() -> watch.events("QueueHealthy", "Normal").size() == 1);
                assertThat(watch.events("QueueTooDeep", "Warning")).hasSize(1);
            }
        }
    }

    private static Set<String> send(int port) {
        Set<String> acknowledged = new LinkedHashSet<>();
        try (RawSmtp smtp = RawSmtp.connect("127.0.0.2", port)) {
            smtp.reply();
            smtp.command("EHLO app.test");
            for (int i = 0; i < MESSAGES; i++) {
                smtp.command("MAIL FROM:<app@office.test>");
                smtp.command("RCPT TO:<someone@remote.test>");
                smtp.command("DATA");
                if (smtp.command("Subject: backlog\r\nX-Test-Id: backlog-" + i + "\r\n\r\nbody\r\n.").startsWith("250")) {
                    acknowledged.add("backlog-" + i);
                }
            }
            smtp.command("QUIT");
        }
        return acknowledged;
    }

    private static boolean conditionIs(MailRelay relay, String status) {
        return Conditions.find(relay.getStatus().conditions, Conditions.QUEUE_HEALTHY)
                .filter(c -> status.equals(c.getStatus())).isPresent();
    }

    private static Condition condition(MailRelay relay) {
        return Conditions.find(relay.getStatus().conditions, Conditions.QUEUE_HEALTHY).orElseThrow();
    }
}
