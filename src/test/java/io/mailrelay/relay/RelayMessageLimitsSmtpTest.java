package io.mailrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.mailrelay.testing.FreePort;
import io.mailrelay.testing.SinkMessage;
import io.mailrelay.testing.SmtpSink;

/**
 * What real mail needs and what loops look like, with the default limits: the relay as a pod runs it
 * (durable spool, delivery) in front of Postfix's smtp-sink as the local domain's server, so what arrives
 * there is what the next hop gets.
 */
@Tag("smtp")
class RelayMessageLimitsSmtpTest {
    private static final String ALLOWED = RelayFixture.ALLOWED_CLIENT;

    @RegisterExtension
    static final SmtpSink nextHop = new SmtpSink();

    private static DeliveringRelay relay;

    @BeforeAll
    static void start() throws Exception {
        Path dir = Files.createTempDirectory("relay-limits");
        Path config = Files.writeString(dir.resolve("relay.yaml"), """
                server: {listenAddress: 127.0.0.1, port: %d, hostname: relay.test}
                allowedNetworks: [127.0.0.2/32]
                localDomains:
                  - {domain: example.test, deliverTo: "127.0.0.1:%d"}
                outbound: {mode: smarthost, smarthost: {host: 127.0.0.1, port: 9, tls: none}}
                spool: {directory: %s, retrySchedule: [1s]}
                """.formatted(FreePort.pick(), nextHop.port(), dir.resolve("spool")));
        relay = DeliveringRelay.start(config);
    }

    @AfterAll
    static void stop() {
        if (relay != null) {
            relay.close();
        }
    }

    /** A session of the allowed client, told to send its message (354). */
    private static RawSmtp inData() {
        RawSmtp smtp = RawSmtp.connect(ALLOWED, relay.port());
        assertThat(smtp.reply()).startsWith("220 ");
        return smtp.openData("app@inside.test", "bob@example.test");
    }

    /** MAIL, RCPT and DATA from the allowed client; returns the reply to the end of data. */
    private static String send(String message) {
        try (RawSmtp smtp = inData()) {
            smtp.send(message + ".\r\n");
            String reply = smtp.reply();
            smtp.command("QUIT");
            return reply;
        }
    }

    private static String receivedHeaders(int count) {
        StringBuilder headers = new StringBuilder();
        for (int i = 0; i < count; i++) {
            headers.append("Received: from hop").append(i).append(".test by hop").append(i + 1).append(".test\r\n");
        }
        return headers.toString();
    }

    private static List<SinkMessage> arrivedWith(String subject) {
        return nextHop.messages().stream().filter(m -> m.text().contains("Subject: " + subject + "\n")).toList();
    }

    /** Waits until the one message with this subject arrived, and returns it. */
    private static SinkMessage arrived(String subject) {
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> !arrivedWith(subject).isEmpty());
        assertThat(arrivedWith(subject)).hasSize(1);
        return arrivedWith(subject).get(0);
    }

    /** Waits until the spool is empty, so that a message that was going to arrive has arrived. */
    private static void deliveryDone() {
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> relay.runtime.spool().depth() == 0);
    }

    @Test
    void fiftyReceivedHeadersAreAcceptedAndFiftyOneAreTooManyHops() {
        assertThat(send(receivedHeaders(50) + "Subject: hops-50\r\n\r\nbody\r\n")).startsWith("250 2.0.0 Ok: queued as ");
        assertThat(send(receivedHeaders(51) + "Subject: hops-51\r\n\r\nbody\r\n")).isEqualTo("554 5.4.6 Too many hops");
        arrived("hops-50");
        deliveryDone();
        assertThat(arrivedWith("hops-51")).isEmpty();
    }

    /** Case-insensitive field names and folded headers count; a body line starting with "Received:" does not. */
    @Test
    void onlyReceivedHeadersOfTheHeaderSectionCount() {
        String folded = "received: from folded.test\r\n\tby next.test;\r\n Tue, 1 Dec 2026 00:00:00 +0000\r\n";
        String bodyLines = receivedHeaders(5);
        assertThat(send(receivedHeaders(49) + folded + "Subject: hops-body\r\n\r\n" + bodyLines))
                .startsWith("250 2.0.0 ");
        assertThat(send(receivedHeaders(49) + folded + "RECEIVED : from spaced.test\r\nSubject: hops-folded\r\n\r\nx\r\n"))
                .isEqualTo("554 5.4.6 Too many hops");
        arrived("hops-body");
        deliveryDone();
        assertThat(arrivedWith("hops-folded")).isEmpty();
    }

    /** Generated HTML has long lines, and DKIM signs them as they are: the next hop gets the same bytes. */
    @Test
    void aTenThousandOctetLineArrivesByteIdentical() {
        StringBuilder line = new StringBuilder();
        for (int i = 0; line.length() < 10_000 - 2; i++) {
            line.append((char) ('a' + i % 26));
        }
        line.setLength(10_000 - 2); // 10,000 octets with the CRLF
        String body = "<html><body>" + line.substring(12) + "\r\n";
        assertThat(body).hasSize(10_000);
        String message = "Subject: long-line\r\nContent-Type: text/html\r\n\r\n" + body + "after\r\n";
        assertThat(send(message)).startsWith("250 2.0.0 ");

        SinkMessage received = arrived("long-line");
        String afterRelayHeader = received.textWithoutSinkReceived()
                .substring(received.textWithoutSinkReceived().indexOf("Subject: long-line"));
        // smtp-sink writes its dump with LF line ends: one line of 9,998 octets, not folded nor split
        assertThat(afterRelayHeader).isEqualTo(message.replace("\r\n", "\n") + "\n");
        assertThat(afterRelayHeader.lines()).contains(body.substring(0, body.length() - 2));
    }

    @Test
    void aDataLineLongerThanMaxLineLengthIsRefusedAndNothingIsRelayed() {
        try (RawSmtp smtp = inData()) {
            smtp.send("Subject: too-long-line\r\n\r\n" + "x".repeat(65536 - 1) + "\r\n.\r\n");
            assertThat(smtp.reply())
                    .isEqualTo("554 5.6.0 Error: message line too long (limit 65536 octets including CRLF)");
            assertThat(smtp.closedByServer()).isTrue();
        }
        // a line of exactly the limit, CRLF included, is accepted
        assertThat(send("Subject: longest-line\r\n\r\n" + "y".repeat(65536 - 2) + "\r\n")).startsWith("250 2.0.0 ");
        arrived("longest-line");
        deliveryDone();
        assertThat(arrivedWith("too-long-line")).isEmpty();
    }

    /** Commands keep RFC 5321's limits while data lines may be long: the framer follows the session's state. */
    @Test
    void commandLinesKeepTheirLimitsAfterALongMessage() {
        try (RawSmtp smtp = inData()) {
            assertThat(smtp.command("Subject: then-commands\r\n\r\n" + "z".repeat(5000) + "\r\n.")).startsWith("250 2.0.0 ");
            assertThat(smtp.command("NOOP " + "x".repeat(600))).startsWith("500 5.5.2 Error: command line too long");
            smtp.send("NOOP " + "x".repeat(1200) + "\r\n");
            assertThat(smtp.reply()).isEqualTo("500 5.5.2 Error: line too long (limit 1000 octets including CRLF)");
            assertThat(smtp.closedByServer()).isTrue();
        }
        arrived("then-commands");
    }
}
