package io.mailrelay.relay.delivery;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.mailrelay.testing.Exec;
import io.mailrelay.testing.PostfixInstance;
import io.mailrelay.testing.SmtpSink;

/**
 * A test CA made with openssl, a server certificate it issued for 127.0.0.1 (subjectAltName IP, so host name
 * checks pass when connecting to the loopback address) and an unrelated CA that must not be trusted. Files are
 * world-readable: Postfix reads them as another user.
 */
public record TestPki(Path dir) {

    /** A certificate and its key. */
    public record Issued(Path certificate, Path key) {
    }

    public Path caCertificate() {
        return dir.resolve("ca.crt");
    }

    Path otherCaCertificate() {
        return dir.resolve("other.crt");
    }

    public Path serverCertificate() {
        return dir.resolve("server.crt");
    }

    /**
     * A Postfix smarthost presenting this PKI's server certificate, relaying for 127.0.0.1 only and on to {@code sink};
     * the caller adds how TLS is required (STARTTLS levels, smtpd_tls_wrappermode, client certificates).
     */
    public PostfixInstance.Builder smarthostRelayingTo(SmtpSink sink) {
        return PostfixInstance.builder()
                .set("mynetworks", "127.0.0.1/32")
                .set("smtpd_relay_restrictions", "permit_mynetworks, reject")
                .serverCertificate(serverCertificate(), serverKey())
                .relayTo(sink.host(), sink.port());
    }

    public Path serverKey() {
        return dir.resolve("server.key");
    }

    /**
     * Another server certificate for 127.0.0.1, valid for {@code days} from now, issued by the test CA or (untrusted)
     * by the other CA.
     */
    public Issued issue(String name, int days, boolean byOtherCa) {
        String ca = byOtherCa ? "other" : "ca";
        Path key = dir.resolve(name + ".key");
        Path certificate = dir.resolve(name + ".crt");
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", key.toString(),
                "-out", dir + "/" + name + ".csr");
        openssl("x509", "-req", "-in", dir + "/" + name + ".csr", "-CA", dir + "/" + ca + ".crt", "-CAkey",
                dir + "/" + ca + ".key", "-CAcreateserial", "-days", String.valueOf(days), "-extfile",
                dir + "/san.ext", "-out", certificate.toString());
        try {
            for (Path file : List.of(key, certificate)) {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Issued(certificate, key);
    }

    /** The notAfter of a PEM certificate file. */
    public static Instant notAfter(Path certificate) {
        try (InputStream in = Files.newInputStream(certificate)) {
            return ((X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in)).getNotAfter()
                    .toInstant();
        } catch (IOException | CertificateException e) {
            throw new IllegalStateException(certificate + ": " + e.getMessage(), e);
        }
    }

    public static TestPki create() {
        try {
            Path dir = Files.createTempDirectory("smarthost-pki");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Test CA",
                    "-keyout", dir + "/ca.key", "-out", dir + "/ca.crt");
            openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", dir + "/server.key",
                    "-out", dir + "/server.csr");
            Files.writeString(dir.resolve("san.ext"), "subjectAltName=IP:127.0.0.1\n");
            openssl("x509", "-req", "-in", dir + "/server.csr", "-CA", dir + "/ca.crt", "-CAkey", dir + "/ca.key",
                    "-CAcreateserial", "-days", "2", "-extfile", dir + "/san.ext", "-out", dir + "/server.crt");
            openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Other CA",
                    "-keyout", dir + "/other.key", "-out", dir + "/other.crt");
            for (String file : List.of("server.key", "server.crt")) {
                Files.setPosixFilePermissions(dir.resolve(file), PosixFilePermissions.fromString("rw-r--r--"));
            }
            return new TestPki(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void openssl(String... args) {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Exec.run(command, Map.of(), 60).assertSuccess();
    }
}
