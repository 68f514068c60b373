package io.mailrelay.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.mailrelay.config.HostPort;
import io.mailrelay.testing.FreePort;
import io.mailrelay.testing.ManualClock;

/** The probe against scripted SMTP servers on real loopback sockets: the behaviours Postfix will not show. */
@Tag("smtp")
class RelayProbeScriptedServerTest {

    /**
     * Scripted replies come at once and dropped connections are seen at once, so no test here waits for a
     * timeout: the default timeouts (10 s to connect, 30 s per reply) only keep a stalled machine from
     * failing them.
     */
    private static final ProbeOptions OPTIONS = ProbeOptions.defaults();

    @Test
    void serverThatAcceptsEverythingIsOpenOnEveryAttempt() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.builder().start()) {
            ProbeReport report = RelayProbe.run(server.target(), OPTIONS);

            assertThat(report.verdict()).isEqualTo(Verdict.OPEN);
            assertThat(report.attempts()).hasSizeGreaterThanOrEqualTo(16)
                    .allSatisfy(a -> assertThat(a.outcome()).isEqualTo(AttemptOutcome.ACCEPTED));
            assertThat(report.acceptedAttempts())
                    .containsExactlyElementsOf(report.attempts().stream().map(AttemptResult::id).toList());
            assertThat(report.exitCode()).isEqualTo(1);
            assertThat(report.serverName()).isEqualTo("scripted.test");
            assertThat(report.banner()).isEqualTo("220 scripted.test ESMTP");
            // the default three connections, each attempt its own transaction, never DATA, QUIT at the end
            assertThat(server.connections()).isEqualTo(ProbeOptions.DEFAULT_CONNECTIONS);
            assertThat(report.sessions()).hasSize(ProbeOptions.DEFAULT_CONNECTIONS);
            List<String> received = server.received();
            assertThat(received).noneMatch(line -> line.toUpperCase().startsWith("DATA"));
            assertThat(received.get(0)).isEqualTo("EHLO probe.example");
            assertThat(received).filteredOn(line -> line.equals("EHLO probe.example")).hasSize(3);
            assertThat(received).filteredOn(line -> line.equals("RSET")).hasSize(report.attempts().size());
            assertThat(received).filteredOn(line -> line.equals("QUIT")).hasSize(3);
            assertThat(received.get(received.size() - 1)).isEqualTo("QUIT");
            assertThat(received).contains("RCPT TO:<relaytest%probe.example@scripted.test>",
                    "RCPT TO:<\"relaytest@probe.example\"@scripted.test>", "RCPT TO:<@[127.0.0.1]:relaytest@probe.example>",
                    "MAIL FROM:<>", "MAIL FROM:<relaytest@[127.0.0.1]>");
            assertThat(report.attempts().get(0).transcript()).extracting(Exchange::sent).containsExactly(
                    "MAIL FROM:<relaytest@probe.example>", "RCPT TO:<relaytest@probe.example>", "RSET");
            assertThat(report.findings(FindingCode.STARTTLS_NOT_OFFERED)).hasSize(1);
        }
    }

    @Test
    void temporaryFailuresOnlyAreInconclusive() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.builder()
                .on("RCPT", "450 4.7.1 greylisted, try again later").start()) {
            ProbeReport report = RelayProbe.run(server.target(), OPTIONS);

            assertThat(report.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
            assertThat(report.attempts()).allSatisfy(a -> {
                assertThat(a.outcome()).isEqualTo(AttemptOutcome.TEMPFAIL);
                assertThat(a.detail()).contains("450 4.7.1 greylisted");
            });
            assertThat(report.has(FindingCode.TEMPORARY_FAILURES_ONLY)).isTrue();
            assertThat(report.exitCode()).isEqualTo(2);
        }
    }

    @Test
    void serviceUnavailableAtTheGreetingIsInconclusive() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.builder()
                .banner("421 4.3.2 scripted.test too busy, closing").start()) {
            ProbeReport report = RelayProbe.run(server.target(), OPTIONS);

            assertThat(report.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
            assertThat(report.attempts()).isEmpty();
            assertThat(report.banner()).isEqualTo("421 4.3.2 scripted.test too busy, closing");
            assertThat(report.findings(FindingCode.SERVICE_REFUSED)).singleElement()
                    .satisfies(f -> assertThat(f.message()).contains("421 4.3.2"));
            assertThat(report.reason()).contains("refused the session at the greeting");
        }
    }

    @Test
    void closedPortIsInconclusiveAtTheRefusalWithoutWaitingForTheConnectTimeout() {
        int closedPort = FreePort.pick();
        ProbeOptions patient = OPTIONS.toBuilder().connectTimeout(Duration.ofMinutes(10)).build();
        ProbeReport report = RelayProbe.run(new HostPort("127.0.0.1", closedPort), patient);

        assertThat(report.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
        assertThat(report.attempts()).isEmpty();
        // the refusal itself ended the run (a timeout would say SocketTimeoutException)
        assertThat(report.findings(FindingCode.CONNECTION_FAILED)).singleElement()
                .satisfies(f -> assertThat(f.message()).contains("127.0.0.1:" + closedPort)
                        .contains("ConnectException: Connection refused"));
    }

    @Test
    void authenticationRequiredIsClosedForAnonymousClientsAndAuthBeforeTlsIsReported() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.builder()
                .on("EHLO", "250-scripted.test\n250-AUTH PLAIN LOGIN\n250 8BITMIME")
                .on("MAIL", "530 5.7.0 Authentication required").start()) {
            ProbeReport report = RelayProbe.run(server.target(), OPTIONS);

            assertThat(report.verdict()).isEqualTo(Verdict.CLOSED);
            assertThat(report.attempts()).allSatisfy(a -> {
                assertThat(a.outcome()).isEqualTo(AttemptOutcome.REFUSED);
                assertThat(a.transcript()).extracting(Exchange::sent).doesNotContain("RCPT TO:<" + a.rcptTo() + ">");
            });
            assertThat(report.findings(FindingCode.AUTH_REQUIRED)).singleElement()
                    .satisfies(f -> assertThat(f.message()).contains("closed for anonymous clients"));
            assertThat(report.findings(FindingCode.AUTH_BEFORE_TLS)).singleElement()
                    .satisfies(f -> assertThat(f.message()).contains("AUTH PLAIN LOGIN"));
            assertThat(report.exitCode()).isZero();
        }
    }

    @Test
    void silentServerIsBoundedByTheMaxDuration() throws Exception {
        // the run's clock reaches the cap while the first attempt's MAIL is answered: its RCPT meets a
        // silent server with nothing left of the run, so the wait is cut from the command timeout (1 min,
        // ample for every reply that does come) to the 1 ms minimum, and no attempt follows
        ManualClock clock = new ManualClock();
        Duration cap = Duration.ofMinutes(1);
        try (ScriptedSmtpServer server = ScriptedSmtpServer.builder()
                .beforeReplyTo("MAIL", () -> clock.advance(cap))
                .on("RCPT", ScriptedSmtpServer.SILENCE).start()) {
            // one connection: a second one could begin an attempt before the clock moves
            ProbeOptions options = OPTIONS.toBuilder().commandTimeout(Duration.ofMinutes(1)).maxDuration(cap)
                    .connections(1).build();
            ProbeReport report = new SuiteRun(server.target(), options, clock).execute();

            assertThat(report.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
            assertThat(report.has(FindingCode.MAX_DURATION_REACHED)).isTrue();
            assertThat(report.durationMillis()).isEqualTo(cap.toMillis());
            assertThat(report.attempts().get(0).outcome()).isEqualTo(AttemptOutcome.ERROR);
            assertThat(report.attempts().get(0).transcript()).last()
                    .satisfies(e -> assertThat(e.error()).isEqualTo("no reply in time (1 ms)"));
            assertThat(report.attempts().subList(1, report.attempts().size())).isNotEmpty().allSatisfy(a -> {
                assertThat(a.outcome()).isEqualTo(AttemptOutcome.NOT_RUN);
                assertThat(a.detail()).isEqualTo("max duration reached");
            });
            // one transaction begun, on one connection: nothing after the cap was reached
            assertThat(server.received()).filteredOn(line -> line.startsWith("MAIL")).hasSize(1);
            assertThat(server.connections()).isEqualTo(1);
        }
    }

    @Test
    void droppedConnectionsAreReopenedAndTheAttemptRetried() throws Exception {
        // every connection dies after EHLO + 5 commands: the probe must reconnect and still finish
        try (ScriptedSmtpServer server = ScriptedSmtpServer.builder()
                .on("RCPT", "554 5.7.1 Relay access denied").dropAfterCommands(6).start()) {
            ProbeReport report = RelayProbe.run(server.target(), OPTIONS);

            assertThat(report.verdict()).isEqualTo(Verdict.CLOSED);
            assertThat(report.attempts()).allSatisfy(a -> assertThat(a.outcome()).isEqualTo(AttemptOutcome.REFUSED));
            assertThat(server.connections()).isGreaterThan(1);
            assertThat(report.sessions()).hasSize(server.connections());
            assertThat(report.has(FindingCode.RECONNECTED)).isTrue();
            assertThat(report.attempts()).anySatisfy(a -> assertThat(a.transcript())
                    .anySatisfy(e -> assertThat(e.error()).isNotNull()));
            // a retry is once: no attempt began more than two transactions, and the server saw no others
            assertThat(report.attempts()).allSatisfy(a -> assertThat(a.transcript())
                    .filteredOn(e -> e.sent().startsWith("MAIL FROM:")).hasSizeBetween(1, 2));
            assertThat(server.received()).filteredOn(line -> line.startsWith("MAIL FROM:"))
                    .hasSize((int) report.attempts().stream().flatMap(a -> a.transcript().stream())
                            .filter(e -> e.sent().startsWith("MAIL FROM:")).count());
            assertThat(report.attempts()).allSatisfy(a -> assertThat(a.transcript()).filteredOn(e -> e.replyCode() == 554)
                    .hasSize(1));
        }
    }

    @Test
    void whenReconnectingFailsTheProbeStopsKnocking() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.builder()
                .on("RCPT", ScriptedSmtpServer.DROP).busyAfterConnections(1).start()) {
            ProbeReport report = RelayProbe.run(server.target(), OPTIONS);

            assertThat(report.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
            // the first connection, the two others greeted with 421, and the reconnect greeted with 421
            assertThat(server.connections()).isEqualTo(4);
            assertThat(report.attempts().get(0).outcome()).isEqualTo(AttemptOutcome.ERROR);
            assertThat(report.attempts().subList(1, report.attempts().size())).allSatisfy(a -> {
                assertThat(a.outcome()).isEqualTo(AttemptOutcome.NOT_RUN);
                assertThat(a.detail()).contains("cannot reconnect").contains("421");
            });
        }
    }

    @Test
    void attemptsAreSplitAcrossTheConnectionsAndReportedInSuiteOrder() throws Exception {
        // accepts everything: no error replies, so no connection is replaced on the way
        try (ScriptedSmtpServer server = ScriptedSmtpServer.builder().holdFirstMailUntilConnections(3).start()) {
            ProbeReport report = RelayProbe.run(server.target(), OPTIONS);

            assertThat(report.verdict()).isEqualTo(Verdict.OPEN);
            assertThat(report.acceptedAttempts()).hasSize(21);
            List<RelayAttempt> suite = AttemptSuite.of("probe.example", "scripted.test", "[127.0.0.1]");
            assertThat(report.attempts()).extracting(AttemptResult::id)
                    .containsExactlyElementsOf(suite.stream().map(RelayAttempt::id).toList());
            assertThat(report.attempts()).extracting(AttemptResult::connection).containsOnly(1, 2, 3)
                    .contains(1, 2, 3);
            // server side: three connections, each carried at least one attempt, none ran twice
            assertThat(server.connections()).isEqualTo(3);
            assertThat(server.mailsPerConnection()).hasSize(3).allSatisfy(m -> assertThat(m).isPositive());
            assertThat(server.mailsPerConnection().stream().mapToInt(Integer::intValue).sum())
                    .isEqualTo(suite.size());
            // the same split seen from both ends (the two may number the connections differently)
            List<Integer> perReportedConnection = IntStream.rangeClosed(1, 3)
                    .mapToObj(c -> (int) report.attempts().stream().filter(a -> a.connection() == c).count()).toList();
            assertThat(perReportedConnection).containsExactlyInAnyOrderElementsOf(server.mailsPerConnection());
            assertThat(server.received()).noneMatch(line -> line.toUpperCase().startsWith("DATA"));
        }
    }

    @Test
    void aConnectionIsReplacedBeforeItsTenthErrorSoTheTarpitNeverEngages() throws Exception {
        // refuses every recipient and, like Postfix, delays every reply after a connection's 10th error
        try (ScriptedSmtpServer server = tarpitAfterTenErrors()) {
            ProbeReport report = RelayProbe.run(server.target(), OPTIONS.toBuilder().connections(1).build());

            assertThat(report.verdict()).isEqualTo(Verdict.CLOSED);
            int attempts = report.attempts().size();
            assertThat(attempts).isEqualTo(21);
            // 21 refusals at most 9 per connection: 9 + 9 + 3, one after the other, each ended with QUIT
            assertThat(server.errorsPerConnection()).containsExactly(9, 9, 3);
            assertThat(server.tarpittedReplies()).isZero();
            assertThat(server.received()).filteredOn(line -> line.equals("QUIT")).hasSize(3);
            assertThat(report.has(FindingCode.RECONNECTED)).isFalse();
            assertThat(report.attempts()).extracting(AttemptResult::connection)
                    .containsExactlyElementsOf(IntStream.range(0, attempts)
                            .map(i -> i / 9 + 1).boxed().toList());
        }
    }

    @Test
    void aProbeThatKeepsItsConnectionPastTheLimitIsTarpitted() throws Exception {
        // the other side of the rule: told the limit is 30, the probe stays on one connection and the
        // server slows down every reply after the 10th error
        try (ScriptedSmtpServer server = tarpitAfterTenErrors()) {
            ProbeReport report = RelayProbe.run(server.target(),
                    OPTIONS.toBuilder().connections(1).softErrorLimit(30).build());

            assertThat(report.verdict()).isEqualTo(Verdict.CLOSED);
            assertThat(server.errorsPerConnection()).containsExactly(21);
            // after the 10th refusal: that attempt's RSET, then 11 attempts x (MAIL, RCPT, RSET), then QUIT
            assertThat(server.tarpittedReplies()).isEqualTo(1 + 11 * 3 + 1);
        }
    }

    @Test
    void withSeveralConnectionsEachStaysUnderTheLimit() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.builder()
                .on("RCPT", "554 5.7.1 Relay access denied").tarpitAfterErrors(3, Duration.ofMillis(20)).start()) {
            ProbeReport report = RelayProbe.run(server.target(), OPTIONS.toBuilder().softErrorLimit(3).build());

            assertThat(report.verdict()).isEqualTo(Verdict.CLOSED);
            assertThat(server.errorsPerConnection()).allSatisfy(e -> assertThat(e).isBetween(0, 2));
            assertThat(server.errorsPerConnection().stream().mapToInt(Integer::intValue).sum()).isEqualTo(21);
            assertThat(server.connections()).isGreaterThanOrEqualTo(11).isEqualTo(report.sessions().size());
            assertThat(server.tarpittedReplies()).isZero();
        }
    }

    @Test
    void aServerThatAllowsOneConnectionStillGetsEveryAttempt() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.builder().busyAfterConnections(1).start()) {
            ProbeReport report = RelayProbe.run(server.target(), OPTIONS);

            assertThat(report.verdict()).isEqualTo(Verdict.OPEN);
            assertThat(report.attempts()).hasSize(21).allSatisfy(a -> {
                assertThat(a.outcome()).isEqualTo(AttemptOutcome.ACCEPTED);
                assertThat(a.connection()).isEqualTo(1);
            });
            // the two further connections were greeted with 421 and took no attempt
            assertThat(server.connections()).isEqualTo(3);
            assertThat(server.mailsPerConnection()).containsExactly(21, 0, 0);
        }
    }

    @Test
    void anAttemptPastItsDeadlineIsRetriedOnANewConnection() throws Exception {
        // the first RCPT moves the clock past the attempt's deadline while the server stays silent: the
        // wait is cut to 1 ms, and the attempt is retried once on a fresh connection, where RCPT is silent too
        ManualClock clock = new ManualClock();
        Duration attemptTimeout = Duration.ofSeconds(5);
        try (ScriptedSmtpServer server = ScriptedSmtpServer.builder()
                .beforeReplyTo("MAIL", () -> clock.advance(attemptTimeout))
                .on("RCPT", ScriptedSmtpServer.SILENCE).start()) {
            ProbeOptions options = OPTIONS.toBuilder().connections(1).commandTimeout(Duration.ofMinutes(1))
                    .attemptTimeout(attemptTimeout).maxDuration(Duration.ofMinutes(30)).build();
            ProbeReport report = new SuiteRun(server.target(), options, clock).execute();

            AttemptResult first = report.attempts().get(0);
            assertThat(first.outcome()).isEqualTo(AttemptOutcome.ERROR);
            assertThat(first.transcript()).extracting(Exchange::sent).containsExactly(
                    "MAIL FROM:<relaytest@probe.example>", "RCPT TO:<relaytest@probe.example>",
                    "MAIL FROM:<relaytest@probe.example>", "RCPT TO:<relaytest@probe.example>");
            assertThat(first.transcript()).filteredOn(e -> e.error() != null)
                    .extracting(Exchange::error).containsExactly("no reply in time (1 ms)", "no reply in time (1 ms)");
            assertThat(report.has(FindingCode.RECONNECTED)).isTrue();
            // each attempt got one connection and its retry: two per attempt
            assertThat(server.connections()).isEqualTo(2 * report.attempts().size());
        }
    }

    private static ScriptedSmtpServer tarpitAfterTenErrors() {
        return ScriptedSmtpServer.builder().on("RCPT", "554 5.7.1 Relay access denied")
                .tarpitAfterErrors(10, Duration.ofMillis(20)).start();
    }
}
