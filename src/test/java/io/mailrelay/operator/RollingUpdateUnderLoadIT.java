package io.mailrelay.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.mailrelay.api.MailRelay;
import io.mailrelay.testing.AppProcess;
import io.mailrelay.testing.LocalKubelet;
import io.mailrelay.testing.RealKubeApiServer;
import io.mailrelay.testing.SmtpSink;

/**
 * Item 5a of issue 10: a config change rolls the relay pods while a client sends 2,000 messages, and every
 * message the relays acknowledged arrives upstream. The packaged operator runs against a real API server;
 * {@link LocalKubelet} runs the StatefulSet it creates (the default: a claim per pod) as relay processes,
 * rolls it like the StatefulSet controller (highest ordinal first, one at a time) and stops each pod like the
 * kubelet (out of the endpoints, preStop sleep, SIGTERM, SIGKILL after terminationGracePeriodSeconds). The
 * upstream is Postfix's smtp-sink. The client ({@link LoadClient}) picks a ready pod for every connection, as a
 * Service would; a message that did not get its 250 (421 from a draining relay, a connection closed) is not
 * acknowledged and is sent again, so duplicates are possible and counted, losses are not allowed.
 *
 * <p>Deterministic phases instead of timing: messages 0-499 before the change, 500-1499 from the moment of
 * the change (paced, so that they spread over the roll), 1500-1999 only once the roll is done.
 */
@Tag("kube")
@Tag("smtp")
class RollingUpdateUnderLoadIT {

    private static final String NAMESPACE = "load";
    private static final String NAME = "relay";
    private static final int MESSAGES = 2000;
    private static final int BEFORE_ROLL = 500;
    private static final int AFTER_ROLL = 1500;

    @RegisterExtension
    static final RealKubeApiServer api = new RealKubeApiServer();

    @RegisterExtension
    static final SmtpSink upstream = new SmtpSink();

    @Test
    void aConfigChangeRollsThePodsUnderLoadAndNothingAcknowledgedIsLost() throws Exception {
        KubeFixture kube = KubeFixture.forPackagedOperator(api.client(), NAMESPACE);
        try (LocalKubelet kubelet = new LocalKubelet(api.client(), NAMESPACE, upstream.host() + ":" + upstream.port()).start();
                AppProcess operator = PackagedOperator.start(api)) {
            StatusWatch status = new StatusWatch(api.client(), operator, NAMESPACE, NAME);
            kube.create(relay());
            status.await("two pods ready", Duration.ofSeconds(300),
                    r -> StatusWatch.readyAndObserved(r) && r.getStatus().readyReplicas == 2);
            long pod0 = kubelet.podProcess(NAME, NAME + "-0").pid();
            long pod1 = kubelet.podProcess(NAME, NAME + "-1").pid();
            var spoolBefore = kubelet.spoolDirectory(NAME, NAME + "-0");
            assertThat(spoolBefore).isEqualTo(kubelet.claimDirectory("spool-relay-0"));

            LoadClient load = new LoadClient(() -> kubelet.endpoints(NAME), MESSAGES, 4, 100);
            load.release(BEFORE_ROLL);
            Awaitility.await("the first " + BEFORE_ROLL + " acknowledged").atMost(Duration.ofSeconds(120))
                    .until(() -> load.acknowledgedCount() >= BEFORE_ROLL);

            // the config change: a new relay.yaml, a new config hash on the pod template, a roll
            MailRelay changed = kube.get(NAMESPACE, NAME);
            changed.getSpec().limits = new io.mailrelay.api.Limits();
            changed.getSpec().limits.maxRecipients = 50;
            kube.update(changed);
            load.pace(100); // spread the middle 1,000 over the roll: about 40 a second over 4 clients
            load.release(AFTER_ROLL);
            Instant rollStarted = Instant.now();
            int acknowledgedAtChange = load.acknowledgedCount();

            Awaitility.await("both pods replaced").atMost(Duration.ofSeconds(300)).pollInterval(Duration.ofMillis(500))
                    .until(() -> replaced(kubelet, NAME + "-0", pod0) && replaced(kubelet, NAME + "-1", pod1));
            status.await("ready again on the new configuration", Duration.ofSeconds(300),
                    r -> StatusWatch.readyAndObserved(r) && r.getStatus().readyReplicas == 2);
            int acknowledgedDuringRoll = load.acknowledgedCount() - acknowledgedAtChange;
            Duration roll = Duration.between(rollStarted, Instant.now());
            load.pace(0);
            load.release(MESSAGES);

            Awaitility.await("every message acknowledged in time").atMost(Duration.ofSeconds(300)).until(load::done);
            load.close();
            assertThat(load.acknowledgedCount()).isEqualTo(MESSAGES);

            // the StatefulSet controller's order: the highest ordinal first; each pod back on its own claim
            assertThat(started(kubelet, NAME + "-1")).isBefore(started(kubelet, NAME + "-0"));
            assertThat(kube.configMap(NAMESPACE, NAME + "-config").getData().get("relay.yaml")).contains("maxRecipients: 50");
            assertThat(kubelet.spoolDirectory(NAME, NAME + "-0")).as("the new pod-0 on the old pod-0's claim")
                    .isEqualTo(spoolBefore);
            assertThat(kubelet.spoolDirectory(NAME, NAME + "-1")).isEqualTo(kubelet.claimDirectory("spool-relay-1"));
            for (String claim : List.of("spool-relay-0", "spool-relay-1")) {
                assertThat(api.client().persistentVolumeClaims().inNamespace(NAMESPACE).withName(claim).get()
                        .getStatus().getPhase()).isEqualTo("Bound");
                assertThat(Files.isDirectory(kubelet.claimDirectory(claim))).isTrue();
            }

            // every acknowledged message arrives; more may (a 250 lost with its connection), twice is counted
            Awaitility.await("every acknowledged message upstream").atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(() -> upstream.testIds().containsAll(load.acknowledgedIds()));
            Map<String, Integer> arrived = upstream.testIdCounts();
            Set<String> lost = new java.util.TreeSet<>(load.acknowledgedIds());
            lost.removeAll(arrived.keySet());
            int duplicates = arrived.values().stream().mapToInt(n -> n - 1).sum();
            System.out.printf("rolling update under load: acknowledged=%d arrived=%d duplicates=%d "
                    + "(lost=%d, %d acknowledged during the %d s roll, %d x 421 while draining, %d connections lost)%n",
                    load.acknowledgedCount(), arrived.size(), duplicates, lost.size(), acknowledgedDuringRoll,
                    roll.toSeconds(), load.refused421(), load.connectionsLost());
            assertThat(lost).as("acknowledged but never arrived").isEmpty();
            assertThat(acknowledgedDuringRoll).as("messages were sent while the pods rolled").isPositive();
        }
    }

    private static boolean replaced(LocalKubelet kubelet, String pod, long oldPid) {
        try {
            return kubelet.podProcess(NAME, pod).pid() != oldPid && kubelet.endpoints(NAME).size() == 2;
        } catch (NullPointerException notRunning) {
            return false;
        }
    }

    private static Instant started(LocalKubelet kubelet, String pod) {
        return ProcessHandle.of(kubelet.podProcess(NAME, pod).pid()).orElseThrow().info().startInstant().orElseThrow();
    }

    private static MailRelay relay() {
        return Specs.fromYaml(NAME, NAMESPACE, """
                replicas: 2
                allowedNetworks: [127.0.0.0/8]
                outbound: {mode: mx}
                probe: {enabled: false}
                terminationGracePeriodSeconds: 30
                """);
    }
}
