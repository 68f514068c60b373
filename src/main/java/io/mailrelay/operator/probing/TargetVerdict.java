package io.mailrelay.operator.probing;

import java.util.Comparator;
import java.util.List;

import io.mailrelay.probe.FindingCode;
import io.mailrelay.probe.ProbeReport;
import io.mailrelay.probe.Verdict;

/**
 * The verdict for one target, worst first: the RELAY column shows the worst over all targets. Closed ranks
 * above ProxyOnly and Unreachable, which are no evidence at all: a relay is Closed when every target that was
 * reached refused everything, and is never Closed when none was reached or only header-less probes of a
 * PROXY-protocol relay got through (they are turned away before any SMTP, as they must be).
 */
public enum TargetVerdict {
    /** Some relay attempt was accepted. */
    Open,
    /** Timeouts, only temporary failures, errors, no greeting from a relay that should greet. */
    Inconclusive,
    /** Probed from inside allowedNetworks (direct vantage): proves nothing about outsiders. */
    Insider,
    /** Every relay attempt refused (or, for a forged PROXY header, the connection closed before the greeting). */
    Closed,
    /** A {@code service.proxyProtocol} relay gave no greeting to a probe without a PROXY header, as it must. */
    ProxyOnly,
    /** No TCP connection (refused, timed out, no route): e.g. a NodePort with externalTrafficPolicy Local on a node without relay pods. */
    Unreachable;

    static TargetVerdict of(ProbeRun.TargetRun target, boolean insider) {
        ProbeReport report = target.report();
        boolean direct = target.probe().forgedHeader() == null;
        if (report.has(FindingCode.CONNECTION_FAILED)) {
            return Unreachable;
        }
        if (direct && insider) {
            return Insider;
        }
        if (report.verdict() == Verdict.OPEN) {
            return Open;
        }
        if (direct && target.probe().proxyOnly() && report.has(FindingCode.NO_GREETING)) {
            return ProxyOnly;
        }
        return report.verdict() == Verdict.CLOSED ? Closed : Inconclusive;
    }

    /** The worst of them; Unreachable when there are none. */
    static TargetVerdict worst(List<TargetVerdict> verdicts) {
        return verdicts.stream().min(Comparator.naturalOrder()).orElse(Unreachable);
    }
}
