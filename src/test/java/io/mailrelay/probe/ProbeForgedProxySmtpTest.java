package io.mailrelay.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.mailrelay.config.HostPort;
import io.mailrelay.relay.RelayFixture;
import io.mailrelay.testing.PostfixInstance;
import io.mailrelay.testing.SmtpSink;

/**
 * The forged-PROXY vantage: the probe sends a PROXY header claiming an allow-listed address (198.51.100.20,
 * only ever written into headers) from its own address. Our relay, which believes headers only from
 * {@code server.trustedProxies}, drops it before the greeting (CLOSED) and drops a header-less probe too (not
 * CLOSED: no greeting proves nothing); trusting the probe's address, it relays (OPEN, PROXY_SPOOFABLE), and so
 * does a Postfix that honours a header from anyone ({@code smtpd_upstream_proxy_protocol = haproxy}).
 */
@Tag("smtp")
class ProbeForgedProxySmtpTest {

    private static final String ALLOWED_BEHIND_PROXY = "198.51.100.20";
    /** The probe's own address: no trusted proxy of the relay. */
    private static final String PROBE = "127.0.0.9";
    private static final String TRUSTED_PROXY = "127.0.0.2";

    @RegisterExtension
    static final SmtpSink sink = new SmtpSink();

    private static RelayFixture relay;

    @BeforeAll
    static void start() {
        relay = RelayFixture.builder().server("""
                proxyProtocol: true
                trustedProxies: [127.0.0.2/32]
                proxyHeaderTimeout: 2s""")
                .allowedNetworks("[198.51.100.0/24]").start();
    }

    @AfterAll
    static void stop() {
        relay.close();
    }

    @ParameterizedTest
    @EnumSource(ProxyHeader.Version.class)
    void ourRelayDropsAForgedHeaderFromAnUntrustedAddressBeforeTheGreeting(ProxyHeader.Version version) throws Exception {
        ProbeReport report = probe(new HostPort("127.0.0.1", relay.port()), PROBE, forged(version));

        assertThat(report.verdict()).isEqualTo(Verdict.CLOSED);
        assertThat(report.reason()).contains("without a greeting").contains("does not believe PROXY headers");
        assertThat(report.has(FindingCode.NO_GREETING)).isTrue();
        assertThat(report.has(FindingCode.PROXY_SPOOFABLE)).isFalse();
        assertThat(report.acceptedAttempts()).isEmpty();
        assertThat(relay.spool.messages()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(ProxyHeader.Version.class)
    void ourRelayTrustingTheProbesAddressIsSpoofable(ProxyHeader.Version version) throws Exception {
        // the same header from a trusted proxy's address: believed, so the claimed address may relay
        ProbeReport report = probe(new HostPort("127.0.0.1", relay.port()), TRUSTED_PROXY, forged(version));

        assertThat(report.verdict()).isEqualTo(Verdict.OPEN);
        assertThat(report.acceptedAttempts()).contains("external-sender");
        assertThat(report.findings(FindingCode.PROXY_SPOOFABLE)).singleElement()
                .satisfies(f -> assertThat(f.message()).contains("claiming " + ALLOWED_BEHIND_PROXY)
                        .contains(TRUSTED_PROXY));
        assertThat(relay.spool.messages()).as("the probe never sends DATA").isEmpty();
    }

    @Test
    void aProbeWithoutAHeaderGetsNoGreetingAndIsNotClosed() throws Exception {
        ProbeReport report = probe(new HostPort("127.0.0.1", relay.port()), PROBE, null);

        assertThat(report.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
        assertThat(report.has(FindingCode.NO_GREETING)).isTrue();
        assertThat(report.has(FindingCode.CONNECTION_FAILED)).as("the TCP connection was made").isFalse();
        assertThat(report.reason()).contains("PROXY-protocol server");
    }

    @ParameterizedTest
    @EnumSource(ProxyHeader.Version.class)
    void postfixHonouringAnyHeaderIsOpenAndSpoofable(ProxyHeader.Version version) throws Exception {
        try (PostfixInstance postfix = PostfixInstance.builder()
                .set("mynetworks", ALLOWED_BEHIND_PROXY + "/32")
                .set("smtpd_relay_restrictions", "permit_mynetworks, reject_unauth_destination")
                .set("smtpd_upstream_proxy_protocol", "haproxy")
                .relayTo(sink.host(), sink.port()).start()) {
            ProbeReport forged = probe(new HostPort(postfix.host(), postfix.port()), PROBE, forged(version));
            ProbeReport plain = probe(new HostPort(postfix.host(), postfix.port()), PROBE, null);

            assertThat(forged.verdict()).isEqualTo(Verdict.OPEN);
            assertThat(forged.acceptedAttempts()).contains("external-sender", "null-sender");
            assertThat(forged.has(FindingCode.PROXY_SPOOFABLE)).isTrue();
            assertThat(postfix.log()).contains("connect from unknown[" + ALLOWED_BEHIND_PROXY + "]");
            // without a header Postfix waits for one (smtpd_upstream_proxy_timeout) and answers 421: never "closed"
            assertThat(plain.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
            assertThat(plain.has(FindingCode.SERVICE_REFUSED)).isTrue();
            assertThat(plain.attempts()).isEmpty();
        }
        assertThat(sink.messages()).as("the probe never sends DATA").isEmpty();
    }

    private static ProxyHeader forged(ProxyHeader.Version version) throws Exception {
        return new ProxyHeader(version, InetAddress.getByName(ALLOWED_BEHIND_PROXY));
    }

    private static ProbeReport probe(HostPort target, String source, ProxyHeader header) throws Exception {
        return RelayProbe.run(target, ProbeOptions.defaults().toBuilder()
                .sourceAddress(InetAddress.getByName(source)).proxyHeader(header).tls(ConnectTls.NONE)
                .connectTimeout(Duration.ofSeconds(5)).commandTimeout(Duration.ofSeconds(15)).build());
    }
}
