package io.mailrelay.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mailrelay.api.MailRelay;
import io.mailrelay.relay.RawSmtp;
import io.mailrelay.testing.AppProcess;
import io.mailrelay.testing.LocalKubelet;
import io.mailrelay.testing.RealKubeApiServer;
import io.mailrelay.testing.SmtpSink;

/**
 * Relay permission by workload identity, end to end: the packaged operator against a real API server follows the pods
 * relayFor selects (Pod objects whose status the test sets, as a kubelet would: each pod's IP a loopback address the
 * test's client then connects from) and pushes their addresses to the relay, a real process run by
 * {@link LocalKubelet}. A selected pod relays; a pod of another role, a hostNetwork pod and a finished pod do not; a
 * relabelled pod relays within seconds; a terminating and a deleted pod are refused within seconds. Every message
 * acknowledged arrives at the upstream.
 */
@Tag("kube")
@Tag("smtp")
class RelayForIT {
    private static final String MAIL = "mail";
    private static final String APPS = "apps";

    @RegisterExtension
    static final RealKubeApiServer api = new RealKubeApiServer();

    @Test
    void selectedPodsRelayAndStopWithinSecondsOfLeavingTheSelection() throws Exception {
        KubeFixture kube = KubeFixture.forPackagedOperator(api.client(), MAIL);
        kube.namespace(APPS, Map.of());
        try (SmtpSink upstream = new SmtpSink().start();
                LocalKubelet kubelet = new LocalKubelet(api.client(), MAIL, "127.0.0.1:" + upstream.port()).start();
                AppProcess operator = PackagedOperator.start(api)) {
            KubernetesClient client = api.client();
            pod(client, "mailer-a", "mailer", "127.0.0.21", false, "Running");
            pod(client, "web", "web", "127.0.0.22", false, "Running");
            pod(client, "on-host", "mailer", "127.0.0.23", true, "Running");
            pod(client, "finished", "mailer", "127.0.0.24", false, "Succeeded");
            pod(client, "mailer-b", "mailer", "127.0.0.25", false, "Pending");
            StatusWatch watch = new StatusWatch(client, operator, MAIL, "office");
            kube.create(Specs.fromYaml("office", MAIL, """
                    allowedNetworks: [127.0.0.2/32]
                    relayFor:
                      namespaces: [%s]
                      podSelector: {matchLabels: {role: mailer}}
                    outbound: {mode: mx}
                    probe: {enabled: false}
                    """.formatted(APPS)));

            MailRelay selected = watch.await("two pods selected and pushed", r -> r.getStatus().relayFor != null
                    && Integer.valueOf(2).equals(r.getStatus().relayFor.pods)
                    && Integer.valueOf(1).equals(r.getStatus().relayFor.relayPodsUpdated));
            assertThat(selected.getStatus().relayFor.namespaces).containsExactly(APPS);
            int port = kubelet.smtpPort("office");
            List<String> acknowledged = new ArrayList<>();
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> rcpt("127.0.0.21", port).startsWith("250"));
            send("127.0.0.21", port, "a-1", acknowledged);
            send("127.0.0.25", port, "b-1", acknowledged);
            send("127.0.0.2", port, "allowed-network-1", acknowledged);
            for (String refused : List.of("127.0.0.22", "127.0.0.23", "127.0.0.24", "127.0.0.26")) {
                assertThat(rcpt(refused, port)).as(refused).startsWith("554 5.7.1");
            }
            System.out.println(api.kubectl("get", "networkpolicy", "office", "-n", MAIL, "-o",
                    "jsonpath={.spec.ingress[0].from}").assertSuccess().stdout());

            long relabelled = System.nanoTime();
            client.pods().inNamespace(APPS).withName("web").edit(p -> new PodBuilder(p).editMetadata()
                    .addToLabels("role", "mailer").endMetadata().build());
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .until(() -> rcpt("127.0.0.22", port).startsWith("250"));
            long relabelMillis = (System.nanoTime() - relabelled) / 1_000_000;
            send("127.0.0.22", port, "web-1", acknowledged);

            // terminating: a finalizer keeps the object while its deletion has begun
            client.pods().inNamespace(APPS).withName("mailer-b").edit(p -> new PodBuilder(p).editMetadata()
                    .addToFinalizers("test.mailrelay.io/hold").endMetadata().build());
            long terminating = System.nanoTime();
            client.pods().inNamespace(APPS).withName("mailer-b").delete();
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .until(() -> rcpt("127.0.0.25", port).startsWith("554"));
            long terminatingMillis = (System.nanoTime() - terminating) / 1_000_000;
            assertThat(client.pods().inNamespace(APPS).withName("mailer-b").get().getMetadata().getDeletionTimestamp())
                    .as("still there, terminating").isNotNull();

            long deleted = System.nanoTime();
            client.pods().inNamespace(APPS).withName("mailer-a").delete();
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .until(() -> rcpt("127.0.0.21", port).startsWith("554"));
            long deleteMillis = (System.nanoTime() - deleted) / 1_000_000;

            MailRelay after = watch.await("one pod left", r -> r.getStatus().relayFor != null
                    && Integer.valueOf(1).equals(r.getStatus().relayFor.pods));
            assertThat(rcpt("127.0.0.22", port)).startsWith("250");
            System.out.println(api.kubectl("get", "mr", "-A", "-o", "wide").assertSuccess().stdout());
            String describe = api.kubectl("describe", "mr", "office", "-n", MAIL).assertSuccess().stdout();
            System.out.println(describe); // a healthy relay, as kubectl describe shows it
            System.out.println(describe.substring(describe.indexOf("\nStatus:")).lines()
                    .dropWhile(line -> !line.contains("Relay For:")).limit(10).reduce("", (a, b) -> a + b + "\n"));
            Awaitility.await().atMost(Duration.ofSeconds(120)).until(() -> upstream.testIds().containsAll(acknowledged));
            System.out.printf("relayFor: relabelled→relays %d ms, terminating→refused %d ms, deleted→refused %d ms; "
                    + "acknowledged=%d arrived=%d (revision %s)%n", relabelMillis, terminatingMillis, deleteMillis,
                    acknowledged.size(), upstream.testIds().size(), after.getStatus().relayFor.revision);
            assertThat(upstream.testIds()).containsExactlyInAnyOrderElementsOf(acknowledged);
            client.pods().inNamespace(APPS).withName("mailer-b").edit(p -> new PodBuilder(p).editMetadata()
                    .withFinalizers(List.of()).endMetadata().build());
        }
    }

    /** A pod as the API server has it once a kubelet reported it: phase and IP. */
    private static void pod(KubernetesClient client, String name, String role, String ip, boolean hostNetwork,
            String phase) {
        Pod pod = client.pods().inNamespace(APPS).resource(new PodBuilder().withNewMetadata().withName(name)
                .addToLabels("role", role).endMetadata()
                .withNewSpec().withHostNetwork(hostNetwork).addNewContainer().withName("app").withImage("app:test")
                .endContainer().endSpec().build()).create();
        pod.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase(phase).withPodIP(ip)
                .addNewPodIP().withIp(ip).endPodIP().build());
        client.pods().inNamespace(APPS).resource(pod).updateStatus();
    }

    private static String rcpt(String from, int port) {
        try (RawSmtp smtp = RawSmtp.connect(from, port)) {
            smtp.reply();
            smtp.command("EHLO app.test");
            smtp.command("MAIL FROM:<app@apps.test>");
            return smtp.command("RCPT TO:<customer@remote.test>");
        }
    }

    private static void send(String from, int port, String testId, List<String> acknowledged) {
        try (RawSmtp smtp = RawSmtp.connect(from, port)) {
            smtp.reply();
            smtp.command("EHLO app.test");
            smtp.command("MAIL FROM:<app@apps.test>");
            assertThat(smtp.command("RCPT TO:<customer@remote.test>")).as(from).startsWith("250");
            smtp.command("DATA");
            if (smtp.command("Subject: relayFor\r\nX-Test-Id: " + testId + "\r\n\r\nbody\r\n.").startsWith("250")) {
                acknowledged.add(testId);
            }
            smtp.command("QUIT");
        }
    }
}
