package io.mailrelay.probe;

import java.time.Instant;
import java.util.List;

import io.mailrelay.config.HostPort;

/**
 * The result of one probe run; its JSON form (see {@link ProbeReportJson} and docs/probe.md) is the
 * contract with the operator and with scripts.
 *
 * @param verdict OPEN, CLOSED or INCONCLUSIVE
 * @param reason one sentence explaining the verdict
 * @param target what was probed
 * @param started when the run started
 * @param finished when it ended
 * @param durationMillis finished - started
 * @param banner the greeting banner (all lines joined by newlines), or null if none was received
 * @param serverName the name used as the target's own domain in the attempts
 * @param attempts every attempt in order
 * @param acceptedAttempts ids of the attempts the server accepted (non-empty exactly when OPEN)
 * @param findings observations beside the verdict
 * @param sessions every connection opened, with its set-up transcript
 */
public record ProbeReport(Verdict verdict, String reason, HostPort target, Instant started, Instant finished,
        long durationMillis, String banner, String serverName, List<AttemptResult> attempts,
        List<String> acceptedAttempts, List<Finding> findings, List<SessionRecord> sessions) {

    public ProbeReport {
        attempts = List.copyOf(attempts);
        acceptedAttempts = List.copyOf(acceptedAttempts);
        findings = List.copyOf(findings);
        sessions = List.copyOf(sessions);
    }

    /** The findings of one kind. */
    public List<Finding> findings(FindingCode code) {
        return findings.stream().filter(f -> f.code() == code).toList();
    }

    public boolean has(FindingCode code) {
        return findings.stream().anyMatch(f -> f.code() == code);
    }

    /** The process exit code for this verdict: 0 CLOSED, 1 OPEN, 2 INCONCLUSIVE. */
    public int exitCode() {
        return switch (verdict) {
            case CLOSED -> 0;
            case OPEN -> 1;
            case INCONCLUSIVE -> 2;
        };
    }
}
