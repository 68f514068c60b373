package io.mailrelay.relay.delivery;

import static io.mailrelay.relay.delivery.DeliveryFixture.FAST_RETRY;
import static io.mailrelay.relay.delivery.DeliveryFixture.count;
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
 * A client certificate towards the smarthost (the Microsoft 365 connector model: the provider relays for a
 * certificate, not for an address or a password), against a real Postfix that requires one
 * ({@code smtpd_tls_req_ccert = yes}) and relays only for a verified one ({@code permit_tls_all_clientcerts}; no
 * mynetworks): with the test CA's client certificate the message arrives, without one or with one from another CA it
 * does not, and waits.
 */
@Tag("smtp")
class ClientCertificateDeliveryTest {

    @RegisterExtension
    static final SmtpSink sink = new SmtpSink();

    static TestPki pki;
    static TestPki.Issued client;
    static TestPki.Issued foreign;
    @AutoClose
    static PostfixInstance provider;

    @TempDir
    Path dir;

    @BeforeAll
    static void startSmarthost() {
        pki = TestPki.create();
        client = pki.issue("client", 2, false);
        foreign = pki.issue("foreign-client", 2, true);
        provider = PostfixInstance.builder()
                .set("mynetworks", "")
                .set("smtpd_relay_restrictions", "permit_tls_all_clientcerts, reject")
                .set("smtpd_tls_security_level", "encrypt")
                .set("smtpd_tls_ask_ccert", "yes")
                .set("smtpd_tls_req_ccert", "yes")
                .set("smtpd_tls_CAfile", pki.caCertificate().toString())
                .serverCertificate(pki.serverCertificate(), pki.serverKey())
                .relayTo(sink.host(), sink.port())
                .start();
    }

    private static SmarthostSettings smarthost(TestPki.Issued certificate) {
        return new SmarthostSettings(new HostPort(provider.host(), provider.port()), SmarthostTls.REQUIRED, true,
                pki.caCertificate(), null, null, certificate == null ? null
                        : new SmarthostSettings.ClientCertificate(certificate.certificate(), certificate.key()));
    }

    private static byte[] body(String subject) {
        return new String(message(subject, "hello\r\n"), StandardCharsets.ISO_8859_1)
                .replace("Bcc: hidden@example.test\r\n", "").getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void theProviderRelaysForOurClientCertificate() throws Exception {
        FileMessageSpool spool = new FileMessageSpool(dir);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        DeliveryFixture.spool(spool, "alice@sender.test", body("client certificate"), "bob@far-away.test");

        try (DeliveryService service = DeliveryFixture.start(spool, routes(Map.of(), smarthost(client), FAST_RETRY),
                registry)) {
            assertThat(service.drain(Duration.ofSeconds(30))).isTrue();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> sink.messages().size() == 1);
        assertThat(sink.messages().get(0).recipients()).containsExactly("bob@far-away.test");
        assertThat(count(registry, "delivered")).isEqualTo(1);
    }

    @Test
    void withoutAClientCertificateOrWithAForeignOneNothingIsRelayedAndTheMessageWaits() throws Exception {
        for (TestPki.Issued certificate : new TestPki.Issued[] { null, foreign }) {
            FileMessageSpool spool = new FileMessageSpool(dir.resolve(certificate == null ? "none" : "foreign"));
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            String id = DeliveryFixture.spool(spool, "alice@sender.test", body("no client certificate"),
                    "bob@far-away.test");

            try (DeliveryService service = DeliveryFixture.start(spool,
                    routes(Map.of(), smarthost(certificate), FAST_RETRY), registry)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> spool.get(id).orElseThrow().state().attempts() >= 1);
            }
            var state = spool.get(id).orElseThrow().state();
            System.out.println("client certificate " + (certificate == null ? "none" : "from another CA") + ": "
                    + state.recipients().get("bob@far-away.test").reply());
            assertThat(state.pendingRecipients()).containsExactly("bob@far-away.test");
            assertThat(state.recipients().get("bob@far-away.test").reply()).startsWith("4");
            assertThat(count(registry, "bounced")).isZero();
            assertThat(count(registry, "delivered")).isZero();
        }
        assertThat(sink.messages()).isEmpty();
    }
}
