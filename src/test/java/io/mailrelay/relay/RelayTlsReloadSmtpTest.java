package io.mailrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The STARTTLS certificate follows a Kubernetes Secret mount (symlink swap of {@code ..data}), polled every
 * second here: new sessions get the new certificate, and a broken update keeps the previous one.
 * The waits for the poller are generous (a loaded 2-core machine stalls for seconds; they end as soon as the
 * new certificate is served); the refusals are checked by a reload of the test's own, not by sleeping.
 */
@Tag("smtp")
class RelayTlsReloadSmtpTest {

    private static final Duration POLLER_PICKS_UP = Duration.ofSeconds(60);

    @Test
    void newSessionsGetTheNewCertificateAndABrokenUpdateKeepsTheOldOne() throws Exception {
        RelayFixture.Builder builder = RelayFixture.builder();
        Path certs = Files.createDirectories(builder.dir().resolve("certs"));
        for (String name : new String[] { "first", "second", "third" }) {
            RelayFixture.selfSignedCertificate(certs, name + ".crt", name + ".key", name + ".relay.test");
        }
        SecretMount secret = new SecretMount(builder.dir().resolve("tls-secret")).updateFrom(pair(certs, "first", "first"));

        try (RelayFixture relay = builder.tls(secret.file("tls.crt"), secret.file("tls.key"), "1s").start()) {
            assertThat(servedFingerprint(relay)).isEqualTo(fingerprint(certs.resolve("first.crt")));

            secret.updateFrom(pair(certs, "second", "second"));
            String second = fingerprint(certs.resolve("second.crt"));
            Awaitility.await().atMost(POLLER_PICKS_UP).pollInterval(Duration.ofMillis(200))
                    .until(() -> servedFingerprint(relay).equals(second));

            // a certificate with somebody else's key: refused, the second certificate stays in use
            secret.updateFrom(pair(certs, "third", "first"));
            assertThat(relay.server.reloadTlsIfChanged()).isFalse();
            assertThat(servedFingerprint(relay)).isEqualTo(second);

            // not a certificate at all
            secret.update(Map.of("tls.crt", "garbage\n".getBytes(), "tls.key", Files.readAllBytes(certs.resolve("third.key"))));
            assertThat(relay.server.reloadTlsIfChanged()).isFalse();
            assertThat(servedFingerprint(relay)).isEqualTo(second);

            // the poller keeps going after a broken update: a repaired Secret is picked up
            secret.updateFrom(pair(certs, "third", "third"));
            String third = fingerprint(certs.resolve("third.crt"));
            Awaitility.await().atMost(POLLER_PICKS_UP).pollInterval(Duration.ofMillis(200))
                    .until(() -> servedFingerprint(relay).equals(third));
        }
    }

    private static Map<String, Path> pair(Path certs, String certificate, String key) {
        return Map.of("tls.crt", certs.resolve(certificate + ".crt"), "tls.key", certs.resolve(key + ".key"));
    }

    /** SHA-256 of the certificate a new STARTTLS session is given. */
    private static String servedFingerprint(RelayFixture relay) throws Exception {
        try (RawSmtp smtp = relay.connect(RelayFixture.OUTSIDE_CLIENT)) {
            smtp.command("EHLO client.test");
            assertThat(smtp.command("STARTTLS")).startsWith("220");
            smtp.startTls();
            return sha256(smtp.peerCertificates()[0].getEncoded());
        }
    }

    private static String fingerprint(Path pem) throws Exception {
        try (var in = Files.newInputStream(pem)) {
            X509Certificate certificate = (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificate(in);
            return sha256(certificate.getEncoded());
        }
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
