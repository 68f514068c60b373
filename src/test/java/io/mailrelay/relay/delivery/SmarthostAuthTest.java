package io.mailrelay.relay.delivery;

import static io.mailrelay.relay.delivery.DeliveryFixture.credentials;
import static io.mailrelay.relay.delivery.DeliveryFixture.message;
import static io.mailrelay.relay.delivery.DeliveryFixture.routes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.mailrelay.config.HostPort;
import io.mailrelay.config.SmarthostTls;
import io.mailrelay.relay.InMemorySpool;
import io.mailrelay.relay.RelayFixture;
import io.mailrelay.relay.spool.FileMessageSpool;
import io.mailrelay.testing.CapturedLog;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * SMTP AUTH towards the smarthost, proven against a real server: our own relay plays the smarthost, with STARTTLS
 * (a certificate our test CA issued for 127.0.0.1), a bcrypt users file, and an allowed network that does not cover
 * 127.0.0.1, so it relays our mail only once we authenticated.
 */
@Tag("smtp")
class SmarthostAuthTest {

    static TestPki pki;
    static RelayFixture smarthost;

    @TempDir
    Path dir;

    @BeforeAll
    static void startSmarthost() throws Exception {
        pki = TestPki.create();
        smarthost = RelayFixture.start();
        // the fixture's self-signed certificate names relay.test; serve one for the address we connect to
        Files.copy(pki.serverCertificate(), smarthost.dir.resolve("tls.crt"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(pki.serverKey(), smarthost.dir.resolve("tls.key"), StandardCopyOption.REPLACE_EXISTING);
        smarthost.server.reloadTlsIfChanged();
    }

    @AfterAll
    static void stopSmarthost() {
        if (smarthost != null) {
            smarthost.close();
        }
    }

    private SmarthostSettings settings(SmarthostCredentials credentials) {
        return new SmarthostSettings(new HostPort("127.0.0.1", smarthost.port()), SmarthostTls.REQUIRED, true,
                pki.caCertificate(), credentials);
    }

    /** A message whose bytes a careless hop would change: a leading dot (dot-stuffing), 8-bit text, CRLF. */
    private static byte[] body(String subject) {
        return message(subject, ".a line that starts with a dot\r\n8-bit \u00e9\u00e8\r\n");
    }

    @Test
    void authenticatesOverVerifiedStartTlsAndTheSmarthostRelaysTheBytesUnchanged() throws Exception {
        FileMessageSpool spool = new FileMessageSpool(dir);
        byte[] body = body("authenticated");
        DeliveryFixture.spool(spool, "alice@sender.test", body, "bob@far-away.test");

        try (DeliveryService service = DeliveryFixture.start(spool, routes(Map.of(),
                settings(credentials(dir, RelayFixture.USER, RelayFixture.PASSWORD)), DeliveryFixture.FAST_RETRY),
                new SimpleMeterRegistry())) {
            assertThat(service.drain(Duration.ofSeconds(30))).isTrue();
        }

        InMemorySpool.Stored relayed = smarthostReceived("authenticated");
        assertThat(relayed.envelope().authenticatedUser()).isEqualTo(RelayFixture.USER);
        assertThat(relayed.envelope().mailFrom()).isEqualTo("alice@sender.test");
        assertThat(relayed.envelope().recipients()).containsExactly("bob@far-away.test");
        assertThat(relayed.envelope().clientAddress()).isEqualTo("127.0.0.1"); // outside the smarthost's allowedNetworks
        assertReceivedHeaderThenExactly(relayed, body);
    }

    @Test
    void aWrongPasswordDefersWithThe535ReplyAndTheFixedPasswordFileDeliversOnRetry() throws Exception {
        FileMessageSpool spool = new FileMessageSpool(dir);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        byte[] body = body("password fixed");
        String id = DeliveryFixture.spool(spool, "alice@sender.test", body, "bob@far-away.test");
        SmarthostCredentials credentials = credentials(dir, RelayFixture.USER, "not-the-password");
        double authFailuresBefore = smarthostAuthFailures();
        RetryPolicy retry = new RetryPolicy(List.of(Duration.ofSeconds(1)), Duration.ofHours(1));

        try (CapturedLog log = CapturedLog.of(DeliveryService.class);
                DeliveryService service = DeliveryFixture.start(spool, routes(Map.of(), settings(credentials), retry),
                        registry)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> spool.get(id).orElseThrow().state().attempts() >= 1);
            var state = spool.get(id).orElseThrow().state();
            assertThat(state.pendingRecipients()).containsExactly("bob@far-away.test");
            assertThat(state.recipients().get("bob@far-away.test").reply())
                    .startsWith("451 4.7.0 127.0.0.1:" + smarthost.port() + " refused the credentials of alice: 535 5.7.8");
            assertThat(log.lines()).anyMatch(line -> line.startsWith(id + ": to=<bob@far-away.test> relay=smarthost")
                    && line.contains("status=deferred") && line.contains("535 5.7.8"));
            assertThat(smarthostAuthFailures()).isGreaterThan(authFailuresBefore);
            assertThat(smarthost.spool.messages()).noneMatch(m -> m.text().contains("Subject: password fixed"));
            assertThat(DeliveryFixture.count(registry, "bounced")).isZero();

            // the Secret is corrected (as a re-mounted file would be): the next retry uses it, no restart
            Files.writeString(credentials.passwordFile(), RelayFixture.PASSWORD + "\n");
            await().atMost(Duration.ofSeconds(20)).until(() -> spool.depth() == 0);
        }

        InMemorySpool.Stored relayed = smarthostReceived("password fixed");
        assertThat(relayed.envelope().authenticatedUser()).isEqualTo(RelayFixture.USER);
        assertReceivedHeaderThenExactly(relayed, body);
    }

    private static InMemorySpool.Stored smarthostReceived(String subject) {
        return smarthost.spool.messages().stream().filter(m -> m.text().contains("Subject: " + subject + "\r\n"))
                .reduce((a, b) -> {
                    throw new AssertionError("the smarthost got \"" + subject + "\" more than once");
                }).orElseThrow(() -> new AssertionError("the smarthost never got \"" + subject + "\""));
    }

    /** The smarthost adds its own Received: line (protocol ESMTPSA: TLS and AUTH) and changes nothing else. */
    private static void assertReceivedHeaderThenExactly(InMemorySpool.Stored relayed, byte[] sent) {
        String text = relayed.text();
        String ours = new String(sent, StandardCharsets.ISO_8859_1);
        assertThat(text).endsWith(ours);
        assertThat(text.substring(0, text.length() - ours.length())).matches(
                "Received: from relay\\.test \\(\\[127\\.0\\.0\\.1\\]\\)\r\n\tby relay\\.test \\(mailrelay\\) with ESMTPSA id "
                        + "[^\r\n]*(\r\n\t[^\r\n]*)*\r\n");
    }

    private static double smarthostAuthFailures() {
        return smarthost.registry.get("mailrelay.relay.auth.failures").counter().count();
    }
}
