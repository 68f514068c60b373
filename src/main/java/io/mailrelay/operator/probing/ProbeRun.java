package io.mailrelay.operator.probing;

import java.net.InetAddress;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import io.mailrelay.config.HostPort;
import io.mailrelay.probe.ProbeReport;

/**
 * One probe of one relay: every exposed address it reached (and the vantages it used), and the vantage
 * point it was made from.
 *
 * @param targets each planned probe with what it saw, in the planned order (the ClusterIP first)
 * @param source the address the relay saw the probe come from on a direct path, or null when unknown
 * @param insider true when {@code source} is inside the relay's allowedNetworks: the direct verdicts are then
 *        an insider's and prove nothing about outsiders
 * @param specVersion generation and config hash of the relay when it was probed
 * @param targetsNotProbed exposed addresses left out by the per-relay cap
 */
public record ProbeRun(List<TargetRun> targets, InetAddress source, boolean insider, String specVersion,
        int targetsNotProbed) {

    /** One planned probe and its report. */
    public record TargetRun(PlannedProbe probe, ProbeReport report) {

        public TargetVerdict verdict(boolean insider) {
            return TargetVerdict.of(this, insider);
        }
    }

    public ProbeRun {
        targets = List.copyOf(targets);
    }

    /** One direct probe of one address (the ClusterIP path), as before there were several targets. */
    public ProbeRun(ProbeReport report, String target, InetAddress source, boolean insider, String specVersion) {
        this(report == null ? List.of() : List.of(new TargetRun(new PlannedProbe(ExposurePath.ClusterIP,
                HostPort.parse(target, HostPort.SMTP_PORT), null, null, false), report)), source, insider, specVersion, 0);
    }

    /** The worst verdict over all targets: what the RELAY column shows. */
    public TargetVerdict verdict() {
        return TargetVerdict.worst(targets.stream().map(target -> target.verdict(insider)).toList());
    }

    /** The first target with that verdict, if any. */
    public Optional<TargetRun> first(TargetVerdict verdict) {
        return targets.stream().filter(target -> target.verdict(insider) == verdict).findFirst();
    }

    /** When the last target's probe finished. */
    public Instant finished() {
        return targets.stream().map(target -> target.report().finished()).max(Instant::compareTo).orElse(Instant.EPOCH);
    }

    public long durationMillis() {
        return targets.stream().mapToLong(target -> target.report().durationMillis()).sum();
    }

    /** The MailRelay generation that was probed ({@code specVersion} is "generation/config hash"), if known. */
    public OptionalLong probedGeneration() {
        int slash = specVersion == null ? -1 : specVersion.indexOf('/');
        if (slash <= 0) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(specVersion.substring(0, slash)));
        } catch (NumberFormatException notAGeneration) {
            return OptionalLong.empty();
        }
    }
}
