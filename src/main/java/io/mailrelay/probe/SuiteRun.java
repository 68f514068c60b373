package io.mailrelay.probe;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import io.mailrelay.concurrent.DaemonThreads;
import io.mailrelay.config.HostPort;

/**
 * One run of the suite against one target: connections, attempts, findings. Not reusable.
 *
 * <p>The first connection tells the target's name, which the attempts need. Then up to
 * {@link ProbeOptions#connections()} connections take the attempts from one queue, in suite order,
 * each attempt its own transaction; the results go back to their place in the suite, so the report
 * is the same whichever connection ran what. A connection is replaced before it could collect
 * {@link ProbeOptions#softErrorLimit()} error replies, so a server that slows down clients after that
 * many errors (a tarpit) never does.
 */
final class SuiteRun {

    private static final Pattern DOMAIN_NAME = Pattern.compile("(?i)[a-z0-9-]+(\\.[a-z0-9-]+)+");
    private static final Pattern IP_ADDRESS = Pattern.compile("[0-9.]+|.*:.*");

    private final HostPort target;
    private final ProbeOptions options;
    private final Clock clock;
    private final Deadline deadline;
    /** Every connection opened, in the order they were opened; guarded by itself. */
    private final List<SmtpSession> sessions = new ArrayList<>();
    /** In FindingCode order whatever thread found what first; guarded by itself. */
    private final Map<FindingCode, Finding> findings = new EnumMap<>(FindingCode.class);
    private volatile boolean startTlsBroken;
    /** Why the probe stopped reconnecting: once a reconnect fails no connection keeps knocking. */
    private volatile String gaveUp;

    SuiteRun(HostPort target, ProbeOptions options, Clock clock) {
        this.target = target;
        this.options = options;
        this.clock = clock;
        this.deadline = new Deadline(clock, options.maxDuration());
    }

    ProbeReport execute() {
        Instant started = clock.instant();
        List<AttemptResult> results = List.of();
        String banner = null;
        String serverName = null;
        String refusal = null;
        Lane first = new Lane();
        String headerRefused = null;
        ProxyHeader proxyHeader = options.proxyHeader();
        if (proxyHeader != null) {
            found(FindingCode.PROXY_HEADER, proxyHeader + " sent first on every connection");
        }
        try {
            first.session = open();
            banner = String.join("\n", first.session.banner().reply());
            serverName = serverName(first.session);
            results = runAll(AttemptSuite.of(options.testDomain(), serverName,
                    ipLiteral(first.session.remoteAddress())), first);
        } catch (SessionRefused e) {
            banner = String.join("\n", e.banner.reply());
            refusal = "the server refused the session at the greeting: " + banner;
            found(FindingCode.SERVICE_REFUSED, refusal);
        } catch (SmtpSession.NoGreeting e) {
            String what = "connected to " + target + ", but " + e.getMessage();
            found(FindingCode.NO_GREETING, what);
            if (proxyHeader != null && e.closed()) {
                headerRefused = what + " after the " + proxyHeader
                        + ": it does not believe PROXY headers from this address";
            } else {
                refusal = what + (proxyHeader == null ? " (a PROXY-protocol server does this to a client without"
                        + " a header)" : "");
            }
        } catch (IOException e) {
            refusal = "cannot connect to " + target + ": " + describe(e);
            found(FindingCode.CONNECTION_FAILED, refusal);
        } finally {
            first.close();
        }
        if (VerdictRule.onlyTemporaryFailures(results)) {
            found(FindingCode.TEMPORARY_FAILURES_ONLY,
                    "every answered attempt got a temporary 4xx reply (greylisting, rate limit or overload?)");
        }
        VerdictRule.Decision decision = headerRefused != null ? VerdictRule.headerRefused(headerRefused)
                : VerdictRule.decide(results, refusal);
        if (proxyHeader != null && decision.verdict() == Verdict.OPEN) {
            found(FindingCode.PROXY_SPOOFABLE, "relayed for a "
                    + proxyHeader + " sent from " + sessionRecords().get(0).localAddress()
                    + ", which claims an address it does not have");
        }
        Instant finished = clock.instant();
        List<Finding> found;
        synchronized (findings) {
            found = List.copyOf(findings.values());
        }
        return new ProbeReport(decision.verdict(), decision.reason(), target, started, finished,
                Duration.between(started, finished).toMillis(), banner, serverName, results,
                decision.accepted(), found, sessionRecords());
    }

    /**
     * Runs the suite over the first connection and the others the options allow, each taking the next
     * attempt from the queue. A further connection that cannot be opened just takes no attempts.
     */
    private List<AttemptResult> runAll(List<RelayAttempt> suite, Lane first) {
        AttemptResult[] results = new AttemptResult[suite.size()];
        AtomicInteger next = new AtomicInteger();
        List<Thread> others = new ArrayList<>();
        for (int i = 1; i < Math.min(options.connections(), suite.size()); i++) {
            Thread thread = DaemonThreads.daemon(() -> {
                Lane lane = new Lane();
                try {
                    lane.session = open();
                    work(lane, suite, results, next);
                } catch (IOException e) {
                    // refused or lost while opening: the other connections take its share
                } finally {
                    lane.close();
                }
            }, "probe-connection-" + (i + 1));
            thread.start();
            others.add(thread);
        }
        work(first, suite, results, next);
        for (Thread thread : others) {
            joinUninterruptibly(thread); // bounded: every wait of a connection is capped by the run's deadline
        }
        List<AttemptResult> ordered = new ArrayList<>();
        for (int i = 0; i < results.length; i++) {
            ordered.add(results[i] != null ? results[i]
                    : AttemptResult.notRun(suite.get(i), "its connection failed unexpectedly"));
        }
        return ordered;
    }

    private void work(Lane lane, List<RelayAttempt> suite, AttemptResult[] results, AtomicInteger next) {
        for (int i = next.getAndIncrement(); i < suite.size(); i = next.getAndIncrement()) {
            results[i] = run(lane, suite.get(i));
        }
    }

    /**
     * One attempt within its own deadline, on a connection still below the soft error limit; retried
     * once on a new connection when the connection is lost (or the deadline passes) under it.
     */
    private AttemptResult run(Lane lane, RelayAttempt attempt) {
        List<Exchange> transcript = new ArrayList<>();
        AttemptTransaction.Result result = null;
        int connection = 0;
        for (int round = 0; round < 2; round++) {
            if (deadline.passed()) {
                found(FindingCode.MAX_DURATION_REACHED, "stopped after " + options.maxDuration());
                return result == null ? AttemptResult.notRun(attempt, "max duration reached")
                        : toResult(attempt, result, connection, transcript);
            }
            if (lane.session == null || !lane.session.usable() || nearErrorLimit(lane.session)) {
                if (gaveUp != null) {
                    return result == null ? AttemptResult.notRun(attempt, gaveUp)
                            : toResult(attempt, result, connection, transcript);
                }
                try {
                    reconnect(lane);
                } catch (IOException e) {
                    gaveUp = "cannot reconnect: " + describe(e);
                    return result == null ? AttemptResult.notRun(attempt, gaveUp)
                            : toResult(attempt, result, connection, transcript);
                }
            }
            connection = number(lane.session);
            result = AttemptTransaction.run(lane.session, attempt, deadline.within(options.attemptTimeout()),
                    transcript);
            if (result.authRequired()) {
                found(FindingCode.AUTH_REQUIRED,
                        "the server demands authentication (530): closed for anonymous clients");
            }
            if (!result.connectionLost()) {
                break;
            }
        }
        return toResult(attempt, result, connection, transcript);
    }

    /** One more error reply could be the one at which the server starts to slow this client down. */
    private boolean nearErrorLimit(SmtpSession session) {
        return session.errorReplies() >= options.softErrorLimit() - 1;
    }

    private static AttemptResult toResult(RelayAttempt attempt, AttemptTransaction.Result result, int connection,
            List<Exchange> transcript) {
        return new AttemptResult(attempt.id(), attempt.description(), attempt.mailFrom(), attempt.rcptTo(),
                result.outcome(), connection, result.detail(), transcript);
    }

    /** A new connection for the lane: after a lost one (RECONNECTED), or one near the error limit (QUIT). */
    private void reconnect(Lane lane) throws IOException {
        if (lane.session != null && !lane.session.usable()) {
            found(FindingCode.RECONNECTED, "connection " + number(lane.session)
                    + " was lost; the probe opened a new one");
        }
        lane.close();
        lane.session = open();
    }

    /** Connects, greets and negotiates TLS as the options say; returns the session ready for attempts. */
    private SmtpSession open() throws IOException {
        boolean implicit = options.tls() == ConnectTls.IMPLICIT;
        SmtpSession session = SmtpSession.connect(target, options, implicit, deadline);
        synchronized (sessions) {
            sessions.add(session);
        }
        found(FindingCode.BANNER, String.join("\n", session.banner().reply()));
        if (!session.usable()) {
            session.close();
            throw new SessionRefused(session.banner());
        }
        session.greet();
        if (!implicit && session.offers("AUTH")) {
            found(FindingCode.AUTH_BEFORE_TLS, "AUTH offered on a plain connection: " + session.advertised("AUTH"));
        }
        if (implicit) {
            tlsUsed(session);
        } else if (options.tls() == ConnectTls.STARTTLS && !startTlsBroken) {
            session = negotiateStartTls(session);
        }
        if (!session.usable()) {
            session.close();
            throw new IOException("connection lost during set-up");
        }
        return session;
    }

    /** STARTTLS if offered; a failed handshake replaces the session with a plain one. */
    private SmtpSession negotiateStartTls(SmtpSession session) throws IOException {
        if (!session.offers("STARTTLS")) {
            found(FindingCode.STARTTLS_NOT_OFFERED, "STARTTLS not offered: mail to this server travels in clear text");
            return session;
        }
        String failure = session.startTls();
        if (failure == null) {
            session.greet();
            tlsUsed(session);
            return session;
        }
        startTlsBroken = true;
        found(FindingCode.STARTTLS_FAILED, failure + "; the probe continues without TLS");
        if (!session.usable()) {
            session.close();
            return open();
        }
        return session;
    }

    private void tlsUsed(SmtpSession session) {
        found(FindingCode.TLS_USED,
                (options.tls() == ConnectTls.IMPLICIT ? "implicit TLS: " : "STARTTLS: ") + session.tls());
    }

    /** Records the first finding of its kind. */
    private void found(FindingCode code, String message) {
        synchronized (findings) {
            findings.putIfAbsent(code, new Finding(code, message));
        }
    }

    /** The session's 1-based number in the report. */
    private int number(SmtpSession session) {
        synchronized (sessions) {
            return sessions.indexOf(session) + 1;
        }
    }

    private List<SessionRecord> sessionRecords() {
        List<SessionRecord> records = new ArrayList<>();
        synchronized (sessions) {
            for (int i = 0; i < sessions.size(); i++) {
                SmtpSession session = sessions.get(i);
                records.add(new SessionRecord(i + 1, session.localAddress(), session.tls(),
                        session.setupTranscript()));
            }
        }
        return records;
    }

    private static void joinUninterruptibly(Thread thread) {
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The connection one thread of the run works on; replaced as it wears out. */
    private static final class Lane {
        private SmtpSession session;

        void close() {
            if (session != null) {
                session.close();
                session = null;
            }
        }
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
