package io.mailrelay.operator.probing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Condition;
import io.mailrelay.api.ProbeStatus;
import io.mailrelay.operator.status.Conditions;
import io.mailrelay.probe.AttemptResult;
import io.mailrelay.probe.Finding;
import io.mailrelay.probe.FindingCode;
import io.mailrelay.probe.Outcome;
import io.mailrelay.probe.ProbeReport;
import io.mailrelay.probe.ProbeTarget;
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
        List<AttemptResult> attempts = List.of("external-sender", "percent-hack-name", "null-sender").stream()
                .map(id -> new AttemptResult(id, id, "a@probe.example", "b@probe.example",
                        accepted.contains(id) ? Outcome.ACCEPTED : Outcome.REFUSED, 1, null, List.of()))
                .toList();
        ProbeReport report = new ProbeReport(verdict, "verdict " + verdict + " for the test",
                new ProbeTarget("relay.mail.svc", 25), started, started.plus(took), took.toMillis(), "220 relay",
                "relay", attempts, accepted, findings, List.of());
        return new ProbeRun(report, "relay.mail.svc:25", InetAddress.getByName("10.1.2.3"), insider, "1/abc");
    }
}
