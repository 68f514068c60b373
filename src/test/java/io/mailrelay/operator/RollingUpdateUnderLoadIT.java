package io.mailrelay.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.mailrelay.api.MailRelay;
import io.mailrelay.operator.status.Conditions;
import io.mailrelay.relay.RawSmtp;
import io.mailrelay.testing.AppProcess;
import io.mailrelay.testing.FreePort;
import io.mailrelay.testing.LocalKubelet;
import io.mailrelay.testing.RealKubeApiServer;
import io.mailrelay.testing.SmtpSink;

/**
 * Item 5a of issue 10: a config change rolls the relay pods while a client sends 2,000 messages, and every
 * message the relays acknowledged arrives upstream. The packaged operator runs against a real API server;
 * {@link LocalKubelet} runs the StatefulSet it creates (the default: a claim per pod) as relay processes,
 * rolls it like the StatefulSet controller (highest ordinal first, one at a time) and stops each pod like the
 * kubelet (out of the endpoints, preStop sleep, SIGTERM, SIGKILL after terminationGracePeriodSeconds). The
 * upstream is Postfix's smtp-sink. The client picks a ready pod for every connection, as a Service would; a
 * message that did not get its 250 (421 from a draining relay, a connection closed) is not acknowledged and
 * is sent again, so duplicates are possible and counted, losses are not allowed.
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

    private final Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
    private final ConcurrentLinkedQueue<Integer> retry = new ConcurrentLinkedQueue<>();
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger released = new AtomicInteger(BEFORE_ROLL);
    private final AtomicInteger refused421 = new AtomicInteger();
    private final AtomicInteger connectionsLost = new AtomicInteger();
    private volatile boolean paced;

    @Test
    void aConfigChangeRollsThePodsUnderLoadAndNothingAcknowledgedIsLost() throws Exception {
        KubeFixture kube = new KubeFixture(api.client());
        kube.installCrdOnly();
        kube.namespace(KubeFixture.OPERATOR_NAMESPACE, Map.of());
        kube.namespace(NAMESPACE, Map.of());
        try (LocalKubelet kubelet = new LocalKubelet(api.client(), NAMESPACE, upstream.host() + ":" + upstream.port()).start();
                AppProcess operator = AppProcess.builder("operator")
                        .env("KUBECONFIG", api.kubeconfigFile().toString())
                        .property("quarkus.http.host", "127.0.0.1")
                        .property("quarkus.http.port", String.valueOf(FreePort.pick()))
                        .property("mailrelay.operator-namespace", KubeFixture.OPERATOR_NAMESPACE)
                        .property("mailrelay.probe.address-override", "true")
                        .args("operator").start()) {

            kube.create(relay());
            awaitRelay(operator, "two pods ready", r -> ready(r) && r.getStatus().readyReplicas == 2);
            long pod0 = kubelet.podProcess(NAME, NAME + "-0").pid();
            long pod1 = kubelet.podProcess(NAME, NAME + "-1").pid();
            var spoolBefore = kubelet.spoolDirectory(NAME, NAME + "-0");
            assertThat(spoolBefore).isEqualTo(kubelet.claimDirectory("spool-relay-0"));

            ExecutorService clients = Executors.newFixedThreadPool(4);
            for (int i = 0; i < 4; i++) {
                clients.execute(() -> send(kubelet));
            }
            Awaitility.await("the first " + BEFORE_ROLL + " acknowledged").atMost(Duration.ofSeconds(120))
                    .until(() -> acknowledged.size() >= BEFORE_ROLL);

            // the config change: a new relay.yaml, a new config hash on the pod template, a roll
            MailRelay changed = kube.get(NAMESPACE, NAME);
            changed.getSpec().limits = new io.mailrelay.api.Limits();
            changed.getSpec().limits.maxRecipients = 50;
            kube.update(changed);
            paced = true;
            released.set(AFTER_ROLL);
            Instant rollStarted = Instant.now();
            int acknowledgedAtChange = acknowledged.size();

            Awaitility.await("both pods replaced").atMost(Duration.ofSeconds(300)).pollInterval(Duration.ofMillis(500))
                    .until(() -> replaced(kubelet, NAME + "-0", pod0) && replaced(kubelet, NAME + "-1", pod1));
            awaitRelay(operator, "ready again on the new configuration", r -> ready(r) && r.getStatus().readyReplicas == 2);
            int acknowledgedDuringRoll = acknowledged.size() - acknowledgedAtChange;
            Duration roll = Duration.between(rollStarted, Instant.now());
            paced = false;
            released.set(MESSAGES);

            clients.shutdown();
            assertThat(clients.awaitTermination(300, TimeUnit.SECONDS)).as("every message acknowledged in time").isTrue();
            assertThat(acknowledged).hasSize(MESSAGES);

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
                    .until(() -> upstream.testIds().containsAll(ids(acknowledged)));
            Map<String, Integer> arrived = upstream.testIdCounts();
            Set<String> lost = new java.util.TreeSet<>(ids(acknowledged));
            lost.removeAll(arrived.keySet());
            int duplicates = arrived.values().stream().mapToInt(n -> n - 1).sum();
            System.out.printf("rolling update under load: acknowledged=%d arrived=%d duplicates=%d "
                    + "(lost=%d, %d acknowledged during the %d s roll, %d x 421 while draining, %d connections lost)%n",
                    acknowledged.size(), arrived.size(), duplicates, lost.size(), acknowledgedDuringRoll,
                    roll.toSeconds(), refused421.get(), connectionsLost.get());
            assertThat(lost).as("acknowledged but never arrived").isEmpty();
            assertThat(acknowledgedDuringRoll).as("messages were sent while the pods rolled").isPositive();
        }
    }

    /** Sends numbered messages until all are acknowledged; what was not answered 250 is sent again. */
    private void send(LocalKubelet kubelet) {
        while (acknowledged.size() < MESSAGES) {
            if (retry.isEmpty() && next.get() >= released.get()) {
                pause(100); // the phase holds the next messages back, or others are still in flight
                continue;
            }
            List<Integer> endpoints = kubelet.endpoints(NAME);
            if (endpoints.isEmpty()) {
                pause(200); // no pod ready (between two pods of a roll): a client retries later
                continue;
            }
            int port = endpoints.get(ThreadLocalRandom.current().nextInt(endpoints.size()));
            Integer id = null;
            try (RawSmtp smtp = RawSmtp.connect("127.0.0.2", port)) {
                String banner = smtp.reply();
                if (banner == null || !banner.startsWith("220") || !smtp.command("EHLO client.test").startsWith("250")) {
                    count421(banner);
                    continue;
                }
                // long sessions: some are still open when a pod gets SIGTERM, and meet the drain's 421
                for (int inSession = 0; inSession < 100; inSession++) {
                    id = take();
                    if (id == null) {
                        break;
                    }
                    String reply = transaction(smtp, id);
                    if (reply != null && reply.startsWith("250")) {
                        acknowledged.add(id);
                        id = null;
                        if (acknowledged.size() % 250 == 0) {
                            System.out.println("rolling update under load: acknowledged " + acknowledged.size());
                        }
                    } else {
                        count421(reply);
                        break;
                    }
                }
                smtp.command("QUIT");
            } catch (RuntimeException | AssertionError connectionGone) {
                connectionsLost.incrementAndGet(); // a pod gone: whatever was not answered 250 is sent again
            } finally {
                if (id != null) {
                    retry.add(id);
                }
            }
        }
    }

    private static String transaction(RawSmtp smtp, int id) {
        String reply = smtp.command("MAIL FROM:<sender@client.test>");
        if (reply == null || !reply.startsWith("250")) {
            return reply;
        }
        reply = smtp.command("RCPT TO:<user" + id + "@example.test>");
        if (reply == null || !reply.startsWith("250")) {
            return reply;
        }
        reply = smtp.command("DATA");
        if (reply == null || !reply.startsWith("354")) {
            return reply;
        }
        return smtp.command("Subject: rolling update " + id + "\r\nX-Test-Id: m" + id + "\r\n\r\nbody of " + id + "\r\n.");
    }

    private void count421(String reply) {
        if (reply != null && reply.startsWith("421")) {
            refused421.incrementAndGet();
        }
    }

    /** The next message to send: one to send again first, else a new one the current phase releases. */
    private Integer take() {
        Integer again = retry.poll();
        if (again != null) {
            return again;
        }
        while (true) {
            int n = next.get();
            if (n >= released.get()) {
                return null; // the phase holds the next messages back
            }
            if (next.compareAndSet(n, n + 1)) {
                if (paced) {
                    pause(100); // spread the middle 1,000 over the roll: about 40 a second over 4 clients
                }
                return n;
            }
        }
    }

    /** Client-side pacing and back-off (what a real client does), never synchronisation. */
    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Set<String> ids(Set<Integer> numbers) {
        return numbers.stream().map(n -> "m" + n).collect(java.util.stream.Collectors.toSet());
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

    private static boolean ready(MailRelay relay) {
        return KubeFixture.condition(relay, Conditions.READY).map(c -> "True".equals(c.getStatus())).orElse(false)
                && relay.getStatus().observedGeneration >= relay.getMetadata().getGeneration();
    }

    private MailRelay awaitRelay(AppProcess operator, String what, Predicate<MailRelay> until) {
        return Awaitility.await(what).atMost(Duration.ofSeconds(300)).pollInterval(Duration.ofMillis(500))
                .failFast("operator stopped:\n" + operator, () -> !operator.isAlive())
                .until(() -> api.client().resources(MailRelay.class).inNamespace(NAMESPACE).withName(NAME).get(),
                        r -> r != null && r.getStatus() != null && until.test(r));
    }

    private static MailRelay relay() {
        return io.fabric8.kubernetes.client.utils.Serialization.unmarshal("""
                apiVersion: mailrelay.io/v1alpha1
                kind: MailRelay
                metadata: {name: %s, namespace: %s}
                spec:
                  replicas: 2
                  allowedNetworks: [127.0.0.0/8]
                  outbound: {mode: mx}
                  probe: {enabled: false}
                  terminationGracePeriodSeconds: 30
                """.formatted(NAME, NAMESPACE), MailRelay.class);
    }
}
