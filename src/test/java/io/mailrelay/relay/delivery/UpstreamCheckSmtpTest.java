package io.mailrelay.relay.delivery;

import static io.mailrelay.relay.delivery.DeliveryFixture.credentials;
import static io.mailrelay.relay.delivery.DeliveryFixture.loopback;
import static io.mailrelay.relay.delivery.DeliveryFixture.routes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.mailrelay.relay.RelayFixture;
import io.mailrelay.testing.FreePort;
import io.mailrelay.testing.SmtpSink;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The upstream check against real SMTP servers on loopback: our own relay plays the smarthost with real STARTTLS
 * (certificates our test CA, or another CA, issued for 127.0.0.1, with the validity each case needs) and real AUTH
 * (a bcrypt users file); Postfix smtp-sink is a local route without TLS or AUTH. Every case counts what the
 * smarthost received: the check never sends a message.
 */
@Tag("smtp")
class UpstreamCheckSmtpTest {

    private static final Duration TWO_WEEKS = Duration.ofDays(14);

    static TestPki pki;

    @TempDir
    Path dir;

    private RelayFixture smarthost;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @BeforeAll
    static void pki() {
        pki = TestPki.create();
    }

    @AfterEach
    void stop() {
        if (smarthost != null) {
            smarthost.close();
        }
    }

    private RelayFixture smarthostServing(TestPki.Issued certificate) {
        smarthost = RelayFixture.builder().tls(certificate.certificate(), certificate.key(), "30s").start();
        return smarthost;
    }

    private UpstreamChecker checker(int port, String password, Map<String, io.mailrelay.config.HostPort> localRoutes)
            throws Exception {
        SmarthostSettings settings = new SmarthostSettings(loopback(port), io.mailrelay.config.SmarthostTls.REQUIRED, true, pki.caCertificate(),
                credentials(dir, RelayFixture.USER, password));
        return new UpstreamChecker(routes(localRoutes, settings, DeliveryFixture.FAST_RETRY), Duration.ofMinutes(5),
                TWO_WEEKS, registry, Clock.systemUTC());
    }

    @Test
    void theRightPasswordIsOkWithTheCertificatesNotAfterAndNothingIsSent() throws Exception {
        TestPki.Issued certificate = pki.issue("ok", 90, false);
        smarthostServing(certificate);
        double authFailures = authFailures();
        try (SmtpSink route = new SmtpSink().start()) {
            UpstreamChecker checker = checker(smarthost.port(), RelayFixture.PASSWORD,
                    Map.of("local.test", loopback(route.port())));
            Instant before = Instant.now();
            List<UpstreamStatus> results = checker.checkAll();

            assertThat(results).hasSize(2);
            UpstreamStatus result = results.get(0);
            assertThat(result.name()).isEqualTo("smarthost 127.0.0.1:" + smarthost.port());
            assertThat(result.address()).isEqualTo("127.0.0.1:" + smarthost.port());
            assertThat(result.ok()).as(String.valueOf(result)).isTrue();
            assertThat(result.stage()).isNull();
            assertThat(result.tls()).isTrue();
            assertThat(result.reply()).startsWith("235"); // AUTH succeeded: its reply is the last one
            assertThat(result.certificateNotAfter()).isEqualTo(TestPki.notAfter(certificate.certificate()));
            assertThat(result.certificateExpiresSoon()).isFalse();
            assertThat(result.checkedAt()).isBetween(before, Instant.now());
            assertThat(checker.latest()).containsExactlyElementsOf(results);

            UpstreamStatus local = results.get(1);
            assertThat(local.name()).isEqualTo("local route -> 127.0.0.1:" + route.port());
            assertThat(local.ok()).as(String.valueOf(local)).isTrue();
            assertThat(local.reply()).startsWith("250"); // EHLO: no AUTH towards a local route

            assertThat(gauge("mailrelay.upstream.up", result.address())).isEqualTo(1.0);
            assertThat(gauge("mailrelay.upstream.certificate.expiry", result.address()))
                    .isCloseTo(Duration.ofDays(90).toSeconds(), within(Duration.ofDays(1).toSeconds() * 1.0));
            assertThat(gauge("mailrelay.upstream.up", local.address())).isEqualTo(1.0);
            assertThat(smarthost.spool.messages()).isEmpty();
            assertThat(route.messages()).isEmpty();
            assertThat(authFailures()).isEqualTo(authFailures);
        }
    }

    @Test
    void aWrongPasswordFailsAtAuthWithThe535ReplyAndTheFixedPasswordFileIsUsedAtTheNextCheck() throws Exception {
        smarthostServing(pki.issue("auth", 90, false));
        double authFailures = authFailures();
        UpstreamChecker checker = checker(smarthost.port(), "not-the-password", Map.of());

        UpstreamStatus result = checker.checkAll().get(0);

        assertThat(result.ok()).isFalse();
        assertThat(result.stage()).isEqualTo(UpstreamStatus.Stage.AUTH);
        assertThat(result.reply()).startsWith("535 5.7.8");
        assertThat(result.tls()).isTrue(); // AUTH only after STARTTLS
        assertThat(result.certificateNotAfter()).isNotNull();
        assertThat(authFailures()).isEqualTo(authFailures + 1);
        assertThat(gauge("mailrelay.upstream.up", result.address())).isEqualTo(0.0);
        assertThat(smarthost.spool.messages()).isEmpty();

        // the Secret is fixed (a re-mounted file): the next check reads it, as delivery would, no restart
        java.nio.file.Files.writeString(dir.resolve("smarthost-password"), RelayFixture.PASSWORD + "\n");
        UpstreamStatus fixed = checker.checkAll().get(0);
        assertThat(fixed.ok()).as(String.valueOf(fixed)).isTrue();
        assertThat(gauge("mailrelay.upstream.up", fixed.address())).isEqualTo(1.0);
        assertThat(authFailures()).isEqualTo(authFailures + 1);
        assertThat(smarthost.spool.messages()).isEmpty();
    }

    @Test
    void anUntrustedCertificateFailsAtCertificateBeforeAnyAuth() throws Exception {
        TestPki.Issued untrusted = pki.issue("untrusted", 90, true);
        smarthostServing(untrusted);
        double authFailures = authFailures();
        UpstreamChecker checker = checker(smarthost.port(), RelayFixture.PASSWORD, Map.of());

        UpstreamStatus result = checker.checkAll().get(0);

        assertThat(result.ok()).isFalse();
        assertThat(result.stage()).as(String.valueOf(result)).isEqualTo(UpstreamStatus.Stage.CERTIFICATE);
        assertThat(result.reply()).contains("PKIX");
        assertThat(result.tls()).isFalse();
        // the certificate the server presented is still reported: which one was refused
        assertThat(result.certificateNotAfter()).isEqualTo(TestPki.notAfter(untrusted.certificate()));
        assertThat(authFailures()).isEqualTo(authFailures); // the password never left
        assertThat(smarthost.spool.messages()).isEmpty();
    }

    @Test
    void aCertificateExpiringInSevenDaysIsOkButFlagged() throws Exception {
        TestPki.Issued expiring = pki.issue("expiring", 7, false);
        smarthostServing(expiring);
        UpstreamChecker checker = checker(smarthost.port(), RelayFixture.PASSWORD, Map.of());

        UpstreamStatus result = checker.checkAll().get(0);

        assertThat(result.ok()).as(String.valueOf(result)).isTrue();
        assertThat(result.certificateExpiresSoon()).isTrue();
        assertThat(result.certificateNotAfter()).isEqualTo(TestPki.notAfter(expiring.certificate()))
                .isBefore(Instant.now().plus(Duration.ofDays(8))).isAfter(Instant.now().plus(Duration.ofDays(6)));
        assertThat(gauge("mailrelay.upstream.certificate.expiry", result.address()))
                .isCloseTo(Duration.ofDays(7).toSeconds(), within(Duration.ofDays(1).toSeconds() * 1.0));
        assertThat(smarthost.spool.messages()).isEmpty();
    }

    @Test
    void aClosedPortFailsAtConnectAndTheFirstCheckRunsAtStart() throws Exception {
        int closed = FreePort.pick();
        UpstreamChecker checker = checker(closed, RelayFixture.PASSWORD, Map.of());
        assertThat(checker.latest()).singleElement().satisfies(unchecked -> {
            assertThat(unchecked.checkedAt()).isNull();
            assertThat(unchecked.ok()).isFalse();
        });
        assertThat(gauge("mailrelay.upstream.up", "127.0.0.1:" + closed)).isNaN();

        try (UpstreamChecker started = checker.start()) {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                    .until(() -> started.latest().get(0).checkedAt() != null);
        }
        UpstreamStatus result = checker.latest().get(0);
        assertThat(result.ok()).isFalse();
        assertThat(result.stage()).isEqualTo(UpstreamStatus.Stage.CONNECT);
        assertThat(result.reply()).containsIgnoringCase("connection refused");
        assertThat(result.certificateNotAfter()).isNull();
        assertThat(gauge("mailrelay.upstream.up", result.address())).isEqualTo(0.0);
    }

    @Test
    void aServerWithoutStartTlsFailsAtStartTlsWhenTlsIsRequiredAndTheCredentialsStay() throws Exception {
        try (SmtpSink plain = new SmtpSink().start()) {
            UpstreamChecker checker = checker(plain.port(), RelayFixture.PASSWORD, Map.of());

            UpstreamStatus result = checker.checkAll().get(0);

            assertThat(result.ok()).isFalse();
            assertThat(result.stage()).as(String.valueOf(result)).isEqualTo(UpstreamStatus.Stage.STARTTLS);
            assertThat(result.reply()).contains("STARTTLS");
            assertThat(result.tls()).isFalse();
            assertThat(plain.messages()).isEmpty();
        }
    }

    private double gauge(String name, String upstream) {
        return registry.get(name).tag("upstream", upstream).gauge().value();
    }

    private double authFailures() {
        return smarthost.registry.get("mailrelay.relay.auth.failures").counter().count();
    }
}
