package io.mailrelay.relay.delivery;

import static io.mailrelay.relay.delivery.DeliveryFixture.FAST_RETRY;
import static io.mailrelay.relay.delivery.DeliveryFixture.loopback;
import static io.mailrelay.relay.delivery.DeliveryFixture.routes;
import static io.mailrelay.relay.delivery.DeliveryFixture.unusedSmarthost;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.mailrelay.relay.spool.Envelope;
import io.mailrelay.relay.spool.FileMessageSpool;
import io.mailrelay.relay.spool.SpoolWriter;
import io.mailrelay.testing.SinkMessage;
import io.mailrelay.testing.SmtpSink;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** A bounce carries at most 64 KB of the original headers, and reads no more than that of the message. */
@Tag("smtp")
class BoundedBounceTest {
    private static final int ONE_MB = 1024 * 1024;

    /** the sender's own domain, where bounces go */
    @RegisterExtension
    static final SmtpSink senderDomain = new SmtpSink();

    @TempDir
    Path dir;

    /** 1 MB of headers in lines of about 1000 octets, the last one marked, then a body. */
    private static byte[] messageWithOneMegabyteOfHeaders() {
        StringBuilder text = new StringBuilder("From: Alice <alice@sender.test>\r\nSubject: huge headers\r\n");
        for (int i = 0; text.length() < ONE_MB; i++) {
            text.append("X-Filler-").append(i).append(": ").append("x".repeat(980)).append("\r\n");
        }
        text.append("X-Last-Header: the end\r\n\r\nbody\r\n");
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void theDsnForAMessageWithOneMegabyteOfHeadersIsBounded() throws Exception {
        try (SmtpSink rejecting = new SmtpSink("-f", "RCPT").start()) {
            FileMessageSpool spool = new FileMessageSpool(dir);
            DeliveryFixture.spool(spool, "alice@sender.test", messageWithOneMegabyteOfHeaders(), "bob@rejected.test");
            try (DeliveryService service = DeliveryFixture.start(spool, routes(Map.of("rejected.test",
                    loopback(rejecting.port()), "sender.test", loopback(senderDomain.port())), unusedSmarthost(),
                    FAST_RETRY), new SimpleMeterRegistry())) {
                await().atMost(Duration.ofSeconds(60)).until(() -> spool.depth() == 0);
            }
        }
        SinkMessage dsn = senderDomain.messages().get(0);
        assertThat(senderDomain.messages()).hasSize(1);
        assertThat(dsn.recipients()).containsExactly("alice@sender.test");
        assertThat(dsn.raw().length).isGreaterThan(BounceComposer.MAX_HEADER_BYTES / 2)
                .isLessThan(BounceComposer.MAX_HEADER_BYTES + 16 * 1024);
        assertThat(dsn.text()).contains("Final-Recipient: rfc822; bob@rejected.test")
                .contains("Subject: huge headers").contains("X-Filler-1: ")
                .contains("cut short at 64 KB").doesNotContain("X-Last-Header").doesNotContain("X-Filler-1000:");
    }

    @Test
    void aSmallMessageKeepsAllItsHeadersAndNoBodyInItsDsn() throws Exception {
        byte[] body = DeliveryFixture.message("small", "the body\r\n");
        try (SmtpSink rejecting = new SmtpSink("-f", "RCPT").start()) {
            FileMessageSpool spool = new FileMessageSpool(dir);
            DeliveryFixture.spool(spool, "alice@sender.test", body, "bob@rejected.test");
            try (DeliveryService service = DeliveryFixture.start(spool, routes(Map.of("rejected.test",
                    loopback(rejecting.port()), "sender.test", loopback(senderDomain.port())), unusedSmarthost(),
                    FAST_RETRY), new SimpleMeterRegistry())) {
                await().atMost(Duration.ofSeconds(60)).until(() -> spool.depth() == 0);
            }
        }
        assertThat(senderDomain.messages()).singleElement().satisfies(dsn -> assertThat(dsn.text())
                .contains("Subject: small").contains("Content-Transfer-Encoding: 8bit").doesNotContain("cut short")
                .doesNotContain("the body"));
    }

    @Test
    void headersAreReadUpToTheCapAndNoFurther() throws IOException {
        byte[] huge = messageWithOneMegabyteOfHeaders();
        CountingStream in = new CountingStream(new ByteArrayInputStream(huge));
        BounceComposer.HeaderBytes headers = BounceComposer.HeaderBytes.read(in, BounceComposer.MAX_HEADER_BYTES);
        assertThat(headers.truncated()).isTrue();
        assertThat(headers.bytes().length).isLessThanOrEqualTo(BounceComposer.MAX_HEADER_BYTES);
        assertThat(new String(headers.bytes(), StandardCharsets.US_ASCII)).endsWith("\r\n"); // whole lines only
        assertThat(in.consumed).isLessThan(BounceComposer.MAX_HEADER_BYTES + 16 * 1024);

        // one header line of 1 MB: nothing of it is kept
        byte[] oneLine = ("Subject: ok\r\nX-Long: " + "y".repeat(ONE_MB) + "\r\n\r\nbody").getBytes(StandardCharsets.US_ASCII);
        CountingStream single = new CountingStream(new ByteArrayInputStream(oneLine));
        BounceComposer.HeaderBytes cut = BounceComposer.HeaderBytes.read(single, BounceComposer.MAX_HEADER_BYTES);
        assertThat(new String(cut.bytes(), StandardCharsets.US_ASCII)).isEqualTo("Subject: ok\r\n");
        assertThat(cut.truncated()).isTrue();
        assertThat(single.consumed).isLessThan(BounceComposer.MAX_HEADER_BYTES + 16 * 1024);

        BounceComposer.HeaderBytes small = BounceComposer.HeaderBytes.read(
                new ByteArrayInputStream("A: 1\r\nB: 2\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII)), 1000);
        assertThat(new String(small.bytes(), StandardCharsets.US_ASCII)).isEqualTo("A: 1\r\nB: 2\r\n");
        assertThat(small.truncated()).isFalse();
    }

    @Test
    void aMessageFromAnOutsiderStillBouncesForFailuresOtherThanAnUnknownUser() throws Exception {
        // smtp-sink -f RCPT answers "500 5.3.0": a permanent failure that is not "no such user"
        try (SmtpSink rejecting = new SmtpSink("-f", "RCPT").start()) {
            FileMessageSpool spool = new FileMessageSpool(dir);
            try (SpoolWriter writer = spool.create(new Envelope("partner@sender.test", List.of("bob@rejected.test"),
                    "198.51.100.7", "partner.test", null, Instant.now(), true))) {
                writer.body().write(DeliveryFixture.message("from outside", "x\r\n"));
                writer.commit();
            }
            try (DeliveryService service = DeliveryFixture.start(spool, routes(Map.of("rejected.test",
                    loopback(rejecting.port()), "sender.test", loopback(senderDomain.port())), unusedSmarthost(),
                    FAST_RETRY), new SimpleMeterRegistry())) {
                await().atMost(Duration.ofSeconds(60)).until(() -> spool.depth() == 0);
            }
        }
        assertThat(senderDomain.messages()).singleElement().satisfies(dsn -> {
            assertThat(dsn.recipients()).containsExactly("partner@sender.test");
            assertThat(dsn.text()).contains("Final-Recipient: rfc822; bob@rejected.test").contains("Status: 5.3.0");
        });
    }

    private static final class CountingStream extends FilterInputStream {
        long consumed;

        CountingStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            consumed += b < 0 ? 0 : 1;
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            consumed += Math.max(n, 0);
            return n;
        }
    }
}
