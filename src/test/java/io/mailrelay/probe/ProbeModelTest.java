package io.mailrelay.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.mailrelay.config.HostPort;

/** Target parsing, option validation, the attempt suite, the verdict rule and the JSON round trip. */
@Tag("unit")
class ProbeModelTest {

    @Test
    void targetsParseWithDefaultPortAndBracketedIpv6() {
        assertThat(HostPort.parse("mail.example", HostPort.SMTP_PORT)).isEqualTo(new HostPort("mail.example", 25));
        assertThat(HostPort.parse("127.0.0.1:2525", HostPort.SMTP_PORT)).isEqualTo(new HostPort("127.0.0.1", 2525));
        assertThat(HostPort.parse("[::1]:2525", HostPort.SMTP_PORT)).isEqualTo(new HostPort("::1", 2525));
        assertThat(HostPort.parse("[::1]", HostPort.SMTP_PORT)).isEqualTo(new HostPort("::1", 25));
        assertThat(HostPort.parse("::1", HostPort.SMTP_PORT)).isEqualTo(new HostPort("::1", 25));
        assertThat(new HostPort("::1", 2525)).hasToString("[::1]:2525");
    }

    @Test
    void badTargetsAreRefusedNamingTheProblem() {
        assertThatThrownBy(() -> HostPort.parse("", HostPort.SMTP_PORT))
                .hasMessageContaining("\"\" is not a valid host[:port]");
        assertThatThrownBy(() -> HostPort.parse("host:0", HostPort.SMTP_PORT))
                .hasMessageContaining("\"host:0\": port 0 of host is not in 1..65535");
        assertThatThrownBy(() -> HostPort.parse("host:x", HostPort.SMTP_PORT))
                .hasMessageContaining("\"host:x\" is not a valid host[:port]");
        assertThatThrownBy(() -> HostPort.parse("host:", HostPort.SMTP_PORT))
                .hasMessageContaining("\"host:\" is not a valid host[:port]");
        assertThatThrownBy(() -> HostPort.parse("[::1", HostPort.SMTP_PORT))
                .hasMessageContaining("\"[::1\" is not a valid host[:port] ([v6]:port for IPv6 literals with a port)");
    }

    @Test
    void optionsAreValidated() {
        ProbeOptions defaults = ProbeOptions.defaults();
        assertThat(defaults.testDomain()).isEqualTo("probe.example");
        assertThat(defaults.tls()).isEqualTo(ConnectTls.STARTTLS);
        assertThat(defaults.verifyCertificate()).isFalse();
        assertThat(defaults.effectiveHeloName()).isEqualTo("probe.example");
        assertThatThrownBy(() -> defaults.toBuilder().commandTimeout(Duration.ZERO).build())
                .hasMessageContaining("command timeout must be positive");
        assertThatThrownBy(() -> defaults.toBuilder().testDomain("localhost").build())
                .hasMessageContaining("test domain 'localhost'");
        assertThatThrownBy(() -> defaults.toBuilder().heloName("two words").build())
                .hasMessageContaining("HELO name 'two words' must be one word");
        assertThat(defaults.connections()).isEqualTo(3);
        assertThat(defaults.softErrorLimit()).isEqualTo(10);
        assertThat(defaults.attemptTimeout()).isEqualTo(Duration.ofMinutes(1));
        assertThat(defaults.toBuilder().connections(10).softErrorLimit(2).build().connections()).isEqualTo(10);
        assertThatThrownBy(() -> defaults.toBuilder().connections(0).build())
                .hasMessageContaining("connections must be 1 to 10, got 0");
        assertThatThrownBy(() -> defaults.toBuilder().softErrorLimit(1).build())
                .hasMessageContaining("soft error limit must be at least 2, got 1");
        assertThatThrownBy(() -> defaults.toBuilder().attemptTimeout(Duration.ZERO).build())
                .hasMessageContaining("attempt timeout must be positive");
    }

    @Test
    void suiteCoversTheClassicTricksWithDistinctIds() {
        List<RelayAttempt> suite = AttemptSuite.of("probe.example", "mx.target.test", "[192.0.2.1]");

        assertThat(suite).hasSizeGreaterThanOrEqualTo(16);
        assertThat(suite).extracting(RelayAttempt::id).doesNotHaveDuplicates();
        assertThat(suite).extracting(RelayAttempt::rcptTo).contains(
                "relaytest@probe.example",
                "relaytest%probe.example@mx.target.test",
                "relaytest%probe.example@[192.0.2.1]",
                "\"relaytest@probe.example\"",
                "\"relaytest@probe.example\"@mx.target.test",
                "\"relaytest%probe.example\"@mx.target.test",
                "relaytest@probe.example@mx.target.test",
                "@mx.target.test:relaytest@probe.example",
                "@[192.0.2.1]:relaytest@probe.example",
                "probe.example!relaytest",
                "probe.example!relaytest@mx.target.test",
                "postmaster@probe.example",
                "abuse@probe.example");
        assertThat(suite).extracting(RelayAttempt::mailFrom).contains("", "relaytest@mx.target.test",
                "relaytest@[192.0.2.1]", "relaytest@probe.example");
        // every recipient leads to the external domain: none is a plain local address of the target
        assertThat(suite).allSatisfy(a -> assertThat(a.rcptTo()).contains("probe.example"));
    }

    @Test
    void verdictIsOpenOnAnyAcceptanceClosedOnlyWhenAllAreRefused() {
        AttemptResult refused = result("a", AttemptOutcome.REFUSED);
        AttemptResult accepted = result("b", AttemptOutcome.ACCEPTED);
        AttemptResult tempfail = result("c", AttemptOutcome.TEMPFAIL);
        AttemptResult error = result("d", AttemptOutcome.ERROR);

        assertThat(VerdictRule.decide(List.of(refused, accepted, tempfail), null).verdict()).isEqualTo(Verdict.OPEN);
        assertThat(VerdictRule.decide(List.of(refused, accepted), null).accepted()).containsExactly("b");
        assertThat(VerdictRule.decide(List.of(refused, refused), null).verdict()).isEqualTo(Verdict.CLOSED);
        assertThat(VerdictRule.decide(List.of(refused, tempfail), null).verdict()).isEqualTo(Verdict.INCONCLUSIVE);
        assertThat(VerdictRule.decide(List.of(refused, error), null).reason()).contains("d ERROR");
        assertThat(VerdictRule.decide(List.of(), "cannot connect").verdict()).isEqualTo(Verdict.INCONCLUSIVE);
        assertThat(VerdictRule.decide(List.of(), null).verdict()).isEqualTo(Verdict.INCONCLUSIVE);
        assertThat(VerdictRule.onlyTemporaryFailures(List.of(tempfail, error))).isTrue();
        assertThat(VerdictRule.onlyTemporaryFailures(List.of(tempfail, refused))).isFalse();
        assertThat(VerdictRule.onlyTemporaryFailures(List.of(error))).isFalse();
    }

    @Test
    void jsonRoundTripKeepsEveryField() {
        Instant start = Instant.parse("2025-01-02T03:04:05Z");
        ProbeReport report = new ProbeReport(Verdict.OPEN, "1 of 1 relay attempts accepted: b",
                new HostPort("::1", 2525), start, start.plusMillis(42), 42, "220 x.test ESMTP", "x.test",
                List.of(result("b", AttemptOutcome.ACCEPTED)), List.of("b"),
                List.of(new Finding(FindingCode.BANNER, "220 x.test ESMTP")),
                List.of(new SessionRecord(1, "[::1]:40000", null,
                        List.of(Exchange.replied(null, 220, List.of("220 x.test ESMTP"))))));

        String json = ProbeReportJson.write(report);

        assertThat(ProbeReportJson.read(json)).isEqualTo(report);
        assertThat(json).contains("\"started\" : \"2025-01-02T03:04:05Z\"", "\"code\" : \"BANNER\"",
                "\"outcome\" : \"ACCEPTED\"");
        assertThat(ProbeReportJson.read(json.replace("{", "{\"addedLater\":1,")).verdict()).isEqualTo(Verdict.OPEN);
    }

    @Test
    void durationsAcceptShortAndIsoForms() {
        DurationConverter converter = new DurationConverter();
        assertThat(converter.convert("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(converter.convert("10s")).isEqualTo(Duration.ofSeconds(10));
        assertThat(converter.convert("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(converter.convert("PT1H")).isEqualTo(Duration.ofHours(1));
        assertThatThrownBy(() -> converter.convert("soon")).hasMessageContaining("'soon' is not a duration");
    }

    private static AttemptResult result(String id, AttemptOutcome outcome) {
        return new AttemptResult(id, "test " + id, "s@probe.example", "r@probe.example", outcome, 1,
                "RCPT TO got something", List.of(Exchange.replied("RCPT TO:<r@probe.example>", 250,
                        List.of("250 2.1.5 Ok"))));
    }
}
