package io.mailrelay.probe;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** One run of the suite against one target: connections, attempts, findings. Not reusable. */
final class ProbeRun {

    private static final Pattern DOMAIN_NAME = Pattern.compile("(?i)[a-z0-9-]+(\\.[a-z0-9-]+)+");
    private static final Pattern IP_ADDRESS = Pattern.compile("[0-9.]+|.*:.*");

    private final ProbeTarget target;
    private final ProbeOptions options;
    private final Clock clock;
    private final Deadline deadline;
    private final List<SmtpSession> sessions = new ArrayList<>();
    private final Map<FindingCode, Finding> findings = new LinkedHashMap<>();
    private SmtpSession current;
    private boolean startTlsBroken;
    /** Why the probe stopped reconnecting: once a reconnect fails it does not keep knocking. */
    private String gaveUp;

    ProbeRun(ProbeTarget target, ProbeOptions options, Clock clock) {
        this.target = target;
        this.options = options;
        this.clock = clock;
        this.deadline = new Deadline(clock, options.maxDuration());
    }

    ProbeReport execute() {
        Instant started = clock.instant();
        List<AttemptResult> results = new ArrayList<>();
        String banner = null;
        String serverName = null;
        String refusal = null;
        try {
            SmtpSession first = open();
            banner = String.join("\n", first.banner().reply());
            serverName = serverName(first);
            for (RelayAttempt attempt : AttemptSuite.of(options.testDomain(), serverName,
                    ipLiteral(first.remoteAddress()))) {
                results.add(run(attempt));
            }
        } catch (SessionRefused e) {
            banner = String.join("\n", e.banner.reply());
            refusal = "the server refused the session at the greeting: " + banner;
            findings.put(FindingCode.SERVICE_REFUSED, new Finding(FindingCode.SERVICE_REFUSED, refusal));
        } catch (IOException e) {
            refusal = "cannot connect to " + target + ": " + describe(e);
            findings.put(FindingCode.CONNECTION_FAILED, new Finding(FindingCode.CONNECTION_FAILED, refusal));
        } finally {
            closeCurrent();
        }
        if (VerdictRule.onlyTemporaryFailures(results)) {
            findings.put(FindingCode.TEMPORARY_FAILURES_ONLY, new Finding(FindingCode.TEMPORARY_FAILURES_ONLY,
                    "every answered attempt got a temporary 4xx reply (greylisting, rate limit or overload?)"));
        }
        VerdictRule.Decision decision = VerdictRule.decide(results, refusal);
        Instant finished = clock.instant();
        return new ProbeReport(decision.verdict(), decision.reason(), target, started, finished,
                Duration.between(started, finished).toMillis(), banner, serverName, results,
                decision.accepted(), List.copyOf(findings.values()), sessionRecords());
    }

    /** One attempt, retried once on a new connection when the connection is lost under it. */
    private AttemptResult run(RelayAttempt attempt) {
        List<Exchange> transcript = new ArrayList<>();
        AttemptTransaction.Result result = null;
        for (int round = 0; round < 2; round++) {
            if (deadline.passed()) {
                findings.putIfAbsent(FindingCode.MAX_DURATION_REACHED, new Finding(
                        FindingCode.MAX_DURATION_REACHED, "stopped after " + options.maxDuration()));
                return result == null ? AttemptResult.notRun(attempt, "max duration reached")
                        : toResult(attempt, result, transcript);
            }
            if (current == null || !current.usable()) {
                if (gaveUp != null) {
                    return result == null ? AttemptResult.notRun(attempt, gaveUp)
                            : toResult(attempt, result, transcript);
                }
                try {
                    reconnect();
                } catch (IOException e) {
                    gaveUp = "cannot reconnect: " + describe(e);
                    return result == null ? AttemptResult.notRun(attempt, gaveUp)
                            : toResult(attempt, result, transcript);
                }
            }
            result = AttemptTransaction.run(current, attempt, transcript);
            if (result.authRequired()) {
                findings.putIfAbsent(FindingCode.AUTH_REQUIRED, new Finding(FindingCode.AUTH_REQUIRED,
                        "the server demands authentication (530): closed for anonymous clients"));
            }
            if (!result.connectionLost()) {
                break;
            }
        }
        return toResult(attempt, result, transcript);
    }

    private AttemptResult toResult(RelayAttempt attempt, AttemptTransaction.Result result,
            List<Exchange> transcript) {
        return new AttemptResult(attempt.id(), attempt.description(), attempt.mailFrom(), attempt.rcptTo(),
                result.outcome(), sessions.size(), result.detail(), transcript);
    }

    private void reconnect() throws IOException {
        if (current != null) {
            findings.putIfAbsent(FindingCode.RECONNECTED, new Finding(FindingCode.RECONNECTED,
                    "connection " + sessions.size() + " was lost; the probe opened a new one"));
        }
        closeCurrent();
        open();
    }

    /** Connects, greets and negotiates TLS as the options say; the new session becomes current. */
    private SmtpSession open() throws IOException {
        boolean implicit = options.tls() == TlsMode.IMPLICIT;
        SmtpSession session = SmtpSession.connect(target, options, implicit, deadline);
        sessions.add(session);
        current = session;
        findings.putIfAbsent(FindingCode.BANNER,
                new Finding(FindingCode.BANNER, String.join("\n", session.banner().reply())));
        if (!session.usable()) {
            throw new SessionRefused(session.banner());
        }
        session.greet();
        if (!implicit && session.offers("AUTH")) {
            findings.putIfAbsent(FindingCode.AUTH_BEFORE_TLS, new Finding(FindingCode.AUTH_BEFORE_TLS,
                    "AUTH offered on a plain connection: " + session.advertised("AUTH")));
        }
        if (implicit) {
            tlsUsed(session);
        } else if (options.tls() == TlsMode.STARTTLS && !startTlsBroken) {
            negotiateStartTls(session);
        }
        // a failed STARTTLS handshake replaces the session with a plain one
        if (!current.usable()) {
            throw new IOException("connection lost during set-up");
        }
        return current;
    }

    private void negotiateStartTls(SmtpSession session) throws IOException {
        if (!session.offers("STARTTLS")) {
            findings.putIfAbsent(FindingCode.STARTTLS_NOT_OFFERED, new Finding(FindingCode.STARTTLS_NOT_OFFERED,
                    "STARTTLS not offered: mail to this server travels in clear text"));
            return;
        }
        String failure = session.startTls();
        if (failure == null) {
            session.greet();
            tlsUsed(session);
            return;
        }
        startTlsBroken = true;
        findings.putIfAbsent(FindingCode.STARTTLS_FAILED, new Finding(FindingCode.STARTTLS_FAILED,
                failure + "; the probe continues without TLS"));
        if (!session.usable()) {
            closeCurrent();
            open();
        }
    }

    private void tlsUsed(SmtpSession session) {
        findings.putIfAbsent(FindingCode.TLS_USED, new Finding(FindingCode.TLS_USED,
                (options.tls() == TlsMode.IMPLICIT ? "implicit TLS: " : "STARTTLS: ") + session.tls()));
    }

    private void closeCurrent() {
        if (current != null) {
            current.close();
            current = null;
        }
    }

    private List<SessionRecord> sessionRecords() {
        List<SessionRecord> records = new ArrayList<>();
        for (int i = 0; i < sessions.size(); i++) {
            SmtpSession session = sessions.get(i);
            records.add(new SessionRecord(i + 1, session.localAddress(), session.tls(),
                    session.setupTranscript()));
        }
        return records;
    }

    /**
     * The target's own domain for the attempts: the name in its banner, else in its EHLO reply, else the
     * host name it was reached by, else its address literal.
     */
    private String serverName(SmtpSession session) {
        String fromBanner = SmtpSession.firstWord(session.banner().reply().get(0));
        if (DOMAIN_NAME.matcher(fromBanner).matches() && !IP_ADDRESS.matcher(fromBanner).matches()) {
            return fromBanner;
        }
        String fromGreeting = session.greetingName();
        if (fromGreeting != null && DOMAIN_NAME.matcher(fromGreeting).matches()
                && !IP_ADDRESS.matcher(fromGreeting).matches()) {
            return fromGreeting;
        }
        if (!IP_ADDRESS.matcher(target.host()).matches()) {
            return target.host();
        }
        return ipLiteral(session.remoteAddress());
    }

    /** RFC 5321 address literal: [192.0.2.1] or [IPv6:2001:db8::1]. */
    static String ipLiteral(InetAddress address) {
        return address instanceof Inet6Address ? "[IPv6:" + address.getHostAddress() + "]"
                : "[" + address.getHostAddress() + "]";
    }

    private static String describe(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName()
                : e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    /** The server answered the connection with a non-220 greeting. */
    private static final class SessionRefused extends IOException {
        private final transient Exchange banner;

        SessionRefused(Exchange banner) {
            super("the server greeted with " + String.join(" ", banner.reply()));
            this.banner = banner;
        }
    }
}
