package io.mailrelay.probe;

import java.util.Locale;

/** The report for people: verdict first, then findings, then every attempt with its transcript. */
public final class ProbeReportText {

    private ProbeReportText() {
    }

    public static String render(ProbeReport report) {
        StringBuilder out = new StringBuilder();
        out.append("Open-relay probe of ").append(report.target()).append(": ").append(report.verdict())
                .append('\n');
        out.append("  ").append(report.reason()).append('\n');
        out.append("Server name: ").append(report.serverName() == null ? "-" : report.serverName())
                .append(", ").append(report.sessions().size()).append(" connection(s), ")
                .append(report.durationMillis()).append(" ms, started ").append(report.started()).append('\n');
        if (!report.findings().isEmpty()) {
            out.append("\nFindings:\n");
            for (Finding finding : report.findings()) {
                out.append("  ").append(finding.code()).append(": ")
                        .append(finding.message().replace("\n", "\n      ")).append('\n');
            }
        }
        if (!report.attempts().isEmpty()) {
            out.append("\nAttempts:\n");
            for (AttemptResult attempt : report.attempts()) {
                appendAttempt(out, attempt);
            }
        }
        return out.toString();
    }

    private static void appendAttempt(StringBuilder out, AttemptResult attempt) {
        out.append(String.format(Locale.ROOT, "  %-8s %-20s %s%n", attempt.outcome(), attempt.id(),
                attempt.description()));
        for (Exchange exchange : attempt.transcript()) {
            if (exchange.sent() != null) {
                out.append("             > ").append(exchange.sent()).append('\n');
            }
            if (exchange.hasReply()) {
                exchange.reply().forEach(line -> out.append("             < ").append(line).append('\n'));
            } else if (exchange.error() != null) {
                out.append("             ! ").append(exchange.error()).append('\n');
            }
        }
        if (attempt.outcome() == AttemptOutcome.NOT_RUN) {
            out.append("             ! ").append(attempt.detail()).append('\n');
        }
    }
}
