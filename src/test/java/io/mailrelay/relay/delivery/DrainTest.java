package io.mailrelay.relay.delivery;

import static io.mailrelay.relay.delivery.DeliveryFixture.FAST_RETRY;
import static io.mailrelay.relay.delivery.DeliveryFixture.loopback;
import static io.mailrelay.relay.delivery.DeliveryFixture.message;
import static io.mailrelay.relay.delivery.DeliveryFixture.routes;
import static io.mailrelay.relay.delivery.DeliveryFixture.unusedSmarthost;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.mailrelay.relay.spool.FileMessageSpool;
import io.mailrelay.testing.FreePort;
import io.mailrelay.testing.SmtpSink;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

@Tag("smtp")
class DrainTest {

    @RegisterExtension
    static final SmtpSink sink = new SmtpSink();

    @TempDir
    Path dir;

    @Test
    void drainDeliversWhatIsQueuedAndReturnsWhenEmpty() throws Exception {
        FileMessageSpool spool = new FileMessageSpool(dir);
        for (int i = 0; i < 5; i++) {
            DeliveryFixture.spool(spool, "alice@sender.test", message("drain " + i, "x\r\n"), "bob@example.test");
        }
        long started = System.nanoTime();
        try (DeliveryService service = DeliveryFixture.start(spool,
                routes(Map.of("example.test", loopback(sink.port())), unusedSmarthost(), FAST_RETRY),
                new SimpleMeterRegistry())) {
            assertThat(service.drain(Duration.ofSeconds(60))).isTrue();
        }
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
        assertThat(spool.depth()).isZero();
        assertThat(sink.messages()).hasSize(5);
    }

    @Test
    void withTheNextHopDownDrainGivesUpAfterTheGracePeriodAndTheNextStartDelivers() throws Exception {
        int port = FreePort.pick();
        RetryPolicy hourly = new RetryPolicy(List.of(Duration.ofHours(1)), Duration.ofDays(5));
        DeliverySettings settings = routes(Map.of("example.test", loopback(port)), unusedSmarthost(), hourly);
        FileMessageSpool spool = new FileMessageSpool(dir);
        String id = DeliveryFixture.spool(spool, "alice@sender.test", message("stranded?", "x\r\n"), "bob@example.test");

        long started = System.nanoTime();
        try (DeliveryService service = DeliveryFixture.start(spool, settings, new SimpleMeterRegistry())) {
            assertThat(service.drain(Duration.ofSeconds(2))).isFalse();
        }
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isBetween(Duration.ofSeconds(2), Duration.ofSeconds(20));
        assertThat(spool.get(id).orElseThrow().state().attempts()).isGreaterThanOrEqualTo(1);

        FileMessageSpool nextStart = new FileMessageSpool(dir);
        assertThat(nextStart.get(id)).isPresent();
        try (SmtpSink back = new SmtpSink().onPort(port).start();
                DeliveryService service = DeliveryFixture.start(nextStart, settings, new SimpleMeterRegistry())) {
            assertThat(service.drain(Duration.ofSeconds(30))).isTrue();
            assertThat(back.messages()).hasSize(1);
        }
    }
}
