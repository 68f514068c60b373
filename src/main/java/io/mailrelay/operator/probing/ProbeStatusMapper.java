package io.mailrelay.operator.probing;

import java.util.List;
import java.util.stream.Collectors;

import io.mailrelay.api.ProbeStatus;
import io.mailrelay.operator.status.Conditions;
import io.mailrelay.probe.Finding;
import io.mailrelay.probe.FindingCode;
import io.mailrelay.probe.ProbeReport;

/**
 * A probe run as the MailRelay status shows it: {@code status.probe} and the {@code RelayClosed} condition.
 * Condition messages carry no timings, so that identical results give identical conditions (and no new
 * events).
 */
public final class ProbeStatusMapper {

    public static final String PROBE_PASSED = "ProbePassed";
    public static final String OPEN_RELAY_DETECTED = "OpenRelayDetected";
    public static final String PROBE_INCONCLUSIVE = "ProbeInconclusive";
    public static final String PROBED_FROM_INSIDE = "ProbedFromAllowedNetwork";

    /** Findings that are part of every normal run and say nothing the verdict does not. */
    private static final List<FindingCode> ROUTINE = List.of(FindingCode.BANNER, FindingCode.TLS_USED);

    private ProbeStatusMapper() {
    }

    public static ProbeStatus status(ProbeRun run) {
        ProbeReport report = run.report();
        ProbeStatus status = new ProbeStatus();
        status.lastRunTime = report.finished().toString();
        status.verdict = verdictLabel(run);
        status.durationMillis = report.durationMillis();
        status.attempts = report.attempts().size();
        status.acceptedAttempts = report.acceptedAttempts();
        status.findings = report.findings().stream().filter(f -> !ROUTINE.contains(f.code()))
                .map(f -> f.code() + ": " + f.message()).toList();
        status.target = run.target();
        status.source = run.source() == null ? null : run.source().getHostAddress();
        status.message = conditionMessage(run);
        return status;
    }

    /** Closed, Open, Inconclusive, or Insider when the probe came from inside the allow-list. */
    public static String verdictLabel(ProbeRun run) {
        if (run.insider()) {
            return "Insider";
        }
        return switch (run.report().verdict()) {
            case CLOSED -> "Closed";
            case OPEN -> "Open";
            case INCONCLUSIVE -> "Inconclusive";
        };
    }

    public static void applyCondition(Conditions conditions, ProbeRun run) {
        String message = conditionMessage(run);
        if (run.insider()) {
            conditions.set(Conditions.RELAY_CLOSED, Conditions.UNKNOWN, PROBED_FROM_INSIDE, message);
            return;
        }
        switch (run.report().verdict()) {
            case CLOSED -> conditions.set(Conditions.RELAY_CLOSED, Conditions.TRUE, PROBE_PASSED, message);
            case OPEN -> conditions.set(Conditions.RELAY_CLOSED, Conditions.FALSE, OPEN_RELAY_DETECTED, message);
            case INCONCLUSIVE -> conditions.set(Conditions.RELAY_CLOSED, Conditions.UNKNOWN, PROBE_INCONCLUSIVE, message);
        }
    }

    private static String conditionMessage(ProbeRun run) {
        ProbeReport report = run.report();
        String from = run.source() == null ? "from the operator" : "from " + run.source().getHostAddress();
        if (run.insider()) {
            return "probed " + from + ", which is inside allowedNetworks: the result (" + report.verdict()
                    + ") is an insider's view and proves nothing about outsiders; probe from outside the allow-list"
                    + " (mailrelay.probe.source-address) to prove the relay closed";
        }
        String findings = report.findings().stream().filter(f -> f.code() == FindingCode.AUTH_BEFORE_TLS
                || f.code() == FindingCode.STARTTLS_FAILED || f.code() == FindingCode.STARTTLS_NOT_OFFERED
                || f.code() == FindingCode.AUTH_REQUIRED).map(Finding::code).map(Enum::name)
                .collect(Collectors.joining(", "));
        String extra = findings.isEmpty() ? "" : "; findings: " + findings;
        return switch (report.verdict()) {
            case CLOSED -> "all " + report.attempts().size() + " relay attempts " + from + " to " + run.target()
                    + " were refused" + extra;
            case OPEN -> "OPEN RELAY: " + run.target() + " accepted " + report.acceptedAttempts().size() + " of "
                    + report.attempts().size() + " relay attempts " + from + ": "
                    + String.join(", ", report.acceptedAttempts()) + extra;
            case INCONCLUSIVE -> "could not tell whether " + run.target() + " relays: " + report.reason();
        };
    }
}
