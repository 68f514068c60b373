package io.mailrelay.relay.delivery;

import static io.mailrelay.relay.delivery.DeliveryFixture.FAST_RETRY;
import static io.mailrelay.relay.delivery.DeliveryFixture.count;
import static io.mailrelay.relay.delivery.DeliveryFixture.message;
import static io.mailrelay.relay.delivery.DeliveryFixture.routes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.mailrelay.config.HostPort;
import io.mailrelay.config.SmarthostTls;
import io.mailrelay.relay.spool.FileMessageSpool;
import io.mailrelay.testing.PostfixInstance;
import io.mailrelay.testing.SmtpSink;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * {@code tls: implicit} (SMTPS, Postfix smtp_tls_wrappermode=yes) against a real Postfix that speaks TLS from the first
 * byte ({@code smtpd_tls_wrappermode = yes}, the test CA's certificate for 127.0.0.1), relaying on to an smtp-sink:
 * the certificate is verified like STARTTLS's (the chain against {@code trustedCaFile}, the host name), an untrusted
 * one defers the message and keeps it, and STARTTLS to that port gets nowhere.
 */
@Tag("smtp")
class ImplicitTlsDeliveryTest {

    @RegisterExtension
    static final SmtpSink sink = new SmtpSink();

    static TestPki pki;
    @AutoClose
    static PostfixInstance wrapped;

    @TempDir
    Path dir;

    @BeforeAll
    static void startSmarthost() {
        pki = TestPki.create();
        wrapped = pki.smarthostRelayingTo(sink)
                .set("smtpd_tls_wrappermode", "yes")
                .set("smtpd_tls_security_level", "encrypt")
                .start();
    }

    private static SmarthostSettings implicit(Path trustedCa, boolean verify) {
        return new SmarthostSettings(new HostPort(wrapped.host(), wrapped.port()), SmarthostTls.IMPLICIT, verify,
                trustedCa, null);
    }

    private static byte[] body(String subject) {
        return new String(message(subject, "8-bit \u00e9\u00e8\r\n.a line with a leading dot\r\n"),
                StandardCharsets.ISO_8859_1).replace("Bcc: hidden@example.test\r\n", "").getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void aTrustedCertificateDeliversOverImplicitTls() throws Exception {
        FileMessageSpool spool = new FileMessageSpool(dir);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        byte[] body = body("implicit tls");
        DeliveryFixture.spool(spool, "alice@sender.test", body, "bob@far-away.test");

        try (DeliveryService service = DeliveryFixture.start(spool,
                routes(Map.of(), implicit(pki.caCertificate(), true), FAST_RETRY), registry)) {
            assertThat(service.drain(Duration.ofSeconds(30))).isTrue();
        }

        await().atMost(Duration.ofSeconds(30)).until(() -> !sink.messages().isEmpty());
        assertThat(sink.messages()).singleElement().satisfies(received -> {
            assertThat(received.mailFrom()).isEqualTo("alice@sender.test");
            assertThat(received.recipients()).containsExactly("bob@far-away.test");
            assertThat(received.text()).endsWith(DeliveryFixture.asSinkDumps(body));
            // Postfix's Received: line says the session was encrypted
            assertThat(received.text()).containsPattern("from relay\\.test .*\\n\\tby postfix\\.test \\(Postfix\\) with ESMTPS");
        });
        assertThat(count(registry, "delivered")).isEqualTo(1);
    }

    @Test
    void aCertificateFromAnUntrustedCaIsRefusedAndTheMessageIsKept() throws Exception {
        FileMessageSpool spool = new FileMessageSpool(dir);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        String id = DeliveryFixture.spool(spool, "alice@sender.test", body("untrusted implicit"), "bob@far-away.test");

        try (DeliveryService service = DeliveryFixture.start(spool,
                routes(Map.of(), implicit(pki.otherCaCertificate(), true), FAST_RETRY), registry)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> spool.get(id).orElseThrow().state().attempts() >= 2);
        }

        var state = spool.get(id).orElseThrow().state();
        System.out.println("implicit TLS, untrusted CA: " + state.recipients().get("bob@far-away.test").reply());
        assertThat(state.pendingRecipients()).containsExactly("bob@far-away.test");
        assertThat(state.recipients().get("bob@far-away.test").reply()).startsWith("451 4.4.1")
                .containsIgnoringCase("certificat");
        assertThat(count(registry, "bounced")).isZero();
        assertThat(count(registry, "delivered")).isZero();
        assertThat(sink.messages()).isEmpty();
        assertThat(wrapped.log()).doesNotContain("bob@far-away.test");
    }

    @Test
    void aTrustedCertificateThatDoesNotNameTheHostIsRefused() throws Exception {
        FileMessageSpool spool = new FileMessageSpool(dir);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        String id = DeliveryFixture.spool(spool, "alice@sender.test", body("wrong name"), "bob@far-away.test");
        // the same server, by a name its certificate (IP:127.0.0.1 only) does not carry
        SmarthostSettings byName = new SmarthostSettings(new HostPort("localhost", wrapped.port()), SmarthostTls.IMPLICIT,
                true, pki.caCertificate(), null);

        try (DeliveryService service = DeliveryFixture.start(spool, routes(Map.of(), byName, FAST_RETRY), registry)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> spool.get(id).orElseThrow().state().attempts() >= 1);
        }
        String reply = spool.get(id).orElseThrow().state().recipients().get("bob@far-away.test").reply();
        System.out.println("implicit TLS, certificate for another name: " + reply);
        assertThat(reply).startsWith("451 4.4.1").contains("localhost");
        assertThat(sink.messages()).isEmpty();
    }

    @Test
    void withoutCertificateVerificationAnUntrustedCertificateIsStillEncrypted() throws Exception {
        FileMessageSpool spool = new FileMessageSpool(dir);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        DeliveryFixture.spool(spool, "alice@sender.test", body("unverified implicit"), "bob@far-away.test");

        try (DeliveryService service = DeliveryFixture.start(spool,
                routes(Map.of(), implicit(pki.otherCaCertificate(), false), FAST_RETRY), registry)) {
            assertThat(service.drain(Duration.ofSeconds(30))).isTrue();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> sink.messages().size() == 1);
        assertThat(sink.messages().get(0).text()).contains("with ESMTPS");
    }

    @Test
    void startTlsToTheWrappedPortNeverDelivers() throws Exception {
        FileMessageSpool spool = new FileMessageSpool(dir);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        String id = DeliveryFixture.spool(spool, "alice@sender.test", body("starttls to 465"), "bob@far-away.test");
        SmarthostSettings startTls = new SmarthostSettings(new HostPort(wrapped.host(), wrapped.port()),
                SmarthostTls.REQUIRED, true, pki.caCertificate(), null);

        try (DeliveryService service = new DeliveryService(spool, new DeliverySettings("relay.test", Map.of(),
                io.mailrelay.config.OutboundMode.SMARTHOST, startTls, null, FAST_RETRY, DeliveryFixture.SMALL_POOL,
                SmtpTimeouts.uniform(Duration.ofSeconds(3))), registry)) {
            service.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> spool.get(id).orElseThrow().state().attempts() >= 1);
        }
        assertThat(spool.get(id).orElseThrow().state().pendingRecipients()).containsExactly("bob@far-away.test");
        assertThat(sink.messages()).isEmpty();
    }

    @Test
    void theUpstreamCheckVerifiesTheImplicitTlsCertificate() {
        List<UpstreamStatus> good = check(implicit(pki.caCertificate(), true));
        List<UpstreamStatus> bad = check(implicit(pki.otherCaCertificate(), true));
        System.out.println("upstream check, implicit TLS: " + good + " / " + bad);
        assertThat(good).singleElement().satisfies(status -> {
            assertThat(status.ok()).isTrue();
            assertThat(status.tls()).isTrue();
            assertThat(status.certificateNotAfter()).isEqualTo(TestPki.notAfter(pki.serverCertificate()));
        });
        assertThat(bad).singleElement().satisfies(status -> {
            assertThat(status.ok()).isFalse();
            assertThat(status.stage()).isEqualTo(UpstreamStatus.Stage.CERTIFICATE);
            assertThat(status.certificateNotAfter()).isEqualTo(TestPki.notAfter(pki.serverCertificate()));
        });
        assertThat(sink.messages()).isEmpty();
    }

    private static List<UpstreamStatus> check(SmarthostSettings smarthost) {
        try (UpstreamChecker checker = new UpstreamChecker(routes(Map.of(), smarthost, FAST_RETRY), Duration.ofMinutes(5),
                Duration.ofDays(1), new SimpleMeterRegistry(), Clock.systemUTC())) {
            return checker.checkAll();
        }
    }
}
