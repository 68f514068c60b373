package io.mailrelay.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.mailrelay.testing.Exec;
import io.mailrelay.testing.NodeCluster;

/**
 * The operator on a real one-node cluster (scripts/node.sh): installed with helm from the chart, with the image
 * built from the Dockerfile; relays run as real pods behind real Services (kube-proxy), their NetworkPolicy
 * enforced (kube-router), names resolved by CoreDNS. Mail is sent with swaks from pods and received by
 * smtp-sink in a pod. Steps run in order and build on each other.
 *
 * <p>Namespaces: {@code e2e-mail} (relays, sink, client), {@code e2e-outsiders} (selected by the outbound
 * relay's allowedNamespaceSelector: may connect, not relay), {@code e2e-strangers} (not selected: blocked by
 * the NetworkPolicy).
 */
@Tag("e2e")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MailRelayE2E {

    @RegisterExtension
    static final NodeCluster NODE = new NodeCluster();

    private static final String RELEASE = "e2e";
    private static final String OPERATOR_NS = "mailrelay-system";
    private static final String MAIL_NS = "e2e-mail";
    private static final String OUTSIDERS_NS = "e2e-outsiders";
    private static final String STRANGERS_NS = "e2e-strangers";
    private static final String SINK = "sink." + MAIL_NS + ".svc.cluster.local";
    private static final String OUTBOUND = "outbound." + MAIL_NS + ".svc.cluster.local";
    private static final String INBOUND = "inbound." + MAIL_NS + ".svc.cluster.local";
    private static final Duration DEADLINE = Duration.ofSeconds(300);
    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);

    private static String clientIp;

    @Test
    @Order(1)
    void helmInstallsTheOperatorAndItBecomesReady() {
        NODE.helm(600, "install", RELEASE, "helm/mailrelay-operator", "--namespace", OPERATOR_NS, "--create-namespace",
                "--set", "image.repository=" + NodeCluster.IMAGE_REPOSITORY, "--set", "image.tag=" + NodeCluster.IMAGE_TAG,
                "--wait", "--timeout", "8m").assertSuccess();
        String ready = NODE.kubectl("-n", OPERATOR_NS, "get", "pods", "-o",
                "jsonpath={.items[*].status.containerStatuses[*].ready}").assertSuccess().stdout().trim();
        assertThat(ready.split("\\s+")).isNotEmpty().containsOnly("true");
    }

    @Test
    @Order(2)
    void peersRunAsPods() {
        NODE.apply(peers());
        for (String pod : new String[] {MAIL_NS + "/sink", MAIL_NS + "/client", OUTSIDERS_NS + "/outsider",
                STRANGERS_NS + "/stranger"}) {
            String[] nsAndName = pod.split("/");
            NODE.kubectlWithTimeout(360, "-n", nsAndName[0], "wait", "--for=condition=Ready", "pod/" + nsAndName[1],
                    "--timeout=300s").assertSuccess();
        }
        clientIp = NODE.kubectl("-n", MAIL_NS, "get", "pod", "client", "-o", "jsonpath={.status.podIP}")
                .assertSuccess().stdout().trim();
        assertThat(clientIp).matches("\\d+\\.\\d+\\.\\d+\\.\\d+");
    }

    @Test
    @Order(3)
    void mailRelaysBecomeReadyWithRealPods() {
        NODE.apply(relays(clientIp));
        for (String relay : new String[] {"outbound", "inbound"}) {
            NODE.kubectlWithTimeout(420, "-n", MAIL_NS, "wait", "--for=condition=Ready", "mailrelay/" + relay,
                    "--timeout=400s").assertSuccess();
        }
        String phases = NODE.kubectl("-n", MAIL_NS, "get", "pods", "-l", "app.kubernetes.io/instance=outbound",
                "-o", "jsonpath={.items[*].status.phase}").assertSuccess().stdout();
        assertThat(phases).isEqualTo("Running");
    }

    @Test
    @Order(4)
    void clientInAllowedNetworksRelaysAndEveryAcknowledgedMessageArrives() {
        awaitSmtp(MAIL_NS, "client", OUTBOUND + ":25");
        int messages = 5;
        int acknowledged = 0;
        for (int i = 0; i < messages; i++) {
            Exec.Result sent = swaks(MAIL_NS, "client", OUTBOUND, "someone@elsewhere.example", "relayed-" + RUN + "-" + i);
            assertThat(sent.exitCode()).as(sent.toString()).isZero();
            acknowledged++;
        }
        int acked = acknowledged;
        NodeCluster.await(acked + " relayed messages in the sink", DEADLINE,
                () -> sinkCount("relayed-" + RUN + "-") == acked);
        System.out.printf("relayed: %d acknowledged, %d arrived%n", acked, sinkCount("relayed-" + RUN + "-"));
    }

    @Test
    @Order(5)
    void outsiderIsRefusedRelaying() {
        awaitSmtp(OUTSIDERS_NS, "outsider", OUTBOUND + ":25");
        Exec.Result sent = swaks(OUTSIDERS_NS, "outsider", OUTBOUND, "someone@elsewhere.example", "outsider-" + RUN);
        assertThat(sent.exitCode()).as(sent.toString()).isNotZero();
        assertThat(sent.stdout()).as("connected, then refused at RCPT").contains("220 ").containsPattern("<\\*\\*\\s+5\\d\\d");
        assertThat(sinkCount("outsider-" + RUN)).isZero();
    }

    @Test
    @Order(6)
    void localDomainMailIsDeliveredToTheInClusterSink() {
        awaitSmtp(STRANGERS_NS, "stranger", INBOUND + ":25");
        Exec.Result sent = swaks(STRANGERS_NS, "stranger", INBOUND, "postmaster@e2e.test", "local-" + RUN);
        assertThat(sent.exitCode()).as(sent.toString()).isZero();
        NodeCluster.await("local-domain message in the sink", DEADLINE, () -> sinkCount("local-" + RUN) == 1);
    }

    @Test
    @Order(7)
    void networkPolicyBlocksAPodOfANonSelectedNamespace() {
        // the same pod reaches the sink (no policy) and the inbound relay (open to everyone): the network works
        Exec.Result sink = NODE.kubectl("-n", STRANGERS_NS, "exec", "stranger", "--", "swaks", "--server", SINK + ":2525",
                "--quit-after", "EHLO", "--timeout", "20");
        assertThat(sink.exitCode()).as(sink.toString()).isZero();
        Exec.Result blocked = NODE.kubectl("-n", STRANGERS_NS, "exec", "stranger", "--", "swaks", "--server",
                OUTBOUND + ":25", "--quit-after", "EHLO", "--timeout", "10");
        assertThat(blocked.exitCode()).as(blocked.toString()).isNotZero();
        assertThat(blocked.stdout()).doesNotContain("220 ");
        // and the outsiders' namespace, selected, connects
        Exec.Result selected = NODE.kubectl("-n", OUTSIDERS_NS, "exec", "outsider", "--", "swaks", "--server",
                OUTBOUND + ":25", "--quit-after", "EHLO", "--timeout", "20");
        assertThat(selected.exitCode()).as(selected.toString()).isZero();
    }

    @Test
    @Order(8)
    void probeVerdictAppearsInKubectlGetMr() {
        // a probe that runs before kube-proxy and kube-router have programmed the new pod is Inconclusive
        // (no connection); the next one, 10 s later, must be Closed. Open is never acceptable.
        java.util.Set<String> seen = new java.util.TreeSet<>();
        NodeCluster.await("probe verdict Closed for both relays", DEADLINE, () -> {
            String verdicts = NODE.kubectl("-n", MAIL_NS, "get", "mr", "-o",
                    "jsonpath={.items[*].status.probe.verdict}").stdout().trim();
            seen.addAll(java.util.List.of(verdicts.split("\\s+")));
            assertThat(verdicts).doesNotContain("Open");
            return verdicts.equals("Closed Closed");
        });
        System.out.println("probe verdicts seen: " + seen);
        String table = NODE.kubectl("-n", MAIL_NS, "get", "mr").assertSuccess().stdout();
        System.out.println(table);
        assertThat(table).contains("RELAY");
        for (String relay : new String[] {"outbound", "inbound"}) {
            assertThat(table.lines().filter(line -> line.startsWith(relay + " ")).findFirst().orElseThrow())
                    .contains("Closed").doesNotContain("Open");
        }
        System.out.println(NODE.kubectl("get", "pods,mr", "-A", "-o", "wide").assertSuccess().stdout());
    }

    @Test
    @Order(9)
    void statefulSetSpoolIsOnAPersistentVolume() {
        // the default persistence: a StatefulSet whose pod's spool is a claim bound to one of node.sh's static PVs
        String kind = NODE.kubectl("-n", MAIL_NS, "get", "statefulset", "outbound", "-o",
                "jsonpath={.status.readyReplicas}/{.spec.replicas}").assertSuccess().stdout().trim();
        assertThat(kind).isEqualTo("1/1");
        String claim = NODE.kubectl("-n", MAIL_NS, "get", "pod", "outbound-0", "-o",
                "jsonpath={.spec.volumes[*].persistentVolumeClaim.claimName}").assertSuccess().stdout().trim();
        assertThat(claim).isNotBlank();
        String bound = NODE.kubectl("-n", MAIL_NS, "get", "pvc", claim, "-o",
                "jsonpath={.status.phase} {.spec.volumeName}").assertSuccess().stdout().trim();
        assertThat(bound).matches("Bound mailrelay-node-pv\\d+");
        String hostPath = NODE.kubectl("get", "pv", bound.split(" ")[1], "-o", "jsonpath={.spec.hostPath.path}")
                .assertSuccess().stdout().trim();
        // the volume mounted in the relay container is that directory on the node: a file written in the pod appears there
        String volume = NODE.kubectl("-n", MAIL_NS, "get", "pod", "outbound-0", "-o",
                "jsonpath={.spec.volumes[?(@.persistentVolumeClaim.claimName==\"" + claim + "\")].name}")
                .assertSuccess().stdout().trim();
        String mountPath = NODE.kubectl("-n", MAIL_NS, "get", "pod", "outbound-0", "-o",
                "jsonpath={.spec.containers[0].volumeMounts[?(@.name==\"" + volume + "\")].mountPath}")
                .assertSuccess().stdout().trim();
        assertThat(mountPath).startsWith("/");
        String probeFile = ".e2e-" + RUN;
        NODE.kubectl("-n", MAIL_NS, "exec", "outbound-0", "--", "sh", "-c", "echo " + RUN + " > " + mountPath + "/" + probeFile)
                .assertSuccess();
        try {
            assertThat(java.nio.file.Path.of(hostPath, probeFile)).hasContent(RUN);
        } finally {
            NODE.kubectl("-n", MAIL_NS, "exec", "outbound-0", "--", "rm", "-f", mountPath + "/" + probeFile);
        }
        System.out.printf("spool: claim %s bound to %s (%s)%n", claim, bound.split(" ")[1], hostPath);
    }

    @Test
    @Order(10)
    void configChangeRollsThePodsWithRealSigtermAndNoAcknowledgedMessageIsLost() throws Exception {
        String prefix = "roll-" + RUN + "-";
        String oldUid = NODE.kubectl("-n", MAIL_NS, "get", "pod", "outbound-0", "-o", "jsonpath={.metadata.uid}")
                .assertSuccess().stdout().trim();
        // the old pod's log, streamed until the kubelet has stopped it: proves the SIGTERM reached the relay
        java.nio.file.Path oldLog = java.nio.file.Files.createTempFile("e2e-outbound-0", ".log");
        Process follow = new ProcessBuilder(NODE.kubectlCommand("-n", MAIL_NS, "logs", "-f", "outbound-0"))
                .redirectErrorStream(true).redirectOutput(oldLog.toFile()).start();
        // the client pod sends one message after another until told to stop, logging "ok N" for each 250
        String loop = "rm -f /tmp/stop /tmp/roll.log; i=0; while [ ! -f /tmp/stop ]; do i=$((i+1)); "
                + "if swaks --server " + OUTBOUND + ":25 --from sender@" + MAIL_NS + ".example --to someone@elsewhere.example"
                + " --header \"X-E2E-Marker: " + prefix + "$i\" --body roll --timeout 30 >/dev/null 2>&1;"
                + " then echo \"ok $i\"; else echo \"fail $i\"; fi >> /tmp/roll.log; sleep 0.5; done; echo stopped >> /tmp/roll.log";
        NODE.kubectl("-n", MAIL_NS, "exec", "client", "--", "sh", "-c", "nohup sh -c '" + loop + "' >/dev/null 2>&1 &")
                .assertSuccess();
        try {
            NodeCluster.await("10 messages acknowledged before the roll", DEADLINE, () -> acknowledged().size() >= 10);
            NODE.kubectl("-n", MAIL_NS, "patch", "mailrelay", "outbound", "--type", "merge", "-p",
                    "{\"spec\":{\"limits\":{\"maxRecipients\":50}}}").assertSuccess();
            NodeCluster.await("outbound-0 replaced by a new Ready pod", Duration.ofSeconds(420), () -> {
                String now = NODE.kubectl("-n", MAIL_NS, "get", "pod", "outbound-0", "-o",
                        "jsonpath={.metadata.uid} {.status.conditions[?(@.type==\"Ready\")].status}").stdout().trim();
                return !now.isEmpty() && !now.startsWith(oldUid) && now.endsWith(" True");
            });
            int afterRoll = acknowledged().size();
            NodeCluster.await("10 more messages acknowledged by the new pod", DEADLINE,
                    () -> acknowledged().size() >= afterRoll + 10);
        } finally {
            NODE.kubectl("-n", MAIL_NS, "exec", "client", "--", "touch", "/tmp/stop");
        }
        // the loop ends after its message in flight
        NodeCluster.await("the client's loop to stop", Duration.ofSeconds(120), () -> rollLog().lines().anyMatch("stopped"::equals));
        follow.waitFor(120, java.util.concurrent.TimeUnit.SECONDS);
        follow.destroy();
        String oldPodLog = java.nio.file.Files.readString(oldLog);
        java.nio.file.Files.deleteIfExists(oldLog);
        assertThat(oldPodLog).as("the old pod's relay log").contains("SIGTERM received: draining");

        java.util.Set<String> acked = acknowledged();
        NodeCluster.await("every acknowledged message in the sink", DEADLINE,
                () -> sinkMarkers(prefix).keySet().containsAll(acked));
        Map<String, Integer> arrived = sinkMarkers(prefix);
        int duplicates = arrived.values().stream().mapToInt(n -> n - 1).sum();
        long failed = rollLog().lines().filter(line -> line.startsWith("fail ")).count();
        System.out.printf("roll: acknowledged=%d arrived=%d duplicates=%d (not acknowledged during the roll: %d)%n",
                acked.size(), arrived.size(), duplicates, failed);
        assertThat(acked.size()).isGreaterThanOrEqualTo(20);
        assertThat(arrived.keySet()).containsAll(acked);
    }

    @Test
    @Order(20)
    void deletingRelaysAndHelmUninstallLeaveNothingBehind() {
        NODE.kubectlWithTimeout(300, "-n", MAIL_NS, "delete", "mailrelay", "--all", "--wait=true", "--timeout=240s")
                .assertSuccess();
        NodeCluster.await("no object the operator made in " + MAIL_NS, DEADLINE, () -> NODE.kubectl("-n", MAIL_NS,
                "get", "deployments,statefulsets,services,configmaps,networkpolicies,poddisruptionbudgets,serviceaccounts,pods",
                "-l", "app.kubernetes.io/managed-by", "-o", "name").stdout().isBlank());
        NODE.helm(300, "uninstall", RELEASE, "--namespace", OPERATOR_NS, "--wait", "--timeout", "4m").assertSuccess();
        NodeCluster.await("no pod left in " + OPERATOR_NS, DEADLINE,
                () -> NODE.kubectl("-n", OPERATOR_NS, "get", "pods", "-o", "name").stdout().isBlank());
        assertThat(NODE.kubectl("get", "all,serviceaccounts,roles,rolebindings,configmaps,secrets", "-n", OPERATOR_NS,
                "-l", "app.kubernetes.io/instance=" + RELEASE, "-o", "name").assertSuccess().stdout()).isBlank();
        assertThat(NODE.kubectl("get", "clusterroles,clusterrolebindings", "-l",
                "app.kubernetes.io/instance=" + RELEASE, "-o", "name").assertSuccess().stdout()).isBlank();
        // helm never deletes a chart's CRDs (crds/): still there, with no MailRelay left anywhere
        assertThat(NODE.kubectl("get", "mailrelays", "-A", "-o", "name").assertSuccess().stdout()).isBlank();
    }

    @AfterAll
    static void removeTestNamespaces() {
        if (NODE != null) {
            NODE.kubectlWithTimeout(300, "delete", "namespace", MAIL_NS, OUTSIDERS_NS, STRANGERS_NS, "--ignore-not-found",
                    "--wait=true", "--timeout=240s");
        }
    }

    /**
     * A Ready relay is not yet reachable through its Service until kube-proxy has programmed the new endpoint
     * (the ClusterIP answers "connection refused" until then): wait for a greeting from the sending pod.
     */
    private static void awaitSmtp(String namespace, String pod, String server) {
        NodeCluster.await(pod + " gets a greeting from " + server, DEADLINE, () -> NODE.kubectl("-n", namespace, "exec",
                pod, "--", "swaks", "--server", server, "--quit-after", "EHLO", "--timeout", "10").exitCode() == 0);
    }

    /** swaks in a pod; the header carries a marker that the sink's dumps are searched for. */
    private static Exec.Result swaks(String namespace, String pod, String server, String to, String marker) {
        return NODE.kubectl("-n", namespace, "exec", pod, "--", "swaks", "--server", server + ":25",
                "--from", "sender@" + namespace + ".example", "--to", to, "--header", "X-E2E-Marker: " + marker,
                "--body", "e2e message " + marker, "--timeout", "30");
    }

    /** Messages the sink received with the marker (prefix) in their X-E2E-Marker header. */
    private static int sinkCount(String markerPrefix) {
        return sinkMarkers(markerPrefix).values().stream().mapToInt(Integer::intValue).sum();
    }

    /** Each X-E2E-Marker value starting with the prefix that the sink received, with how many times. */
    private static Map<String, Integer> sinkMarkers(String markerPrefix) {
        Exec.Result dump = NODE.kubectl("-n", MAIL_NS, "exec", "sink", "--", "sh", "-c", "cat /sink/* 2>/dev/null || true");
        Matcher matcher = Pattern.compile("^X-E2E-Marker: (" + Pattern.quote(markerPrefix) + "\\S*)\\s*$", Pattern.MULTILINE)
                .matcher(dump.stdout());
        Map<String, Integer> markers = new java.util.TreeMap<>();
        while (matcher.find()) {
            markers.merge(matcher.group(1), 1, Integer::sum);
        }
        return markers;
    }

    private static String rollLog() {
        return NODE.kubectl("-n", MAIL_NS, "exec", "client", "--", "sh", "-c", "cat /tmp/roll.log 2>/dev/null || true").stdout();
    }

    /** The markers of the roll's messages that the client pod's swaks saw acknowledged (250 to the DATA). */
    private static java.util.Set<String> acknowledged() {
        java.util.Set<String> acked = new java.util.TreeSet<>();
        rollLog().lines().filter(line -> line.startsWith("ok ")).forEach(line -> acked.add("roll-" + RUN + "-" + line.substring(3).trim()));
        return acked;
    }

    private static String peers() {
        String tools = NodeCluster.TOOLS_IMAGE;
        return """
                apiVersion: v1
                kind: Namespace
                metadata: {name: %2$s}
                ---
                apiVersion: v1
                kind: Namespace
                metadata: {name: %3$s, labels: {e2e-role: outsiders}}
                ---
                apiVersion: v1
                kind: Namespace
                metadata: {name: %4$s}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: sink, namespace: %2$s, labels: {app: sink}}
                spec:
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: sink
                    image: %1$s
                    imagePullPolicy: Never
                    command: [sh, -c, "mkdir -p /sink && chown nobody /sink && exec /usr/sbin/smtp-sink -u nobody -d /sink/%%s. 0.0.0.0:2525 64"]
                    ports: [{containerPort: 2525, name: smtp}]
                    readinessProbe: {tcpSocket: {port: 2525}, periodSeconds: 1}
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: sink, namespace: %2$s}
                spec:
                  selector: {app: sink}
                  ports: [{port: 2525, targetPort: 2525, name: smtp}]
                """.formatted(tools, MAIL_NS, OUTSIDERS_NS, STRANGERS_NS)
                + idlePod(tools, MAIL_NS, "client") + idlePod(tools, OUTSIDERS_NS, "outsider")
                + idlePod(tools, STRANGERS_NS, "stranger");
    }

    private static String idlePod(String image, String namespace, String name) {
        return """
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: %3$s, namespace: %2$s}
                spec:
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: %3$s
                    image: %1$s
                    imagePullPolicy: Never
                    command: [sleep, infinity]
                """.formatted(image, namespace, name);
    }

    /** outbound: relays for the client's address through the sink as smarthost; inbound: the local domain e2e.test. */
    private static String relays(String clientAddress) {
        return """
                apiVersion: mailrelay.io/v1alpha1
                kind: MailRelay
                metadata: {name: outbound, namespace: %1$s}
                spec:
                  allowedNetworks: [%2$s/32]
                  allowedNamespaceSelector: {matchLabels: {e2e-role: outsiders}}
                  outbound:
                    mode: smarthost
                    smarthost: {host: %3$s, port: 2525, tls: none}
                  probe: {interval: 10s}
                ---
                apiVersion: mailrelay.io/v1alpha1
                kind: MailRelay
                metadata: {name: inbound, namespace: %1$s}
                spec:
                  localDomains:
                  - domain: e2e.test
                    deliverTo: %3$s:2525
                    recipientCheck: list
                    recipients: ["postmaster@e2e.test"]
                  outbound:
                    mode: smarthost
                    smarthost: {host: %3$s, port: 2525, tls: none}
                  probe: {interval: 10s}
                """.formatted(MAIL_NS, clientAddress, SINK);
    }
}
