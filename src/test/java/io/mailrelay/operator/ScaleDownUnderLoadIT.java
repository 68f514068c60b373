package io.mailrelay.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.mailrelay.api.MailRelay;
import io.mailrelay.api.Conditions;
import io.mailrelay.testing.AppProcess;
import io.mailrelay.testing.FreePort;
import io.mailrelay.testing.LocalKubelet;
import io.mailrelay.testing.RealKubeApiServer;
import io.mailrelay.testing.SmtpSink;

/**
 * Item 5b of issue 10: {@code kubectl scale mr --replicas 1} of a three-replica relay while a client sends, with the
 * upstream down from before the scale-down until after it: the operator marks the MailRelay Draining, asks relay-2
 * and relay-1 to hand their queues to relay-0 (POST /admin/drain), waits until both are empty and only then lowers
 * the StatefulSet's replicas. Packaged operator, real API server, {@link LocalKubelet} (relay processes, SIGTERM per
 * grace period), Postfix smtp-sink upstream. Every acknowledged message must arrive; duplicates are counted.
 */
@Tag("kube")
@Tag("smtp")
class ScaleDownUnderLoadIT {

    private static final String NAMESPACE = "scale";
    private static final String NAME = "relay";
    private static final int MESSAGES = 900;
    private static final int WITH_UPSTREAM = 300;
    private static final int BEFORE_SCALE_DOWN = 600;

    @RegisterExtension
    static final RealKubeApiServer api = new RealKubeApiServer();

    @Test
    void scalingThreeToOneHandsTheQueuesToTheSurvivorAndNothingAcknowledgedIsLost() throws Exception {
        KubeFixture kube = KubeFixture.forPackagedOperator(api.client(), NAMESPACE);
        int upstreamPort = FreePort.pick();
        SmtpSink before = new SmtpSink().onPort(upstreamPort).start();
        SmtpSink after = null;
        Set<String> drainingSeen = ConcurrentHashMap.newKeySet();
        ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor();
        try (LocalKubelet kubelet = new LocalKubelet(api.client(), NAMESPACE, "127.0.0.1:" + upstreamPort).start();
                AppProcess operator = PackagedOperator.start(api)) {
            StatusWatch status = new StatusWatch(api.client(), operator, NAMESPACE, NAME);
            kube.create(relay());
            status.await("three pods ready", Duration.ofSeconds(300),
                    r -> StatusWatch.readyAndObserved(r) && r.getStatus().readyReplicas == 3);
            watcher.scheduleWithFixedDelay(() -> status.draining().ifPresent(drainingSeen::add), 0, 500,
                    TimeUnit.MILLISECONDS);

            try (LoadClient load = new LoadClient(() -> kubelet.endpoints(NAME), MESSAGES, 4, 50)) {
                load.release(WITH_UPSTREAM);
                awaitAcknowledged(load, WITH_UPSTREAM);
                before.close(); // the upstream goes down: from now on every pod queues what it accepts
                load.release(BEFORE_SCALE_DOWN);
                awaitAcknowledged(load, BEFORE_SCALE_DOWN);
                int acknowledgedAtScale = load.acknowledgedCount();

                api.kubectl("scale", "mr", NAME, "-n", NAMESPACE, "--replicas", "1").assertSuccess();
                load.pace(50); // the last 300 spread over the drain
                load.release(MESSAGES);
                Awaitility.await("Draining True").atMost(Duration.ofSeconds(120)).until(() -> !drainingSeen.isEmpty());
                assertThat(statefulSetReplicas()).as("nothing lowered while the queues are handed on").isEqualTo(3);

                Awaitility.await("replicas lowered once relay-1 and relay-2 are empty").atMost(Duration.ofSeconds(400))
                        .pollInterval(Duration.ofSeconds(1))
                        .failFast("operator stopped:\n" + operator, () -> !operator.isAlive())
                        .until(() -> statefulSetReplicas() == 1 && kubelet.endpoints(NAME).size() == 1);
                MailRelay drained = status.await("Draining False", Duration.ofSeconds(300),
                        r -> KubeFixture.condition(r, Conditions.DRAINING).map(c -> "False".equals(c.getStatus()))
                                .orElse(false));
                int acknowledgedDuringDrain = load.acknowledgedCount() - acknowledgedAtScale;
                Awaitility.await("every message acknowledged").atMost(Duration.ofSeconds(300)).until(load::done);
                for (String claim : List.of("spool-relay-1", "spool-relay-2")) {
                    assertThat(queued(kubelet.claimDirectory(claim))).as("left in %s", claim).isZero();
                }

                after = new SmtpSink().onPort(upstreamPort).start(); // the upstream is back
                var flushed = PackagedOperator.flush(api, NAMESPACE, NAME, kubelet.httpPort(NAME));
                assertThat(flushed.statusCode()).as(flushed.body()).isEqualTo(200);
                SmtpSink back = after;
                Awaitility.await("every acknowledged message upstream").atMost(Duration.ofSeconds(300))
                        .pollInterval(Duration.ofSeconds(1))
                        .until(() -> arrived(before, back).keySet().containsAll(load.acknowledgedIds()));
                Map<String, Integer> arrived = arrived(before, back);
                Set<String> lost = new TreeSet<>(load.acknowledgedIds());
                lost.removeAll(arrived.keySet());
                int duplicates = arrived.values().stream().mapToInt(n -> n - 1).sum();
                System.out.printf("scale-down 3 -> 1 under load: acknowledged=%d arrived=%d duplicates=%d (lost=%d, "
                        + "%d acknowledged during the drain, %d x 421, %d connections lost, Draining seen: %s)%n",
                        load.acknowledgedCount(), arrived.size(), duplicates, lost.size(), acknowledgedDuringDrain,
                        load.refused421(), load.connectionsLost(), drainingSeen.stream().limit(3).toList());
                assertThat(lost).as("acknowledged but never arrived").isEmpty();
                assertThat(drained.getStatus().replicas).isEqualTo(1);
                assertThat(status.events("Draining", "Normal")).isNotEmpty();
                assertThat(status.events("Drained", "Normal")).isNotEmpty();
                assertThat(drainingSeen).anyMatch(message -> message.contains("relay-2") && message.contains("relay-1"));
            }
        } finally {
            watcher.shutdownNow();
            before.close();
            if (after != null) {
                after.close();
            }
        }
    }

    private static int statefulSetReplicas() {
        StatefulSet statefulSet = api.client().apps().statefulSets().inNamespace(NAMESPACE).withName(NAME).get();
        return statefulSet.getSpec().getReplicas();
    }

    private static void awaitAcknowledged(LoadClient load, int count) {
        Awaitility.await(count + " acknowledged").atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(200))
                .until(() -> load.acknowledgedCount() >= count);
    }

    private static Map<String, Integer> arrived(SmtpSink before, SmtpSink after) {
        Map<String, Integer> counts = new HashMap<>(before.testIdCounts());
        after.testIdCounts().forEach((id, n) -> counts.merge(id, n, Integer::sum));
        return counts;
    }

    private static long queued(Path claim) throws Exception {
        Path queue = claim.resolve("queue");
        if (!Files.isDirectory(queue)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(queue)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".msg")).count();
        }
    }

    private static MailRelay relay() {
        return Specs.fromYaml(NAME, NAMESPACE, """
                replicas: 3
                allowedNetworks: [127.0.0.0/8]
                outbound: {mode: mx}
                probe: {enabled: false}
                terminationGracePeriodSeconds: 30
                """);
    }
}
