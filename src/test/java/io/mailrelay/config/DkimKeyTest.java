package io.mailrelay.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.mailrelay.testing.Exec;

/** The DNS record of a key, as openssl derives the public key from the PEM we write (and from its own PEM). */
@Tag("unit")
class DkimKeyTest {
    @TempDir
    Path dir;

    private String opensslPublicData(Path pem, boolean raw) throws Exception {
        Path der = dir.resolve(pem.getFileName() + ".der");
        Exec.run("openssl", "pkey", "-in", pem.toString(), "-pubout", "-outform", "DER", "-out", der.toString())
                .assertSuccess();
        byte[] spki = Files.readAllBytes(der);
        return Base64.getEncoder().encodeToString(raw ? Arrays.copyOfRange(spki, spki.length - 32, spki.length) : spki);
    }

    @Test
    void generatedKeysPublishWhatOpensslDerivesFromTheirPem() throws Exception {
        for (DkimKey.Algorithm algorithm : DkimKey.Algorithm.values()) {
            DkimKey key = DkimKey.generate(algorithm);
            Path pem = Files.writeString(dir.resolve(algorithm + ".pem"), key.privateKeyPem());
            String p = opensslPublicData(pem, algorithm == DkimKey.Algorithm.ED25519);
            assertThat(key.dnsRecord()).isEqualTo("v=DKIM1; k=" + algorithm.keyType() + "; p=" + p);
            DkimKey parsed = DkimKey.parse(key.privateKeyPem(), "generated");
            assertThat(parsed.algorithm()).isEqualTo(algorithm);
            assertThat(parsed.dnsRecord()).as("derived again from the private key").isEqualTo(key.dnsRecord());
        }
        assertThat(DkimKey.dnsName("s2026", "Example.ORG.")).isEqualTo("s2026._domainkey.example.org");
    }

    @Test
    void opensslKeysParseWithTheirPublicKey() throws Exception {
        Path rsa = dir.resolve("rsa.pem");
        Exec.run("openssl", "genrsa", "-traditional", "-out", rsa.toString(), "2048").assertSuccess();
        Path ed = dir.resolve("ed.pem");
        Exec.run("openssl", "genpkey", "-algorithm", "ed25519", "-out", ed.toString()).assertSuccess();
        assertThat(DkimKey.parse(Files.readString(rsa), "rsa").publicKeyData()).isEqualTo(opensslPublicData(rsa, false));
        assertThat(DkimKey.parse(Files.readString(ed), "ed").publicKeyData()).isEqualTo(opensslPublicData(ed, true));
        assertThat(Files.readString(rsa)).startsWith("-----BEGIN RSA PRIVATE KEY-----");
    }
}
