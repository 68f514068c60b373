package io.mailrelay.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Condition;
import io.mailrelay.api.ProbeStatus;
import io.mailrelay.config.HostPort;
import io.mailrelay.api.Conditions;
import io.mailrelay.probe.AttemptResult;
import io.mailrelay.probe.Finding;
import io.mailrelay.probe.FindingCode;
import io.mailrelay.probe.AttemptOutcome;
import io.mailrelay.probe.ProbeReport;
import io.mailrelay.operator.probing.ExposurePath;
import io.mailrelay.operator.probing.PlannedProbe;
import io.mailrelay.operator.probing.ProbeRun;
import io.mailrelay.operator.probing.ProbeRun.TargetRun;
import io.mailrelay.operator.probing.TargetVerdict;
import io.mailrelay.probe.ProxyHeader;
import io.mailrelay.probe.Verdict;

@Tag("unit")
class ProbeStatusMapperTest {

    private static final Instant START = Instant.parse("2026-11-23T10:00:00Z");

    @Test
    void closedFromOutsideIsProbePassed() throws Exception {
        ProbeRun run = run(Verdict.CLOSED, List.of(), false, List.of(new Finding(FindingCode.BANNER, "220 relay")));

        Condition condition = condition(run);
        assertThat(condition.getStatus()).isEqualTo("True");
        assertThat(condition.getReason()).isEqualTo(ProbeStatusMapper.PROBE_PASSED);
        assertThat(condition.getMessage()).isEqualTo("all 3 relay attempts from 10.1.2.3 to relay.mail.svc:25 were refused");
        ProbeStatus status = ProbeStatusMapper.status(run);
        assertThat(status.verdict).isEqualTo("Closed");
        assertThat(status.attempts).isEqualTo(3);
        assertThat(status.source).isEqualTo("10.1.2.3");
        assertThat(status.findings).as("routine findings stay out of the status").isEmpty();
        assertThat(status.lastRunTime).isEqualTo("2026-11-23T10:00:02Z");
    }

    @Test
    void openNamesTheAcceptedAttemptsAndFindings() throws Exception {
        ProbeRun run = run(Verdict.OPEN, List.of("percent-hack-name", "external-sender"), false,
                List.of(new Finding(FindingCode.AUTH_BEFORE_TLS, "AUTH offered on a plain connection")));

        Condition condition = condition(run);
        assertThat(condition.getStatus()).isEqualTo("False");
        assertThat(condition.getReason()).isEqualTo(ProbeStatusMapper.OPEN_RELAY_DETECTED);
        assertThat(condition.getMessage()).isEqualTo("OPEN RELAY: relay.mail.svc:25 accepted 2 of 3 relay attempts"
                + " from 10.1.2.3: percent-hack-name, external-sender; findings: AUTH_BEFORE_TLS");
        assertThat(ProbeStatusMapper.status(run).findings)
                .containsExactly("AUTH_BEFORE_TLS: AUTH offered on a plain connection");
    }

    @Test
    void anInsiderNeverClaimsClosed() throws Exception {
        for (Verdict verdict : Verdict.values()) {
            ProbeRun run = run(verdict, verdict == Verdict.OPEN ? List.of("external-sender") : List.of(), true, List.of());
            Condition condition = condition(run);
            assertThat(condition.getStatus()).isEqualTo("Unknown");
            assertThat(condition.getReason()).isEqualTo(ProbeStatusMapper.PROBED_FROM_INSIDE);
            assertThat(condition.getMessage()).contains("inside allowedNetworks").contains(verdict.name());
            assertThat(ProbeStatusMapper.status(run).verdict).isEqualTo("Insider");
        }
    }

    @Test
    void inconclusiveIsUnknownWithTheProbesReason() throws Exception {
        ProbeRun run = run(Verdict.INCONCLUSIVE, List.of(), false, List.of());
        Condition condition = condition(run);
        assertThat(condition.getStatus()).isEqualTo("Unknown");
        assertThat(condition.getReason()).isEqualTo(ProbeStatusMapper.PROBE_INCONCLUSIVE);
        assertThat(condition.getMessage()).endsWith("relays: verdict INCONCLUSIVE for the test");
    }

    @Test
    void identicalResultsGiveIdenticalConditions() throws Exception {
        // no timing in the condition: the same result at the next interval, however long it took, must not
        // look like a change (a new message would be a new event)
        List<Finding> findings = List.of(new Finding(FindingCode.BANNER, "220 relay"),
                new Finding(FindingCode.STARTTLS_NOT_OFFERED, "STARTTLS not offered"));
        for (Verdict verdict : Verdict.values()) {
            List<String> accepted = verdict == Verdict.OPEN ? List.of("external-sender") : List.of();
            for (boolean insider : new boolean[] { false, true }) {
                Condition first = condition(run(verdict, accepted, insider, findings, START, Duration.ofSeconds(2)));
                Condition second = condition(run(verdict, accepted, insider, findings,
                        START.plus(Duration.ofMinutes(61)).plusMillis(17), Duration.ofMillis(28_513)));
                assertThat(second).as("%s, insider %s", verdict, insider).isEqualTo(first);
            }
        }
    }

    @Test
    void aNodePortOpenWhileTheClusterIpIsClosedNamesThePathAndTheLikelySnat() throws Exception {
        ProbeRun run = targets(false,
                target(ExposurePath.ClusterIP, "10.96.0.20:25", null, Verdict.CLOSED, List.of()),
                target(ExposurePath.NodePort, "10.0.0.4:30025", null, Verdict.OPEN, List.of("external-sender")),
                unreachable(ExposurePath.NodePort, "10.0.0.5:30025"));

        Condition condition = condition(run);
        assertThat(condition.getStatus()).isEqualTo("False");
        assertThat(condition.getReason()).isEqualTo(ProbeStatusMapper.OPEN_RELAY_DETECTED);
        assertThat(condition.getMessage()).startsWith("OPEN RELAY: NodePort 10.0.0.4:30025 (node-a) accepted 1 of 3")
                .contains("the ClusterIP is closed, so the NodePort path gives clients an allow-listed address")
                .contains("externalTrafficPolicy: Cluster");
        ProbeStatus status = ProbeStatusMapper.status(run);
        assertThat(status.verdict).isEqualTo("Open");
        assertThat(status.target).isEqualTo("10.96.0.20:25");
        assertThat(status.attempts).isEqualTo(6);
        assertThat(status.targets).extracting(t -> t.path + " " + t.address + " " + t.verdict + " " + t.acceptedAttempts)
                .containsExactly("ClusterIP 10.96.0.20:25 Closed []", "NodePort 10.0.0.4:30025 Open [external-sender]",
                        "NodePort 10.0.0.5:30025 Unreachable []");
    }

    @Test
    void anUnreachableTargetIsNeverClosedAndAloneMakesTheRelayUnreachable() throws Exception {
        ProbeRun down = targets(false, unreachable(ExposurePath.ClusterIP, "10.96.0.20:25"));
        assertThat(ProbeStatusMapper.status(down).verdict).isEqualTo("Unreachable");
        assertThat(condition(down).getStatus()).isEqualTo("Unknown");
        assertThat(condition(down).getReason()).isEqualTo(ProbeStatusMapper.PROBE_INCONCLUSIVE);

        // closed where it was reached: Closed, naming what was not reached
        ProbeRun partly = targets(false, target(ExposurePath.ClusterIP, "10.96.0.20:25", null, Verdict.CLOSED, List.of()),
                unreachable(ExposurePath.NodePort, "10.0.0.5:30025"));
        assertThat(ProbeStatusMapper.status(partly).verdict).isEqualTo("Closed");
        assertThat(ProbeStatusMapper.status(partly).targets).extracting(t -> t.verdict).containsExactly("Closed", "Unreachable");
        assertThat(condition(partly).getMessage()).isEqualTo("every relay attempt from 10.1.2.3 was refused on all 1"
                + " targets reached (ClusterIP 10.96.0.20:25); unreachable: NodePort 10.0.0.5:30025 (node-a)");
    }

    @Test
    void aProxyOnlyRelayIsClosedOnlyByItsForgedHeaderProbes() throws Exception {
        ProxyHeader forged = new ProxyHeader(ProxyHeader.Version.V2, InetAddress.getByName("10.20.0.1"));
        TargetRun headerless = noGreeting("10.96.0.20:25", null);
        ProbeRun refused = targets(false, headerless, target(ExposurePath.ClusterIP, "10.96.0.20:25", forged,
                Verdict.CLOSED, List.of()));
        assertThat(ProbeStatusMapper.status(refused).targets).extracting(t -> t.verdict + " " + t.vantage)
                .containsExactly("ProxyOnly direct", "Closed forged PROXY v2 header claiming 10.20.0.1");
        assertThat(ProbeStatusMapper.status(refused).verdict).isEqualTo("Closed");
        assertThat(condition(refused).getStatus()).isEqualTo("True");

        // only the header-less probe: nothing is proven
        ProbeRun alone = targets(false, headerless);
        assertThat(ProbeStatusMapper.status(alone).verdict).isEqualTo("ProxyOnly");
        assertThat(condition(alone).getStatus()).isEqualTo("Unknown");

        // the forged header believed: open, spoofable
        ProbeRun spoofed = targets(false, headerless, target(ExposurePath.ClusterIP, "10.96.0.20:25", forged,
                Verdict.OPEN, List.of("external-sender")));
        assertThat(ProbeStatusMapper.status(spoofed).verdict).isEqualTo("Open");
        assertThat(condition(spoofed).getMessage()).startsWith("OPEN RELAY: ClusterIP 10.96.0.20:25 with a forged PROXY"
                + " v2 header claiming 10.20.0.1 accepted 1 of 3").contains("PROXY_SPOOFABLE");

        // a relay without proxyProtocol that gives no greeting is inconclusive, not "proxy only"
        ProbeRun silent = targets(false, noGreeting("10.96.0.20:25", false));
        assertThat(ProbeStatusMapper.status(silent).verdict).isEqualTo("Inconclusive");
    }

    private static TargetRun target(ExposurePath path, String address, ProxyHeader forged, Verdict verdict,
            List<String> accepted) {
        ProbeReport report = report(verdict, accepted, List.of(), START, Duration.ofSeconds(1));
        return new TargetRun(new PlannedProbe(path, HostPort.parse(address, HostPort.SMTP_PORT),
                path == ExposurePath.NodePort ? "node-a" : null, forged, forged != null), report);
    }

    private static TargetRun unreachable(ExposurePath path, String address) {
        ProbeReport report = new ProbeReport(Verdict.INCONCLUSIVE, "cannot connect to " + address,
                HostPort.parse(address, HostPort.SMTP_PORT), START, START, 0, null, null, List.of(), List.of(),
                List.of(new Finding(FindingCode.CONNECTION_FAILED, "cannot connect")), List.of());
        return new TargetRun(new PlannedProbe(path, HostPort.parse(address, HostPort.SMTP_PORT),
                path == ExposurePath.NodePort ? "node-a" : null, null, false), report);
    }

    /** A probe that connected and got no greeting; {@code proxyOnly} null means the relay speaks PROXY. */
    private static TargetRun noGreeting(String address, Boolean proxyOnly) {
        ProbeReport report = new ProbeReport(Verdict.INCONCLUSIVE, "connected, but no greeting",
                HostPort.parse(address, HostPort.SMTP_PORT), START, START, 0, null, null, List.of(), List.of(),
                List.of(new Finding(FindingCode.NO_GREETING, "closed without a greeting")), List.of());
        return new TargetRun(new PlannedProbe(ExposurePath.ClusterIP, HostPort.parse(address, HostPort.SMTP_PORT), null, null,
                proxyOnly == null || proxyOnly), report);
    }

    private static ProbeRun targets(boolean insider, TargetRun... targets) throws Exception {
        return new ProbeRun(List.of(targets), InetAddress.getByName("10.1.2.3"), insider, "1/abc", 0);
    }

    private static Condition condition(ProbeRun run) {
        Conditions conditions = new Conditions(List.of(), 1, START);
        ProbeStatusMapper.applyCondition(conditions, run);
        return conditions.get(Conditions.RELAY_CLOSED).orElseThrow();
    }

    private static ProbeRun run(Verdict verdict, List<String> accepted, boolean insider, List<Finding> findings)
            throws Exception {
        return run(verdict, accepted, insider, findings, START, Duration.ofSeconds(2));
    }

    private static ProbeRun run(Verdict verdict, List<String> accepted, boolean insider, List<Finding> findings,
            Instant started, Duration took) throws Exception {
        return new ProbeRun(report(verdict, accepted, findings, started, took), "relay.mail.svc:25",
                InetAddress.getByName("10.1.2.3"), insider, "1/abc");
    }

    private static ProbeReport report(Verdict verdict, List<String> accepted, List<Finding> findings, Instant started,
            Duration took) {
        List<AttemptResult> attempts = List.of("external-sender", "percent-hack-name", "null-sender").stream()
                .map(id -> new AttemptResult(id, id, "a@probe.example", "b@probe.example",
                        accepted.contains(id) ? AttemptOutcome.ACCEPTED : AttemptOutcome.REFUSED, 1, null, List.of()))
                .toList();
        return new ProbeReport(verdict, "verdict " + verdict + " for the test",
                new HostPort("relay.mail.svc", 25), started, started.plus(took), took.toMillis(), "220 relay",
                "relay", attempts, accepted, findings, List.of());
    }
}
