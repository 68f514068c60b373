package io.mailrelay.probe;

import java.time.Clock;
import java.util.Objects;

import io.mailrelay.config.HostPort;

/**
 * The open-relay probe: connects to an SMTP server from where it runs (outside the server's allow-list)
 * and tries to relay to an external domain with every trick of {@link AttemptSuite}, over a few
 * connections at once, each replaced before the server's soft error limit, never sending DATA.
 *
 * <pre>
 * ProbeReport report = RelayProbe.run(HostPort.parse("relay.example:2525", HostPort.SMTP_PORT), ProbeOptions.defaults());
 * if (report.verdict() == Verdict.OPEN) { ... report.acceptedAttempts() ... }
 * </pre>
 */
public final class RelayProbe {

    private RelayProbe() {
    }

    /** Runs the whole suite; never throws for anything the server does (that is in the report). */
    public static ProbeReport run(HostPort target, ProbeOptions options) {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(options, "options");
        return new SuiteRun(target, options, Clock.systemUTC()).execute();
    }
}
