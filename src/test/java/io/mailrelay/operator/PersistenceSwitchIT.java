package io.mailrelay.operator;

import static org.assertj.core.api.Assertions.assertThat;

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

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.mailrelay.api.MailRelay;
import io.mailrelay.api.Persistence;
import io.mailrelay.api.Conditions;
import io.mailrelay.testing.AppProcess;
import io.mailrelay.testing.FreePort;
import io.mailrelay.testing.LocalKubelet;
import io.mailrelay.testing.RealKubeApiServer;
import io.mailrelay.testing.SmtpSink;

/**
 * Item 3 of issue 10: a relay on an emptyDir Deployment (two pods holding queued mail, the upstream down) is switched
 * to claims (persistence.type removed) while a client sends: the operator creates the StatefulSet next to the
 * Deployment, waits until it is ready, has the Deployment's pods hand their queues to the StatefulSet's pods, and
 * deletes the Deployment only once they are empty. No gap (the client always finds a pod), nothing lost. Packaged
 * operator, real API server, {@link LocalKubelet}, Postfix smtp-sink upstream.
 */
@Tag("kube")
@Tag("smtp")
class PersistenceSwitchIT {

    private static final String NAMESPACE = "switch";
    private static final String NAME = "relay";
    private static final int MESSAGES = 400;
    private static final int BEFORE_SWITCH = 200;

    @RegisterExtension
    static final RealKubeApiServer api = new RealKubeApiServer();

    @Test
    void emptyDirToClaimsHandsTheOldPodsQueuesToTheNewOnesWithoutAGapAndLosesNothing() throws Exception {
        KubeFixture kube = KubeFixture.forPackagedOperator(api.client(), NAMESPACE);
        int upstreamPort = FreePort.pick(); // down until the switch is done
        Set<String> drainingSeen = ConcurrentHashMap.newKeySet();
        ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor();
        SmtpSink upstream = null;
        try (LocalKubelet kubelet = new LocalKubelet(api.client(), NAMESPACE, "127.0.0.1:" + upstreamPort).start();
                AppProcess operator = PackagedOperator.start(api)) {
            StatusWatch status = new StatusWatch(api.client(), operator, NAMESPACE, NAME);
            kube.create(relay());
            status.await("two emptyDir pods ready",
                    r -> StatusWatch.readyAndObserved(r) && r.getStatus().readyReplicas == 2);
            assertThat(deployment()).isNotNull();
            watcher.scheduleWithFixedDelay(() -> status.draining().ifPresent(drainingSeen::add), 0, 500,
                    TimeUnit.MILLISECONDS);

            try (LoadClient load = new LoadClient(() -> kubelet.endpoints(NAME), MESSAGES, 4, 50)) {
                load.release(BEFORE_SWITCH);
                Awaitility.await().atMost(Duration.ofSeconds(180)).until(() -> load.acknowledgedCount() >= BEFORE_SWITCH);
                List<String> oldPods = kubelet.podNames(NAME);

                MailRelay switched = kube.get(NAMESPACE, NAME);
                switched.getSpec().persistence = null; // durable: claims
                kube.update(switched);
                load.pace(50);
                load.release(MESSAGES);

                Awaitility.await("Draining True").atMost(Duration.ofSeconds(180)).until(() -> !drainingSeen.isEmpty());
                Awaitility.await("the Deployment deleted once its pods are empty").atMost(Duration.ofSeconds(400))
                        .pollInterval(Duration.ofSeconds(1))
                        .failFast("operator stopped:\n" + operator, () -> !operator.isAlive())
                        .until(() -> deployment() == null);
                MailRelay done = status.await("Draining False on the StatefulSet", r -> KubeFixture.condition(r,
                        Conditions.DRAINING).map(c -> "False".equals(c.getStatus())).orElse(false)
                        && StatusWatch.readyAndObserved(r));
                Awaitility.await("every message acknowledged").atMost(Duration.ofSeconds(300)).until(load::done);
                StatefulSet statefulSet = api.client().apps().statefulSets().inNamespace(NAMESPACE).withName(NAME).get();
                assertThat(statefulSet.getSpec().getReplicas()).isEqualTo(2);

                upstream = new SmtpSink().onPort(upstreamPort).start(); // the upstream is back
                for (String pod : kubelet.podNames(NAME)) {
                    var flushed = PackagedOperator.flush(api, NAMESPACE, NAME, kubelet.httpPort(NAME, pod));
                    assertThat(flushed.statusCode()).as(flushed.body()).isEqualTo(200);
                }
                SmtpSink sink = upstream;
                Awaitility.await("every acknowledged message upstream").atMost(Duration.ofSeconds(300))
                        .pollInterval(Duration.ofSeconds(1))
                        .until(() -> sink.testIds().containsAll(load.acknowledgedIds()));
                Map<String, Integer> arrived = new HashMap<>(sink.testIdCounts());
                Set<String> lost = new TreeSet<>(load.acknowledgedIds());
                lost.removeAll(arrived.keySet());
                int duplicates = arrived.values().stream().mapToInt(n -> n - 1).sum();
                System.out.printf("persistence switch emptyDir -> claims under load: acknowledged=%d arrived=%d "
                        + "duplicates=%d (lost=%d, old pods %s, new pods %s, %d x 421, %d connections lost, Draining "
                        + "seen: %s)%n", load.acknowledgedCount(), arrived.size(), duplicates, lost.size(), oldPods,
                        kubelet.podNames(NAME), load.refused421(), load.connectionsLost(),
                        drainingSeen.stream().limit(2).toList());
                assertThat(lost).as("acknowledged but never arrived").isEmpty();
                assertThat(oldPods).noneMatch(pod -> kubelet.podNames(NAME).contains(pod));
                assertThat(done.getStatus().readyReplicas).isEqualTo(2);
                assertThat(drainingSeen).anyMatch(m -> m.contains("switching the spool from emptyDir"));
                assertThat(status.events("Drained", "Normal")).isNotEmpty();
            }
        } finally {
            watcher.shutdownNow();
            if (upstream != null) {
                upstream.close();
            }
        }
    }

    private static Deployment deployment() {
        return api.client().apps().deployments().inNamespace(NAMESPACE).withName(NAME).get();
    }

    private static MailRelay relay() {
        MailRelay relay = Specs.fromYaml(NAME, NAMESPACE, """
                replicas: 2
                allowedNetworks: [127.0.0.0/8]
                outbound: {mode: mx}
                probe: {enabled: false}
                terminationGracePeriodSeconds: 30
                persistence: {type: EmptyDir}
                """);
        assertThat(relay.getSpec().persistence.type).isEqualTo(Persistence.Type.EmptyDir);
        return relay;
    }
}
