package io.mailrelay.operator.status;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import io.mailrelay.api.ProbeStatus;
import io.mailrelay.api.ProbeTargetStatus;
import io.mailrelay.operator.probing.ProbeRun.TargetRun;
import io.mailrelay.api.Conditions;
import io.mailrelay.operator.probing.ExposurePath;
import io.mailrelay.operator.probing.ProbeRun;
import io.mailrelay.operator.probing.TargetVerdict;
import io.mailrelay.probe.Finding;
import io.mailrelay.probe.FindingCode;
import io.mailrelay.probe.ProbeReport;

/**
 * A probe run as the MailRelay status shows it: {@code status.probe} (with a verdict per target) and the
 * {@code RelayClosed} condition. Condition messages carry no timings, so that identical results give identical
 * conditions (and no new events).
 */
public final class ProbeStatusMapper {

    public static final String PROBE_PASSED = "ProbePassed";
    public static final String OPEN_RELAY_DETECTED = "OpenRelayDetected";
    public static final String PROBE_INCONCLUSIVE = "ProbeInconclusive";
    public static final String PROBED_FROM_INSIDE = "ProbedFromAllowedNetwork";

    /** Findings that are part of every normal run and say nothing the verdict does not. */
    private static final List<FindingCode> ROUTINE = List.of(FindingCode.BANNER, FindingCode.TLS_USED,
            FindingCode.PROXY_HEADER);
    /** Findings worth naming in the condition. */
    private static final List<FindingCode> NOTABLE = List.of(FindingCode.AUTH_BEFORE_TLS, FindingCode.STARTTLS_FAILED,
            FindingCode.STARTTLS_NOT_OFFERED, FindingCode.AUTH_REQUIRED, FindingCode.PROXY_SPOOFABLE);

    private ProbeStatusMapper() {
    }

    public static ProbeStatus status(ProbeRun run) {
        ProbeStatus status = new ProbeStatus();
        status.lastRunTime = run.finished().toString();
        status.verdict = run.verdict().name();
        status.durationMillis = run.durationMillis();
        status.attempts = run.targets().stream().mapToInt(target -> target.report().attempts().size()).sum();
        status.acceptedAttempts = List.copyOf(run.targets().stream()
                .flatMap(target -> target.report().acceptedAttempts().stream())
                .collect(Collectors.toCollection(LinkedHashSet::new)));
        status.findings = List.copyOf(run.targets().stream().flatMap(target -> target.report().findings().stream())
                .filter(f -> !ROUTINE.contains(f.code())).map(f -> f.code() + ": " + f.message())
                .collect(Collectors.toCollection(LinkedHashSet::new)));
        status.target = run.targets().isEmpty() ? null : run.targets().get(0).probe().address().toString();
        status.source = run.source() == null ? null : run.source().getHostAddress();
        status.message = conditionMessage(run);
        status.targets = run.targets().stream().map(target -> target(target, run.insider())).toList();
        status.targetsNotProbed = run.targetsNotProbed() == 0 ? null : run.targetsNotProbed();
        return status;
    }

    private static ProbeTargetStatus target(TargetRun target, boolean insider) {
        ProbeTargetStatus status = new ProbeTargetStatus();
        status.address = target.probe().address().toString();
        status.path = target.probe().path().name();
        status.node = target.probe().node();
        status.vantage = target.probe().vantage();
        status.verdict = target.verdict(insider).name();
        status.attempts = target.report().attempts().size();
        status.acceptedAttempts = target.report().acceptedAttempts();
        status.reason = target.report().reason();
        return status;
    }

    public static void applyCondition(Conditions conditions, ProbeRun run) {
        String message = conditionMessage(run);
        switch (run.verdict()) {
            case Closed -> conditions.set(Conditions.RELAY_CLOSED, Conditions.TRUE, PROBE_PASSED, message);
            case Open -> conditions.set(Conditions.RELAY_CLOSED, Conditions.FALSE, OPEN_RELAY_DETECTED, message);
            case Insider -> conditions.set(Conditions.RELAY_CLOSED, Conditions.UNKNOWN, PROBED_FROM_INSIDE, message);
            case Inconclusive, ProxyOnly, Unreachable ->
                conditions.set(Conditions.RELAY_CLOSED, Conditions.UNKNOWN, PROBE_INCONCLUSIVE, message);
        }
    }

    private static String conditionMessage(ProbeRun run) {
        String from = run.source() == null ? "from the operator" : "from " + run.source().getHostAddress();
        boolean single = run.targets().size() == 1;
        TargetVerdict verdict = run.verdict();
        return switch (verdict) {
            case Insider -> {
                TargetRun inside = run.first(TargetVerdict.Insider).orElseThrow();
                yield "probed " + from + ", which is inside allowedNetworks: the result (" + inside.report().verdict()
                        + ") is an insider's view and proves nothing about outsiders; probe from outside the allow-list"
                        + " (mailrelay.probe.source-address) to prove the relay closed";
            }
            case Closed -> closed(run, from, single);
            case Open -> open(run, from, single);
            case Inconclusive -> {
                TargetRun unsure = run.first(TargetVerdict.Inconclusive).orElseThrow();
                yield "could not tell whether " + where(unsure, single) + " relays: " + unsure.report().reason();
            }
            case ProxyOnly -> "the relay greets only connections with a PROXY header (service.proxyProtocol) and no"
                    + " forged-PROXY probe reached it (nothing in allowedNetworks to claim?): nothing is proven; "
                    + run.first(TargetVerdict.ProxyOnly).orElseThrow().report().reason();
            case Unreachable -> (single ? "" : "no target could be reached: ")
                    + run.targets().stream().map(t -> t.report().reason()).collect(Collectors.joining("; "));
        };
    }

    private static String closed(ProbeRun run, String from, boolean single) {
        String extra = findings(run);
        if (single) {
            ProbeReport report = run.targets().get(0).report();
            return "all " + report.attempts().size() + " relay attempts " + from + " to " + run.targets().get(0)
                    .probe().address() + " were refused" + extra;
        }
        List<String> reached = run.targets().stream().filter(t -> t.verdict(run.insider()) == TargetVerdict.Closed)
                .map(t -> t.probe().describe()).toList();
        return "every relay attempt " + from + " was refused on all " + reached.size() + " targets reached ("
                + String.join(", ", reached) + ")" + notReached(run) + extra;
    }

    private static String open(ProbeRun run, String from, boolean single) {
        List<TargetRun> open = run.targets().stream().filter(t -> t.verdict(run.insider()) == TargetVerdict.Open).toList();
        TargetRun first = open.get(0);
        ProbeReport report = first.report();
        StringBuilder message = new StringBuilder("OPEN RELAY: ").append(where(first, single)).append(" accepted ")
                .append(report.acceptedAttempts().size()).append(" of ").append(report.attempts().size())
                .append(" relay attempts ").append(from).append(": ").append(String.join(", ", report.acceptedAttempts()));
        if (open.size() > 1) {
            message.append("; also open: ").append(open.subList(1, open.size()).stream().map(t -> t.probe().describe())
                    .collect(Collectors.joining(", ")));
        }
        boolean clusterIpClosed = run.targets().stream().anyMatch(t -> t.probe().path() == ExposurePath.ClusterIP
                && t.probe().forgedHeader() == null && t.verdict(run.insider()) == TargetVerdict.Closed);
        Set<ExposurePath> openPaths = open.stream().filter(t -> t.probe().forgedHeader() == null)
                .map(t -> t.probe().path()).filter(path -> path != ExposurePath.ClusterIP)
                .collect(Collectors.toCollection(LinkedHashSet::new));
        if (clusterIpClosed && !openPaths.isEmpty()) {
            message.append("; the ClusterIP is closed, so the ").append(openPaths.stream().map(Enum::name)
                    .collect(Collectors.joining(" and "))).append(" path gives clients an allow-listed address: most"
                    + " likely SNAT to a node address (externalTrafficPolicy: Cluster); use externalTrafficPolicy: Local"
                    + " or proxyProtocol, and keep node addresses out of allowedNetworks");
        }
        if (open.stream().anyMatch(t -> t.probe().forgedHeader() != null)) {
            message.append("; PROXY_SPOOFABLE: the relay believed a forged PROXY header ").append(from)
                    .append(", which is no load balancer: narrow service.trustedProxies to the load balancer's addresses");
        }
        return message.append(findings(run)).toString();
    }

    private static String where(TargetRun target, boolean single) {
        return single ? target.probe().address().toString() : target.probe().describe();
    }

    private static String notReached(ProbeRun run) {
        List<String> unreachable = run.targets().stream()
                .filter(t -> t.verdict(run.insider()) == TargetVerdict.Unreachable).map(t -> t.probe().describe()).toList();
        List<String> proxyOnly = run.targets().stream()
                .filter(t -> t.verdict(run.insider()) == TargetVerdict.ProxyOnly).map(t -> t.probe().describe()).toList();
        return (unreachable.isEmpty() ? "" : "; unreachable: " + String.join(", ", unreachable))
                + (proxyOnly.isEmpty() ? "" : "; no greeting without a PROXY header (as it must): "
                        + String.join(", ", proxyOnly));
    }

    private static String findings(ProbeRun run) {
        String names = run.targets().stream().flatMap(t -> t.report().findings().stream()).map(Finding::code)
                .filter(code -> NOTABLE.contains(code) && code != FindingCode.PROXY_SPOOFABLE).distinct()
                .map(Enum::name).collect(Collectors.joining(", "));
        return names.isEmpty() ? "" : "; findings: " + names;
    }
}
