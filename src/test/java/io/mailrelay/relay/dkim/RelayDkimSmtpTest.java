package io.mailrelay.relay.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.mailrelay.relay.RawSmtp;
import io.mailrelay.relay.RelayFixture;
import io.mailrelay.relay.DeliveringRelay;
import io.mailrelay.testing.DkimVerify;
import io.mailrelay.testing.Dnsmasq;
import io.mailrelay.testing.Exec;
import io.mailrelay.testing.FreePort;
import io.mailrelay.testing.SinkMessage;
import io.mailrelay.testing.SmtpSink;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * DKIM signing end to end: the relay as a pod runs it (durable spool, delivery) in front of Postfix's smtp-sink, and
 * what smtp-sink received (the next hop's bytes) is verified by dkimpy's dkimverify, an independent implementation,
 * with the public keys published by the test's own dnsmasq. The keys are made by openssl, their DNS records too.
 * a.test signs with an RSA and an Ed25519 key (two signatures), b.test with Ed25519 only; other.test is not signed.
 */
@Tag("smtp")
class RelayDkimSmtpTest {
    private static final Pattern SIGNATURE = Pattern.compile("^DKIM-Signature:[^\\r\\n]*\\r\\n", Pattern.MULTILINE);

    @RegisterExtension
    static final SmtpSink nextHop = new SmtpSink();

    private static Dnsmasq dns;
    private static DeliveringRelay relay;
    private static Path edBKey;

    @BeforeAll
    static void start() throws Exception {
        Path dir = Files.createTempDirectory("relay-dkim");
        Path rsa = key(dir, "a-rsa.pem", "RSA", "-pkeyopt", "rsa_keygen_bits:2048");
        Path edA = key(dir, "a-ed.pem", "ed25519");
        Path edB = key(dir, "b-ed.pem", "ed25519");
        List<String> records = new ArrayList<>();
        records.add(txtRecord("rsa2026._domainkey.a.test", "v=DKIM1; k=rsa; p=" + publicKey(rsa, false)));
        records.add(txtRecord("ed2026._domainkey.a.test", "v=DKIM1; k=ed25519; p=" + publicKey(edA, true)));
        records.add(txtRecord("ed2026._domainkey.b.test", "v=DKIM1; k=ed25519; p=" + publicKey(edB, true)));
        dns = Dnsmasq.start(records.toArray(String[]::new));
        Path config = relayYaml(dir, """
                dkim:
                  domains:
                    - {domain: a.test, selector: rsa2026, keyFile: %s}
                    - {domain: a.test, selector: ed2026, keyFile: %s}
                    - {domain: B.Test, selector: ed2026, keyFile: %s}
                """.formatted(rsa, edA, edB));
        edBKey = edB;
        relay = DeliveringRelay.start(config);
    }

    @AfterAll
    static void stop() {
        if (relay != null) {
            relay.close();
        }
        if (dns != null) {
            dns.close();
        }
    }

    /** relay.yaml of a relay on a free port delivering example.test to the sink, with {@code dkim} appended. */
    private static Path relayYaml(Path dir, String dkim) throws java.io.IOException {
        return Files.writeString(dir.resolve("relay.yaml"), """
                server: {listenAddress: 127.0.0.1, port: %d, hostname: relay.test}
                allowedNetworks: [127.0.0.2/32]
                localDomains:
                  - {domain: example.test, deliverTo: "127.0.0.1:%d", recipientCheck: none}
                outbound: {mode: smarthost, smarthost: {host: 127.0.0.1, port: 9, tls: none}}
                spool: {directory: %s, retrySchedule: [1s]}
                """.formatted(FreePort.pick(), nextHop.port(), dir.resolve("spool")) + dkim);
    }

    /** openssl genpkey: a PKCS#8 PEM key. */
    private static Path key(Path dir, String name, String algorithm, String... options) {
        Path file = dir.resolve(name);
        List<String> command = new ArrayList<>(List.of("openssl", "genpkey", "-algorithm", algorithm, "-out", file.toString()));
        command.addAll(List.of(options));
        Exec.run(command, java.util.Map.of(), 120).assertSuccess();
        return file;
    }

    /** p=: openssl's SubjectPublicKeyInfo (RSA), or its last 32 bytes, the raw Ed25519 key (RFC 8463). */
    private static String publicKey(Path key, boolean raw) throws Exception {
        Path der = Files.createTempFile("pub", ".der");
        Exec.run("openssl", "pkey", "-in", key.toString(), "-pubout", "-outform", "DER", "-out", der.toString())
                .assertSuccess();
        byte[] spki = Files.readAllBytes(der);
        byte[] data = raw ? java.util.Arrays.copyOfRange(spki, spki.length - 32, spki.length) : spki;
        return Base64.getEncoder().encodeToString(data);
    }

    /** A TXT record in strings of at most 255 characters (an RSA key is longer). */
    private static String txtRecord(String name, String text) {
        StringBuilder record = new StringBuilder("--txt-record=").append(name);
        for (int i = 0; i < text.length(); i += 200) {
            record.append(',').append(text, i, Math.min(text.length(), i + 200));
        }
        return record.toString();
    }

    /** Sends one message (already dot-stuffed, CRLF lines) from the allowed client; returns its test id. */
    private static void send(String from, String message) {
        send(relay.port(), from, message);
    }

    private static void send(int port, String from, String message) {
        try (RawSmtp smtp = RawSmtp.connect(RelayFixture.ALLOWED_CLIENT, port)) {
            assertThat(smtp.reply()).startsWith("220 ");
            smtp.openData(from, "bob@example.test");
            smtp.send(message + ".\r\n");
            assertThat(smtp.reply()).startsWith("250 ");
            smtp.command("QUIT");
        }
    }

    private static byte[] delivered(String testId) {
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> nextHop.testIds().contains(testId));
        SinkMessage message = nextHop.messages().stream().filter(m -> m.text().contains("X-Test-Id: " + testId))
                .findFirst().orElseThrow();
        // smtp-sink keeps each line without its CR: put back the CRLF that went over the wire
        String lines = message.textWithoutSinkReceived().replace("\r\n", "\n").replace("\n", "\r\n");
        return lines.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static List<String> signatures(byte[] message) {
        String text = new String(message, StandardCharsets.ISO_8859_1);
        String headers = text.substring(0, Math.max(0, text.indexOf("\r\n\r\n") + 2));
        List<String> found = new ArrayList<>();
        Matcher matcher = SIGNATURE.matcher(headers);
        while (matcher.find()) {
            found.add(matcher.group());
        }
        return found;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String utf8(String text) {
        return new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    }

    @Test
    void signsWithRsaAndEd25519AndTheIndependentVerifierAgrees() {
        String longLine = "x".repeat(4000) + " \t ";
        List<String[]> messages = List.of(
                new String[] {"app@a.test", "plain", "From: App <app@a.test>\r\nTo: bob@example.test\r\n"
                        + "Subject: plain\r\nX-Test-Id: plain\r\n\r\nHello.\r\n"},
                new String[] {"app@a.test", "eightbit", "From: =?utf-8?q?App?= <app@A.TEST>\r\nTo: bob@example.test\r\n"
                        + utf8("Subject: Grüße aus Köln\r\n") + "MIME-Version: 1.0\r\n"
                        + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n"
                        + "X-Test-Id: eightbit\r\n\r\n" + utf8("Grüße, ça va? 日本語\r\n")
                        + "latin-1 bytes: \u00e9\u00fc\u00ff\r\n"},
                new String[] {"app@b.test", "longlines", "From: app@b.test\r\nTo: bob@example.test\r\n"
                        + "Subject: a folded\r\n   subject line\r\nX-Test-Id: longlines\r\n\r\n"
                        + longLine + "\r\n" + "y".repeat(997) + "\r\n..leading dot\r\n\r\n\r\n"},
                new String[] {"app@b.test", "presigned", "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;"
                        + " d=elsewhere.test; s=old; h=from:subject; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;"
                        + " b=AAAA\r\nFrom: app@b.test\r\nTo: bob@example.test\r\nSubject: presigned\r\n"
                        + "X-Test-Id: presigned\r\n\r\nSigned before.\r\n"});
        int signaturesVerified = 0;
        int signaturesExpected = 0;
        double signedBefore = dkimMessages(relay.registry, "signed", "none");
        for (String[] message : messages) {
            send(message[0], message[2]);
        }
        assertThat(dkimMessages(relay.registry, "signed", "none") - signedBefore).isEqualTo(messages.size());
        for (String[] message : messages) {
            byte[] delivered = delivered(message[1]);
            List<String> ours = signatures(delivered).stream().filter(s -> !s.contains("d=elsewhere.test")).toList();
            boolean fromA = message[0].endsWith("@a.test");
            assertThat(ours).as(message[1]).hasSize(fromA ? 2 : 1);
            assertThat(ours.get(0)).contains(fromA ? "a=rsa-sha256" : "a=ed25519-sha256")
                    .contains(fromA ? "d=a.test" : "d=b.test").contains("c=relaxed/relaxed");
            assertThat(ours.get(0)).as("From signed, and oversigned").containsPattern("h=from:[^;]*subject[^;]*:from;");
            if (fromA) {
                assertThat(ours.get(1)).contains("a=ed25519-sha256").contains("s=ed2026");
            }
            for (int i = 0; i < ours.size(); i++) {
                signaturesExpected++;
                Exec.Result result = DkimVerify.verify(dns, delivered, i);
                assertThat(result.exitCode()).as(message[1] + " signature " + i + ": " + result).isZero();
                signaturesVerified++;
            }
            String text = new String(delivered, StandardCharsets.ISO_8859_1);
            assertThat(text.indexOf("DKIM-Signature:")).as("ours first, before our Received:")
                    .isLessThan(text.indexOf("Received: from"));
            // smtp-sink stores the message with one more line end than it received: compare without trailing CRLFs
            assertThat(text.stripTrailing()).as("the message bytes after our signatures are what the client sent")
                    .endsWith(message[2].replace("\r\n..", "\r\n.").stripTrailing());
        }
        System.out.printf("DKIM: %d messages sent, %d delivered, %d signatures made, %d verified by dkimverify%n",
                messages.size(), messages.size(), signaturesExpected, signaturesVerified);
        assertThat(signaturesVerified).isEqualTo(6);
    }

    @Test
    void tamperedMessagesFailTheVerifier() {
        send("app@a.test", "From: app@a.test\r\nTo: bob@example.test\r\nSubject: original\r\n"
                + "X-Test-Id: tamper\r\n\r\nPay 10 EUR.\r\n");
        byte[] delivered = delivered("tamper");
        String text = new String(delivered, StandardCharsets.ISO_8859_1);
        assertThat(DkimVerify.verifies(dns, delivered, 0)).as("untouched").isTrue();
        assertThat(DkimVerify.verifies(dns, delivered, 1)).as("untouched, ed25519").isTrue();
        List<String> tampered = List.of(
                text.replace("Pay 10 EUR.", "Pay 99 EUR."),
                text.replace("Subject: original", "Subject: changed"),
                // oversigning: a second From: added anywhere breaks the signature
                text.replace("X-Test-Id: tamper\r\n", "X-Test-Id: tamper\r\nFrom: ceo@a.test\r\n"),
                text.replace("Pay 10 EUR.\r\n", "Pay 10 EUR.\r\nP.S. appended\r\n"));
        int failed = 0;
        for (String message : tampered) {
            for (int index = 0; index < 2; index++) {
                if (!DkimVerify.verifies(dns, bytes(message), index)) {
                    failed++;
                }
            }
        }
        System.out.printf("DKIM: %d tampered copies x 2 signatures, %d refused by dkimverify%n", tampered.size(), failed);
        assertThat(failed).isEqualTo(tampered.size() * 2);
    }

    @Test
    void mailFromAnotherDomainIsNotSigned() {
        double before = dkimMessages(relay.registry, "unsigned", "no_key_for_domain");
        send("app@other.test", "From: app@other.test\r\nTo: bob@example.test\r\nSubject: other\r\n"
                + "X-Test-Id: other\r\n\r\nNot ours to sign.\r\n");
        assertThat(signatures(delivered("other"))).isEmpty();
        assertThat(dkimMessages(relay.registry, "unsigned", "no_key_for_domain") - before).isEqualTo(1);
    }

    @Test
    void withSignAllWithMailFromAnyDomainIsSignedWithThatDomainsKeysAndVerifies() throws Exception {
        Path dir = Files.createTempDirectory("relay-dkim-all");
        Path config = relayYaml(dir, """
                dkim:
                  domains:
                    - {domain: b.test, selector: ed2026, keyFile: %s}
                  signAllWith: b.test
                """.formatted(edBKey));
        try (DeliveringRelay signingAll = DeliveringRelay.start(config)) {
            send(signingAll.port(), "app@customer.test", "From: app@customer.test\r\nTo: bob@example.test\r\n"
                    + "Subject: for a customer\r\nX-Test-Id: signall\r\n\r\nSigned by the relay's domain.\r\n");
            byte[] delivered = delivered("signall");
            assertThat(signatures(delivered)).hasSize(1).first().asString().contains("d=b.test").contains("s=ed2026");
            Exec.Result result = DkimVerify.verify(dns, delivered, 0);
            assertThat(result.exitCode()).as(result.toString()).isZero();
            assertThat(dkimMessages(signingAll.registry, "signed", "none")).isEqualTo(1);
        }
    }

    private static double dkimMessages(SimpleMeterRegistry registry, String result, String reason) {
        return registry.get("mailrelay.dkim.messages").tag("result", result).tag("reason", reason).counter().count();
    }
}
