package io.mailrelay.relay.delivery;

import static io.mailrelay.relay.delivery.DeliveryFixture.FAST_RETRY;
import static io.mailrelay.relay.delivery.DeliveryFixture.count;
import static io.mailrelay.relay.delivery.DeliveryFixture.credentials;
import static io.mailrelay.relay.delivery.DeliveryFixture.message;
import static io.mailrelay.relay.delivery.DeliveryFixture.routes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
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
 * Delivery through a real Postfix as the smarthost: STARTTLS required and verified against a test CA
 * ({@code trustedCaFile}), Postfix relaying on to an smtp-sink. (AUTH is proven against our own relay as the
 * smarthost in {@link SmarthostAuthTest}: this Postfix's Cyrus SASL ignored a sasldb outside /etc.)
 */
@Tag("smtp")
class SmarthostDeliveryTest {

    @RegisterExtension
    static final SmtpSink sink = new SmtpSink();

    static TestPki pki;
    @AutoClose
    static PostfixInstance postfix;

    @TempDir
    Path dir;

    @BeforeAll
    static void startSmarthost() {
        pki = TestPki.create();
        postfix = pki.smarthostRelayingTo(sink)
                .set("smtpd_tls_security_level", "may")
                .start();
    }

    private SmarthostSettings smarthost(Path trustedCa) {
        return new SmarthostSettings(new HostPort(postfix.host(), postfix.port()), SmarthostTls.REQUIRED, true, trustedCa,
                null);
    }

    @Test
    void deliversThroughTheSmarthostOverVerifiedTls() throws Exception {
        FileMessageSpool spool = new FileMessageSpool(dir);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        // without a Bcc: header, which Postfix's cleanup (not the relay) removes
        byte[] body = new String(message("via smarthost", "8-bit \u00e9\u00e8 and a long line " + "y".repeat(900)
                + "\r\n"), StandardCharsets.ISO_8859_1).replace("Bcc: hidden@example.test\r\n", "")
                .getBytes(StandardCharsets.ISO_8859_1);
        DeliveryFixture.spool(spool, "alice@sender.test", body, "bob@far-away.test");

        try (DeliveryService service = DeliveryFixture.start(spool,
                routes(Map.of(), smarthost(pki.caCertificate()), FAST_RETRY), registry)) {
            assertThat(service.drain(Duration.ofSeconds(30))).isTrue();
        }

        await().atMost(Duration.ofSeconds(30)).until(() -> !sink.messages().isEmpty());
        assertThat(sink.messages()).singleElement().satisfies(received -> {
            assertThat(received.mailFrom()).isEqualTo("alice@sender.test");
            assertThat(received.recipients()).containsExactly("bob@far-away.test");
            // Postfix and the sink each put a Received: line on top; everything below is our bytes
            assertThat(received.text()).endsWith(DeliveryFixture.asSinkDumps(body));
        });
        // Postfix's Received: line says the relay's session was encrypted
        assertThat(sink.messages().get(0).text()).containsPattern("from relay\\.test .*\\n\\tby postfix\\.test \\(Postfix\\) with ESMTPS");
        assertThat(count(registry, "delivered")).isEqualTo(1);
    }

    @Test
    void aCertificateFromAnUntrustedCaIsNotAcceptedAndTheMessageWaits() throws Exception {
        FileMessageSpool spool = new FileMessageSpool(dir);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        String id = DeliveryFixture.spool(spool, "alice@sender.test", message("untrusted", "x\r\n"), "bob@far-away.test");

        try (DeliveryService service = DeliveryFixture.start(spool,
                routes(Map.of(), smarthost(pki.otherCaCertificate()), FAST_RETRY), registry)) {
            assertThat(service.drain(Duration.ofSeconds(2))).isFalse();
        }

        var state = spool.get(id).orElseThrow().state();
        assertThat(state.pendingRecipients()).containsExactly("bob@far-away.test");
        assertThat(state.recipients().get("bob@far-away.test").reply()).startsWith("451 4.4.1").containsIgnoringCase("certificat");
        assertThat(count(registry, "bounced")).isZero();
        assertThat(sink.messages()).isEmpty();
    }

    @Test
    void credentialsForASmarthostThatOffersNoAuthDeferInsteadOfSendingUnauthenticated() throws Exception {
        FileMessageSpool spool = new FileMessageSpool(dir);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        String id = DeliveryFixture.spool(spool, "alice@sender.test", message("bad auth", "x\r\n"), "bob@far-away.test");

        try (DeliveryService service = DeliveryFixture.start(spool,
                routes(Map.of(), new SmarthostSettings(new HostPort(postfix.host(), postfix.port()), SmarthostTls.REQUIRED,
                        true, pki.caCertificate(), credentials(dir, "relayuser", "s3cret")), FAST_RETRY), registry)) {
            assertThat(service.drain(Duration.ofSeconds(2))).isFalse();
        }

        assertThat(spool.get(id).orElseThrow().state().recipients().get("bob@far-away.test").reply())
                .startsWith("451 4.7.0").contains("does not offer AUTH");
        assertThat(count(registry, "bounced")).isZero();
        assertThat(sink.messages()).isEmpty();
    }
}
