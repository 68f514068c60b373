package io.mailrelay.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.mailrelay.config.HostPort;
import io.mailrelay.relay.RelayFixture;

/**
 * The probe against the project's own relay (the real SMTP server, policy and hardening): closed for a
 * probe outside {@code allowedNetworks}, open for one inside. The second half proves that the probe
 * really relays when it can, rather than always saying "closed"; neither sends DATA.
 */
@Tag("smtp")
class ProbeAgainstOurRelayTest {

    @Test
    void closedFromOutsideTheAllowList() throws Exception {
        try (RelayFixture relay = RelayFixture.start()) {
            ProbeReport report = probe(relay, RelayFixture.OUTSIDE_CLIENT);

            assertThat(report.verdict()).isEqualTo(Verdict.CLOSED);
            assertThat(report.acceptedAttempts()).isEmpty();
            assertThat(report.attempts()).hasSizeGreaterThanOrEqualTo(16)
                    .allSatisfy(attempt -> assertThat(attempt.outcome()).isEqualTo(AttemptOutcome.REFUSED));
            assertThat(report.findings()).extracting(Finding::code).contains(FindingCode.TLS_USED)
                    .doesNotContain(FindingCode.AUTH_BEFORE_TLS);
            assertThat(relay.spool.messages()).isEmpty();
        }
    }

    @Test
    void openFromInsideTheAllowList() throws Exception {
        try (RelayFixture relay = RelayFixture.start()) {
            ProbeReport report = probe(relay, RelayFixture.ALLOWED_CLIENT);

            assertThat(report.verdict()).isEqualTo(Verdict.OPEN);
            // an allowed client may relay to anything the relay can parse: the plain external recipient
            // and the role accounts at the external domain are among the accepted attempts
            assertThat(report.acceptedAttempts()).contains("external-sender", "postmaster-external",
                    "abuse-external");
            assertThat(relay.spool.messages()).as("the probe never sends DATA").isEmpty();
        }
    }

    private static ProbeReport probe(RelayFixture relay, String sourceAddress) throws Exception {
        return RelayProbe.run(new HostPort("127.0.0.1", relay.port()), ProbeOptions.defaults().toBuilder()
                .sourceAddress(InetAddress.getByName(sourceAddress)).build());
    }
}
