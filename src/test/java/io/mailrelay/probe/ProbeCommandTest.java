package io.mailrelay.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.mailrelay.MailRelayCommand;
import io.mailrelay.config.HostPort;
import io.mailrelay.relay.RelayFixture;
import io.mailrelay.testing.FreePort;
import picocli.CommandLine;

/** The `probe` mode run in-process through picocli, as `mailrelay probe ...` runs it. */
class ProbeCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = new CommandLine(new MailRelayCommand());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        String[] full = new String[args.length + 1];
        full[0] = "probe";
        System.arraycopy(args, 0, full, 1, args.length);
        return cli.execute(full);
    }

    @Test
    @Tag("smtp")
    void openServerExitsOneWithTheJsonReportOnStdout() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.builder().start()) {
            int exit = run(server.host() + ":" + server.port(), "--output", "json", "--test-domain", "elsewhere.example",
                    "--source-address", "127.0.0.7", "--command-timeout", "3s", "--helo", "scanner.example");

            assertThat(exit).isEqualTo(1);
            ProbeReport report = ProbeReportJson.read(out.toString());
            assertThat(report.verdict()).isEqualTo(Verdict.OPEN);
            assertThat(report.target()).isEqualTo(server.target());
            assertThat(report.attempts()).hasSizeGreaterThanOrEqualTo(16);
            assertThat(report.acceptedAttempts()).hasSize(report.attempts().size());
            assertThat(report.attempts().get(0).rcptTo()).isEqualTo("relaytest@elsewhere.example");
            assertThat(report.sessions().get(0).localAddress()).startsWith("127.0.0.7:");
            assertThat(report.started()).isBeforeOrEqualTo(report.finished());
            assertThat(server.received().get(0)).isEqualTo("EHLO scanner.example");
            // the contract's field names, as the operator and scripts read them
            assertThat(out.toString()).contains("\"verdict\" : \"OPEN\"", "\"acceptedAttempts\"", "\"findings\"",
                    "\"transcript\"", "\"replyCode\"", "\"durationMillis\"");
        }
    }

    @Test
    @Tag("smtp")
    void closedServerExitsZeroWithATextReport() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.builder()
                .on("RCPT", "554 5.7.1 Relay access denied").start()) {
            int exit = run(server.host() + ":" + server.port());

            assertThat(exit).isZero();
            assertThat(out.toString()).startsWith("Open-relay probe of " + server.target() + ": CLOSED")
                    .contains("REFUSED  percent-hack-name")
                    .contains("> RCPT TO:<relaytest%probe.example@scripted.test>")
                    .contains("< 554 5.7.1 Relay access denied");
        }
    }

    @Test
    @Tag("smtp")
    void ipv6TargetInBracketsUsesTheIpv6AddressLiteral() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.builder().listenOn("::1")
                .on("RCPT", "550 5.7.1 no relaying").start()) {
            int exit = run("[::1]:" + server.port(), "--output", "json");

            assertThat(exit).isZero();
            ProbeReport report = ProbeReportJson.read(out.toString());
            assertThat(report.target()).isEqualTo(new HostPort("::1", server.port()));
            assertThat(report.attempts()).filteredOn(a -> a.id().equals("sender-target-ip")).singleElement()
                    .satisfies(a -> assertThat(a.mailFrom()).isEqualTo("relaytest@[IPv6:0:0:0:0:0:0:0:1]"));
            assertThat(server.received()).contains("MAIL FROM:<relaytest@[IPv6:0:0:0:0:0:0:0:1]>");
        }
    }

    @Test
    @Tag("smtp")
    void connectionsAndSoftErrorLimitReachTheProbe() throws Exception {
        // one connection and a limit of 5: 21 refusals are 4 per connection, on 6 connections one after the other
        try (ScriptedSmtpServer server = ScriptedSmtpServer.builder().on("RCPT", "554 5.7.1 Relay access denied")
                .start()) {
            int exit = run(server.host() + ":" + server.port(), "--connections", "1", "--soft-error-limit", "5",
                    "--attempt-timeout", "30s", "--output", "json");

            assertThat(exit).isZero();
            assertThat(server.errorsPerConnection()).containsExactly(4, 4, 4, 4, 4, 1);
            assertThat(ProbeReportJson.read(out.toString()).sessions()).hasSize(6);
        }
    }

    @Test
    @Tag("smtp")
    void unreachableServerExitsTwo() {
        int exit = run("127.0.0.1:" + FreePort.pick(), "--output", "json");

        assertThat(exit).isEqualTo(2);
        assertThat(ProbeReportJson.read(out.toString()).verdict()).isEqualTo(Verdict.INCONCLUSIVE);
    }

    @Test
    @Tag("smtp")
    void aForgedProxyHeaderExitsOneWhereItIsBelievedAndZeroWhereItIsRefused() throws Exception {
        try (RelayFixture relay = RelayFixture.builder()
                .server("proxyProtocol: true\ntrustedProxies: [127.0.0.2/32]").allowedNetworks("[198.51.100.0/24]")
                .start()) {
            String target = "127.0.0.1:" + relay.port();
            // from a trusted proxy's address the claimed client is believed: open, and spoofable
            int believed = run(target, "--proxy-header", "v2", "--proxy-source", "198.51.100.20",
                    "--source-address", "127.0.0.2", "--tls", "none", "--output", "json");
            ProbeReport open = ProbeReportJson.read(out.toString());
            out.getBuffer().setLength(0);
            int refused = run(target, "--proxy-header", "v1", "--proxy-source", "198.51.100.20",
                    "--source-address", "127.0.0.9", "--tls", "none", "--output", "json");
            ProbeReport closed = ProbeReportJson.read(out.toString());

            assertThat(believed).isEqualTo(1);
            assertThat(open.has(FindingCode.PROXY_SPOOFABLE)).isTrue();
            assertThat(refused).isEqualTo(0);
            assertThat(closed.verdict()).isEqualTo(Verdict.CLOSED);
            assertThat(closed.has(FindingCode.PROXY_HEADER)).isTrue();
            assertThat(relay.spool.messages()).isEmpty();
        }
    }

    @Test
    @Tag("unit")
    void badArgumentsExitSixtyFourNamingWhatIsWrong() {
        assertThat(run("127.0.0.1:notaport")).isEqualTo(ProbeCommand.EXIT_USAGE);
        assertThat(err.toString()).contains("\"127.0.0.1:notaport\" is not a valid host[:port]");

        assertThat(run("127.0.0.1", "--tls", "sometimes")).isEqualTo(ProbeCommand.EXIT_USAGE);
        assertThat(err.toString()).contains("--tls: 'sometimes' is not one of none, starttls, implicit");

        assertThat(run("127.0.0.1", "--connect-timeout", "soon")).isEqualTo(ProbeCommand.EXIT_USAGE);
        assertThat(err.toString()).contains("'soon' is not a duration");

        assertThat(run("127.0.0.1", "--test-domain", "not a domain")).isEqualTo(ProbeCommand.EXIT_USAGE);
        assertThat(err.toString()).contains("test domain 'not a domain'");

        assertThat(run("127.0.0.1", "--connections", "11")).isEqualTo(ProbeCommand.EXIT_USAGE);
        assertThat(err.toString()).contains("connections must be 1 to 10, got 11");

        assertThat(run("127.0.0.1", "--soft-error-limit", "1")).isEqualTo(ProbeCommand.EXIT_USAGE);
        assertThat(err.toString()).contains("soft error limit must be at least 2, got 1");

        assertThat(run("127.0.0.1", "--proxy-header", "v1")).isEqualTo(ProbeCommand.EXIT_USAGE);
        assertThat(err.toString()).contains("--proxy-header and --proxy-source go together");

        assertThat(run("127.0.0.1", "--proxy-header", "v3", "--proxy-source", "198.51.100.20"))
                .isEqualTo(ProbeCommand.EXIT_USAGE);
        assertThat(err.toString()).contains("PROXY protocol version 'v3' is not v1 or v2");

        assertThat(run()).isEqualTo(ProbeCommand.EXIT_USAGE);
        assertThat(err.toString()).contains("HOST[:PORT]");
        assertThat(out.toString()).isEmpty();
    }
}
