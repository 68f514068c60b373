package io.mailrelay.demo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.function.Predicate;

import org.awaitility.Awaitility;

import io.mailrelay.api.MailRelay;
import io.mailrelay.testing.AppProcess;
import io.mailrelay.testing.Exec;
import io.mailrelay.testing.FreePort;
import io.mailrelay.testing.LocalKubelet;
import io.mailrelay.testing.ProcessTree;
import io.mailrelay.testing.RealKubeApiServer;
import io.mailrelay.testing.SmtpSink;
import io.mailrelay.testing.Swaks;

/**
 * The main job, on one machine with no cluster: a real kube-apiserver, the packaged operator, relays run
 * as processes on loopback by {@link LocalKubelet} in place of pods, Postfix's smtp-sink as the company's
 * mail server, swaks as clients. It shows a MailRelay being reconciled, relaying by the rules, proven
 * closed by the operator's probe, caught open when a load balancer hides client addresses, and closed again.
 * Run by {@code scripts/demo.sh}; exits 0 when every step behaved as expected.
 */
public final class LocalDemo {

    private static final String NAMESPACE = "demo";
    private static final String APP_SERVER = "127.0.0.2";
    private static final String OUTSIDER = "127.0.0.66";
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(180);

    private final RealKubeApiServer api = new RealKubeApiServer();
    /** What the demo started, stopped in reverse order however it ends. */
    private final Deque<AutoCloseable> started = new ArrayDeque<>();

    /**
     * {@code --keep}: leave everything running at the end (until Ctrl-C or SIGTERM). {@code --until-ready}:
     * stop once the relay is Ready and proven closed (steps 1 and 2), for the test that checks the clean-up.
     */
    public static void main(String[] args) throws Exception {
        List<String> options = List.of(args);
        LocalDemo demo = new LocalDemo();
        // Ctrl-C (SIGINT), SIGTERM and System.exit all run shutdown hooks: nothing the demo started outlives it
        Runtime.getRuntime().addShutdownHook(new Thread(demo::stopEverything, "demo-cleanup"));
        int exit = 0;
        try {
            demo.run(options.contains("--keep"), options.contains("--until-ready"));
        } catch (Throwable failure) {
            failure.printStackTrace();
            exit = 1;
        } finally {
            demo.stopEverything();
        }
        System.exit(exit); // client and informer threads must not keep the JVM alive

    }

    private <T extends AutoCloseable> T started(T resource) {
        synchronized (started) {
            started.push(resource);
        }
        return resource;
    }

    /**
     * Stops what the demo started, newest first, then any process still below this JVM (a relay that a
     * rollout started as the demo ended, an etcd whose API server died first), SIGTERM first, then SIGKILL.
     */
    private void stopEverything() {
        synchronized (started) {
            while (!started.isEmpty()) {
                try {
                    started.pop().close();
                } catch (Exception e) {
                    System.err.println("demo clean-up: " + e);
                }
            }
        }
        ProcessTree.stopDescendants(Duration.ofSeconds(30));
    }

    private void run(boolean keep, boolean untilReady) throws Exception {
        title("1. A real Kubernetes API server (kube-apiserver + etcd) on loopback");
        started(api::stop);
        api.start();
        System.out.println("kubeconfig: " + api.kubeconfigFile());
        show(api.kubectl("apply", "--server-side", "-f", "crds/"));
        show(api.kubectl("create", "namespace", "mailrelay-system"));
        show(api.kubectl("create", "namespace", NAMESPACE));

        SmtpSink companyMailServer = started(new SmtpSink().start());
        System.out.println("the company's mail server (Postfix smtp-sink) listens on 127.0.0.1:" + companyMailServer.port());
        int metricsPort = FreePort.pick();
        LocalKubelet kubelet = started(new LocalKubelet(api.client(), NAMESPACE,
                companyMailServer.host() + ":" + companyMailServer.port()).start());
        AppProcess operator = started(AppProcess.builder("operator")
                .env("KUBECONFIG", api.kubeconfigFile().toString())
                .property("quarkus.http.host", "127.0.0.1")
                .property("quarkus.http.port", String.valueOf(metricsPort))
                .property("mailrelay.operator-namespace", "mailrelay-system")
                // out of a cluster Service DNS does not resolve: the kubelet stand-in says where each relay is
                .property("mailrelay.probe.address-override", "true")
                // the probe's vantage: an outsider, like the ISP that connects back to port 25
                .property("mailrelay.probe.source-address", "127.0.0.9")
                .args("operator").start());
        System.out.println("operator started (log: " + operator.logFile() + ")");

        title("2. kubectl apply a MailRelay: app servers in " + APP_SERVER + "/32 relay anywhere, office.test is local");
        Path manifest = Files.createTempFile("office", ".yaml");
        Files.writeString(manifest, """
                apiVersion: mailrelay.io/v1alpha1
                kind: MailRelay
                metadata: {name: office, namespace: demo}
                spec:
                  allowedNetworks: [%s/32]
                  localDomains:
                    - {domain: office.test, deliverTo: "mail.office.test:25"}
                  outbound: {mode: mx}
                  probe: {interval: 15s}
                """.formatted(APP_SERVER));
        show(api.kubectl("apply", "-f", manifest.toString()));
        awaitRelay(operator, "the relay is ready and proven closed", r -> verdict(r, "Closed"));
        show(api.kubectl("get", "mr", "-n", NAMESPACE));
        show(api.kubectl("describe", "mr", "office", "-n", NAMESPACE));
        if (!untilReady) {
            showTheRelayAtWork(kubelet, operator, companyMailServer, metricsPort);
        }
        title("Demo finished: every step behaved as expected");
        if (keep) {
            System.out.println("still running; KUBECONFIG=" + api.kubeconfigFile() + " kubectl get mr -A ; Ctrl-C ends");
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    private void showTheRelayAtWork(LocalKubelet kubelet, AppProcess operator, SmtpSink companyMailServer,
            int metricsPort) throws Exception {
        title("3. The relay at work (client addresses after the TCP handshake decide)");
        int port = kubelet.smtpPort("office");
        expect("app server " + APP_SERVER + " → customer@example.net: relayed",
                Swaks.send("127.0.0.1", port, "--local-interface", APP_SERVER, "--from", "app@office.test",
                        "--to", "customer@example.net", "--header", "Subject: invoice"), true);
        expect("outsider " + OUTSIDER + " → victim@example.org: refused, 554 5.7.1 Relay access denied",
                Swaks.send("127.0.0.1", port, "--local-interface", OUTSIDER, "--from", "spam@example.org",
                        "--to", "victim@example.org"), false);
        expect("outsider " + OUTSIDER + " → bob@office.test: accepted (a local domain)",
                Swaks.send("127.0.0.1", port, "--local-interface", OUTSIDER, "--from", "partner@example.org",
                        "--to", "bob@office.test", "--header", "Subject: hello"), true);
        expect("outsider: percent hack user%victim.example@office.test: refused",
                Swaks.send("127.0.0.1", port, "--local-interface", OUTSIDER, "--from", "spam@example.org",
                        "--to", "user%victim.example@office.test"), false);
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> companyMailServer.messages().size() >= 2);
        System.out.println("the company's mail server received " + companyMailServer.messages().size()
                + " messages (the two accepted ones)");

        title("4. A load balancer in front SNATs every client to an allow-listed address: the relay is now open");
        kubelet.simulateSnat(true).restartAll();
        awaitRelay(operator, "the operator's probe catches the open relay", r -> verdict(r, "Open"));
        show(api.kubectl("get", "mr", "-n", NAMESPACE));
        show(api.kubectl("get", "events", "-n", NAMESPACE, "--field-selector", "reason=OpenRelayDetected"));

        title("5. Fixed (externalTrafficPolicy: Local keeps client addresses): closed again");
        kubelet.simulateSnat(false).restartAll();
        awaitRelay(operator, "closed again", r -> verdict(r, "Closed"));
        show(api.kubectl("get", "mr", "-n", NAMESPACE));
        show(api.kubectl("get", "events", "-n", NAMESPACE, "--sort-by=.lastTimestamp"));
        String metrics = Exec.run("curl", "-s", "http://127.0.0.1:" + metricsPort + "/q/metrics").stdout();
        metrics.lines().filter(l -> l.startsWith("mailrelay_probe")).forEach(System.out::println);
    }

    private MailRelay awaitRelay(AppProcess operator, String what, Predicate<MailRelay> until) {
        System.out.println("… waiting: " + what);
        return Awaitility.await(what).atMost(STEP_TIMEOUT).pollInterval(Duration.ofSeconds(1))
                .failFast("the operator stopped, see " + operator.logFile(), () -> !operator.isAlive())
                .until(() -> api.client().resources(MailRelay.class).inNamespace(NAMESPACE).withName("office").get(),
                        r -> r != null && r.getStatus() != null && until.test(r));
    }

    private static boolean verdict(MailRelay relay, String verdict) {
        return relay.getStatus().probe != null && verdict.equals(relay.getStatus().probe.verdict);
    }

    private static void expect(String what, Exec.Result result, boolean accepted) {
        boolean ok = accepted == (result.exitCode() == 0);
        String replies = result.stdout().lines().filter(l -> l.startsWith("<** ") || l.startsWith("<-  250 2.0.0"))
                .findFirst().orElse("");
        System.out.println((ok ? "  ok   " : "  FAIL ") + what + (replies.isEmpty() ? "" : "   [" + replies.strip() + "]"));
        if (!ok) {
            throw new IllegalStateException("unexpected: " + what + "\n" + result);
        }
    }

    private static void show(Exec.Result result) {
        System.out.println("$ " + String.join(" ", result.command().subList(1, result.command().size()))
                .replaceFirst("--kubeconfig=\\S+ ", "kubectl "));
        System.out.print(result.stdout());
        if (result.exitCode() != 0) {
            throw new IllegalStateException(result.toString());
        }
    }

    private static void title(String text) {
        System.out.println();
        System.out.println("=== " + text);
    }
}
