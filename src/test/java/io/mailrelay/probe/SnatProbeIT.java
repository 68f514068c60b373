package io.mailrelay.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.mailrelay.testing.AppProcess;
import io.mailrelay.testing.Exec;
import io.mailrelay.testing.NetworkLab;

/**
 * A real SNAT, in network namespaces this test creates (nothing in the host's own): a client, a "load
 * balancer" that DNATs its address 10.231.1.1:25 to the relay and SNATs (MASQUERADE) every client to its own
 * address 10.231.2.1, and the packaged relay, which allow-lists that address as a relay allow-listing a node
 * address would. The packaged probe, run in the client namespace as a CI job runs it from outside a cluster,
 * finds the relay open through the load balancer (exit 1) and closed on the direct path (exit 0).
 *
 * <pre>
 *  client 10.231.1.2 ──► lb 10.231.1.1:25 ─DNAT+SNAT─► 10.231.2.1 ──► relay 10.231.2.2:2525
 *  client 10.231.1.2 ──────────── routed, no NAT ───────────────────► relay 10.231.2.2:2525
 * </pre>
 */
class SnatProbeIT {

    private static final String LB_VIP = "10.231.1.1";
    private static final String LB_INSIDE = "10.231.2.1";
    private static final String RELAY = "10.231.2.2";

    @Test
    void theProbeFindsTheRelayOpenThroughTheSnatPathAndClosedOnTheDirectPath(@TempDir Path dir) throws Exception {
        Optional<String> unavailable = NetworkLab.unavailable();
        Assumptions.assumeTrue(unavailable.isEmpty(), () -> "no real SNAT on this machine: " + unavailable.get());
        try (NetworkLab lab = new NetworkLab("mrsnat")) {
            String client = lab.namespace("client");
            String lb = lab.namespace("lb");
            String relayNs = lab.namespace("relay");
            lab.link(client, "10.231.1.2/24", lb, LB_VIP + "/24");
            lab.link(lb, LB_INSIDE + "/24", relayNs, RELAY + "/24");
            lab.run(client, "ip", "route", "add", "default", "via", LB_VIP);
            lab.run(relayNs, "ip", "route", "add", "default", "via", LB_INSIDE);
            lab.run(lb, "sysctl", "-qw", "net.ipv4.ip_forward=1");
            lab.run(lb, "iptables", "-t", "nat", "-A", "PREROUTING", "-d", LB_VIP, "-p", "tcp", "--dport", "25",
                    "-j", "DNAT", "--to-destination", RELAY + ":2525");
            lab.run(lb, "iptables", "-t", "nat", "-A", "POSTROUTING", "-d", RELAY, "-m", "conntrack", "--ctstate",
                    "DNAT", "-j", "MASQUERADE");

            Path config = dir.resolve("relay.yaml");
            Files.writeString(config, """
                    server: {listenAddress: %s, port: 2525, hostname: relay.test}
                    allowedNetworks: [%s/32]
                    outbound: {mode: smarthost, smarthost: {host: 127.0.0.1, port: 25, tls: none}}
                    spool: {directory: %s, retrySchedule: [1h]}
                    """.formatted(RELAY, LB_INSIDE, dir.resolve("spool")));
            try (AppProcess relay = AppProcess.builder("relay-behind-snat").inNetworkNamespace(relayNs)
                    .property("quarkus.http.port", "8080").args("relay", "--config", config.toString()).start()) {
                Awaitility.await("the relay listening in its namespace").atMost(Duration.ofSeconds(120))
                        .pollInterval(Duration.ofMillis(500))
                        .until(() -> lab.exec(relayNs, "bash", "-c", "exec 3<>/dev/tcp/" + RELAY + "/2525").exitCode() == 0);

                Exec.Result throughLb = probe(lab, client, LB_VIP + ":25");
                Exec.Result direct = probe(lab, client, RELAY + ":2525");

                ProbeReport open = ProbeReportJson.read(throughLb.stdout());
                ProbeReport closed = ProbeReportJson.read(direct.stdout());
                System.out.printf("SNAT path: %s, %d of %d attempts accepted; direct path: %s, %d of %d refused%n",
                        open.verdict(), open.acceptedAttempts().size(), open.attempts().size(), closed.verdict(),
                        closed.attempts().stream().filter(a -> a.outcome() == AttemptOutcome.REFUSED).count(),
                        closed.attempts().size());
                assertThat(throughLb.exitCode()).as(throughLb.stderr()).isEqualTo(1);
                assertThat(open.verdict()).isEqualTo(Verdict.OPEN);
                assertThat(open.acceptedAttempts()).contains("external-sender", "null-sender");
                assertThat(direct.exitCode()).as(direct.stderr()).isZero();
                assertThat(closed.verdict()).isEqualTo(Verdict.CLOSED);
                assertThat(closed.attempts()).hasSizeGreaterThanOrEqualTo(16)
                        .allSatisfy(a -> assertThat(a.outcome()).isEqualTo(AttemptOutcome.REFUSED));
                // the same client both times: only the SNAT made the difference, as the relay saw it
                assertThat(open.sessions()).allSatisfy(s -> assertThat(s.localAddress()).startsWith("10.231.1.2:"));
                assertThat(closed.sessions()).allSatisfy(s -> assertThat(s.localAddress()).startsWith("10.231.1.2:"));
                assertThat(relay.log()).contains(LB_INSIDE).contains("10.231.1.2");
            }
        }
        assertThat(Exec.run("ip", "netns", "list").stdout()).doesNotContain("mrsnat");
    }

    /** The packaged probe in the client namespace; JSON on stdout, logs on stderr. */
    private static Exec.Result probe(NetworkLab lab, String namespace, String target) {
        List<String> command = List.of("ip", "netns", "exec", namespace,
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-jar",
                AppProcess.applicationJar().toAbsolutePath().toString(), "probe", target, "--tls", "none",
                "--connect-timeout", "10s", "--command-timeout", "30s", "--output", "json");
        return Exec.run(command, Map.of(), 300);
    }
}
