package io.mailrelay.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.mailrelay.config.HostPort;
import io.mailrelay.testing.Exec;
import io.mailrelay.testing.PostfixInstance;

/** The probe over real TLS with a real Postfix: STARTTLS, implicit TLS, and a certificate it must not trust. */
@Tag("smtp")
class RelayProbeTlsTest {

    @TempDir
    static Path dir;
    static Path cert;
    static Path key;

    @BeforeAll
    static void selfSignedCertificate() {
        cert = dir.resolve("cert.pem");
        key = dir.resolve("key.pem");
        Exec.run(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                "-subj", "/CN=postfix.test", "-keyout", key.toString(), "-out", cert.toString()), Map.of(), 60)
                .assertSuccess();
        assertThat(Files.exists(cert)).isTrue();
    }

    private static ProbeReport probe(ConnectTls tls, boolean verify, String... settings) throws Exception {
        PostfixInstance.Builder builder = PostfixInstance.builder()
                .set("mynetworks", "127.0.0.1/32")
                .set("smtpd_relay_restrictions", "permit_mynetworks, reject_unauth_destination")
                .serverCertificate(cert, key)
                .set("smtpd_tls_security_level", "may");
        for (int i = 0; i < settings.length; i += 2) {
            builder.set(settings[i], settings[i + 1]);
        }
        try (PostfixInstance postfix = builder.start()) {
            ProbeOptions options = ProbeOptions.defaults().toBuilder().tls(tls).verifyCertificate(verify)
                    .sourceAddress(InetAddress.getByName("127.0.0.9"))
                    .connectTimeout(Duration.ofSeconds(5)).commandTimeout(Duration.ofSeconds(10)).build();
            return RelayProbe.run(new HostPort(postfix.host(), postfix.port()), options);
        }
    }

    @Test
    void startTlsIsUsedWhenOfferedAndTheAttemptsRunInsideIt() throws Exception {
        ProbeReport report = probe(ConnectTls.STARTTLS, false);

        assertThat(report.verdict()).isEqualTo(Verdict.CLOSED);
        // every connection (three at once, replaced before Postfix's soft error limit) negotiates TLS
        assertThat(report.sessions()).hasSizeGreaterThanOrEqualTo(3).allSatisfy(session -> {
            assertThat(session.tls()).startsWith("TLSv1.");
            assertThat(session.transcript()).extracting(Exchange::sent)
                    .containsSubsequence("EHLO probe.example", "STARTTLS", "EHLO probe.example", "QUIT");
        });
        assertThat(report.findings(FindingCode.TLS_USED)).singleElement()
                .satisfies(f -> assertThat(f.message()).startsWith("STARTTLS: TLSv1."));
        assertThat(report.has(FindingCode.STARTTLS_NOT_OFFERED)).isFalse();
        assertThat(report.has(FindingCode.STARTTLS_FAILED)).isFalse();
    }

    @Test
    void implicitTlsSpeaksTlsFromTheFirstByte() throws Exception {
        ProbeReport report = probe(ConnectTls.IMPLICIT, false, "smtpd_tls_wrappermode", "yes");

        assertThat(report.verdict()).isEqualTo(Verdict.CLOSED);
        assertThat(report.banner()).startsWith("220 postfix.test");
        assertThat(report.sessions()).hasSizeGreaterThanOrEqualTo(3)
                .allSatisfy(session -> assertThat(session.tls()).startsWith("TLSv1."));
        assertThat(report.findings(FindingCode.TLS_USED)).singleElement()
                .satisfies(f -> assertThat(f.message()).startsWith("implicit TLS: TLSv1."));
    }

    @Test
    void untrustedCertificateFailsStartTlsAndTheProbeCarriesOnInPlainText() throws Exception {
        ProbeReport report = probe(ConnectTls.STARTTLS, true);

        assertThat(report.findings(FindingCode.STARTTLS_FAILED)).singleElement()
                .satisfies(f -> assertThat(f.message()).contains("TLS handshake failed"));
        // the failed handshake killed the first connection; the attempts ran on plain ones that did not try again
        assertThat(report.sessions().get(0).transcript()).extracting(Exchange::sent).contains("STARTTLS");
        assertThat(report.sessions().subList(1, report.sessions().size())).hasSizeGreaterThanOrEqualTo(3)
                .allSatisfy(session -> {
                    assertThat(session.tls()).isNull();
                    assertThat(session.transcript()).extracting(Exchange::sent).doesNotContain("STARTTLS");
                });
        assertThat(report.verdict()).isEqualTo(Verdict.CLOSED);
        assertThat(report.attempts()).allSatisfy(a -> assertThat(a.connection()).isGreaterThan(1));
    }

    @Test
    void plainModeNeverStartsTls() throws Exception {
        ProbeReport report = probe(ConnectTls.NONE, false);

        assertThat(report.verdict()).isEqualTo(Verdict.CLOSED);
        assertThat(report.sessions()).isNotEmpty().allSatisfy(session -> {
            assertThat(session.tls()).isNull();
            assertThat(session.transcript()).extracting(Exchange::sent).doesNotContain("STARTTLS");
        });
    }
}
