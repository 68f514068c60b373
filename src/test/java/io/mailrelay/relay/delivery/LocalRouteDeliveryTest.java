package io.mailrelay.relay.delivery;

import static io.mailrelay.relay.delivery.DeliveryFixture.FAST_RETRY;
import static io.mailrelay.relay.delivery.DeliveryFixture.count;
import static io.mailrelay.relay.delivery.DeliveryFixture.loopback;
import static io.mailrelay.relay.delivery.DeliveryFixture.message;
import static io.mailrelay.relay.delivery.DeliveryFixture.routes;
import static io.mailrelay.relay.delivery.DeliveryFixture.unusedSmarthost;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.mailrelay.relay.spool.FileMessageSpool;
import io.mailrelay.testing.SinkMessage;
import io.mailrelay.testing.SmtpSink;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** Delivery to a local domain's deliverTo target: a real Postfix smtp-sink. */
@Tag("smtp")
class LocalRouteDeliveryTest {

    @RegisterExtension
    static final SmtpSink sink = new SmtpSink();

    @TempDir
    Path dir;

    @Test
    void deliversTheSpooledBytesUnchangedWithTheEnvelope() throws Exception {
        String longLine = "L".repeat(998);
        byte[] body = message("bytes", "caf\u00e9 \u00fc\u00df 8-bit\r\n.leading dot survives dot-stuffing\r\n"
                + longLine + "\r\n..two dots\r\nlast line\r\n");
        FileMessageSpool spool = new FileMessageSpool(dir);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        String id = DeliveryFixture.spool(spool, "alice@sender.test", body, "bob@example.test", "carol@Example.TEST");

        try (DeliveryService service = DeliveryFixture.start(spool,
                routes(Map.of("example.test", loopback(sink.port())), unusedSmarthost(), FAST_RETRY), registry)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> spool.depth() == 0);
        }

        assertThat(sink.messages()).singleElement().satisfies(received -> {
            assertThat(received.mailFrom()).isEqualTo("alice@sender.test");
            assertThat(received.recipients()).containsExactly("bob@example.test", "carol@Example.TEST");
            assertThat(received.textWithoutSinkReceived()).isEqualTo(DeliveryFixture.asSinkDumps(body));
        });
        assertThat(spool.get(id)).isEmpty();
        assertThat(count(registry, "delivered")).isEqualTo(2);
        assertThat(registry.get("mailrelay.delivery.latency").timer().count()).isEqualTo(2);
        assertThat(registry.get("mailrelay.spool.depth").gauge().value()).isZero();
    }

    @Test
    void recipientsOfOneRouteTravelTogetherAndOthersSeparately() throws Exception {
        try (SmtpSink other = new SmtpSink().start()) {
            FileMessageSpool spool = new FileMessageSpool(dir);
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            byte[] body = message("grouping", "hello\r\n");
            DeliveryFixture.spool(spool, "alice@sender.test", body, "a@example.test", "x@other.test", "b@example.test");

            try (DeliveryService service = DeliveryFixture.start(spool, routes(Map.of("example.test",
                    loopback(sink.port()), "other.test", loopback(other.port())), unusedSmarthost(), FAST_RETRY),
                    registry)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> spool.depth() == 0);
            }

            assertThat(sink.messages()).extracting(SinkMessage::recipients).containsExactly(
                    java.util.List.of("a@example.test", "b@example.test"));
            assertThat(other.messages()).extracting(SinkMessage::recipients).containsExactly(
                    java.util.List.of("x@other.test"));
        }
    }
}
