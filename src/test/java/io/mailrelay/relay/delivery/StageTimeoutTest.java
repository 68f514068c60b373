package io.mailrelay.relay.delivery;

import static io.mailrelay.relay.delivery.DeliveryFixture.FAST_RETRY;
import static io.mailrelay.relay.delivery.DeliveryFixture.SMALL_POOL;
import static io.mailrelay.relay.delivery.DeliveryFixture.count;
import static io.mailrelay.relay.delivery.DeliveryFixture.message;
import static io.mailrelay.relay.delivery.DeliveryFixture.unusedSmarthost;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.mailrelay.config.HostPort;
import io.mailrelay.config.OutboundMode;
import io.mailrelay.relay.spool.FileMessageSpool;
import io.mailrelay.testing.CapturedLog;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * Each SMTP stage has its own limit: a next hop that stalls in one stage is given up at that stage's limit (short
 * here), while every other stage's limit is long; the message is deferred, retried and delivered once.
 */
@Tag("smtp")
class StageTimeoutTest {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final Duration LONG = Duration.ofMinutes(10);
    /** the retry comes when the test says (retryNow), not by the clock */
    private static final RetryPolicy HOURLY = new RetryPolicy(List.of(Duration.ofHours(1)), Duration.ofDays(5));

    @TempDir
    Path dir;

    private static DeliverySettings settings(HostPort nextHop, SmtpTimeouts timeouts) {
        return settings(nextHop, timeouts, FAST_RETRY);
    }

    private static DeliverySettings settings(HostPort nextHop, SmtpTimeouts timeouts, RetryPolicy retry) {
        return new DeliverySettings("relay.test", Map.of("example.test", nextHop), OutboundMode.SMARTHOST,
                unusedSmarthost(), null, retry, SMALL_POOL, timeouts);
    }

    @Test
    void aServerSilentAfterTheContentIsGivenUpAtDataDoneDeferredAndDeliveredOnceItBehaves() throws Exception {
        SmtpTimeouts dataDoneShort = new SmtpTimeouts(LONG, LONG, LONG, LONG, LONG, LONG, LONG, Duration.ofSeconds(2));
        FileMessageSpool spool = new FileMessageSpool(dir);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        String id = DeliveryFixture.spool(spool, "alice@sender.test", message("stalled", "x\r\n"), "bob@example.test");

        try (CapturedLog log = CapturedLog.of(DeliveryService.class);
                ScriptedNextHop server = ScriptedNextHop.start(ScriptedNextHop.Misbehaviour.SILENT_AFTER_DATA);
                DeliveryService service = DeliveryFixture.start(spool, settings(server.address(), dataDoneShort,
                        HOURLY), registry)) {
            await().atMost(WAIT).until(() -> spool.get(id).map(m -> m.state().attempts()).orElse(0) >= 1);
            assertThat(server.accepted()).isEmpty();
            server.behave(); // the next session is served properly
            service.retryNow();
            await().atMost(WAIT).until(() -> spool.depth() == 0);

            assertThat(server.accepted()).containsExactly(List.of("bob@example.test")); // 1 sent, 1 arrived
            assertThat(server.connections()).isEqualTo(2);
            assertThat(count(registry, "deferred")).isEqualTo(1);
            assertThat(count(registry, "delivered")).isEqualTo(1);
            assertThat(log.lines()).anyMatch(line -> line.contains("status=deferred")
                    && line.contains("timed out in stage data_done (smtp_data_done_timeout 2s)"));
        }
    }

    @Test
    void aServerSlowerThanAShortLimitOfAnotherStageIsNotGivenUp() throws Exception {
        // the other side: the same silence, with only the greeting's limit short, is waited out
        SmtpTimeouts heloShort = new SmtpTimeouts(LONG, Duration.ofSeconds(2), LONG, LONG, LONG, LONG, LONG, LONG);
        FileMessageSpool spool = new FileMessageSpool(dir);
        String id = DeliveryFixture.spool(spool, "alice@sender.test", message("stalled", "x\r\n"), "bob@example.test");

        try (ScriptedNextHop server = ScriptedNextHop.start(ScriptedNextHop.Misbehaviour.SILENT_AFTER_DATA);
                DeliveryService service = DeliveryFixture.start(spool, settings(server.address(), heloShort),
                        new SimpleMeterRegistry())) {
            await().atMost(WAIT).until(() -> server.openConnections() == 1);
            // well past the 2 s of the greeting stage: the session is still open, no attempt recorded
            await().during(Duration.ofSeconds(5)).atMost(WAIT).until(() -> server.openConnections() == 1);
            assertThat(server.connections()).isEqualTo(1);
            assertThat(spool.get(id).orElseThrow().state().attempts()).isZero();
            server.close();
        }
    }

    @Test
    void aTarpitThatNeverGreetsIsGivenUpAtTheHeloLimit() throws Exception {
        SmtpTimeouts heloShort = new SmtpTimeouts(LONG, Duration.ofSeconds(1), LONG, LONG, LONG, LONG, LONG, LONG);
        FileMessageSpool spool = new FileMessageSpool(dir);
        String id = DeliveryFixture.spool(spool, "alice@sender.test", message("tarpit", "x\r\n"), "bob@example.test");

        try (ScriptedNextHop tarpit = ScriptedNextHop.start(ScriptedNextHop.Misbehaviour.TARPIT);
                DeliveryService service = DeliveryFixture.start(spool, settings(tarpit.address(), heloShort),
                        new SimpleMeterRegistry())) {
            await().atMost(WAIT).until(() -> spool.get(id).map(m -> m.state().attempts()).orElse(0) >= 1);

            assertThat(spool.get(id).orElseThrow().state().recipients().get("bob@example.test").reply())
                    .startsWith("451 4.4.1 connection failed: " + tarpit.address())
                    .contains("timed out in stage greeting (smtp_helo_timeout 1s)");
        }
    }

    /** Larger than what the loopback socket buffers of both sides hold, so that a peer that stops reading blocks us. */
    private static byte[] largeMessage() {
        String line = "x".repeat(998) + "\r\n";
        return message("large", line.repeat(30 * 1024 * 1024 / line.length()));
    }

    @Test
    void aServerThatStopsReadingTheContentIsGivenUpAtTheDataXferLimit() throws Exception {
        SmtpTimeouts xferShort = new SmtpTimeouts(LONG, LONG, LONG, LONG, LONG, LONG, Duration.ofSeconds(2), LONG);
        FileMessageSpool spool = new FileMessageSpool(dir);
        String id = DeliveryFixture.spool(spool, "alice@sender.test", largeMessage(), "bob@example.test");

        try (ScriptedNextHop server = ScriptedNextHop.start(ScriptedNextHop.Misbehaviour.STALL_IN_CONTENT);
                DeliveryService service = DeliveryFixture.start(spool, settings(server.address(), xferShort, HOURLY),
                        new SimpleMeterRegistry())) {
            await().atMost(WAIT).until(() -> spool.get(id).map(m -> m.state().attempts()).orElse(0) >= 1);
            assertThat(spool.get(id).orElseThrow().state().recipients().get("bob@example.test").reply())
                    .startsWith("451 4.4.2 " + server.address())
                    .contains("timed out in stage data_xfer (smtp_data_xfer_timeout 2s)");

            server.behave();
            service.retryNow();
            await().atMost(WAIT).until(() -> spool.depth() == 0);
            assertThat(server.accepted()).containsExactly(List.of("bob@example.test")); // 1 sent, 1 arrived
            server.close();
        }
    }

    @Test
    void aSlowReaderThatKeepsTakingTheContentIsNotCutOffByTheDataXferLimit() throws Exception {
        // the other side: 30 MB at about 5 MB/s takes longer than the 2 s limit, but every write makes progress
        SmtpTimeouts xferShort = new SmtpTimeouts(LONG, LONG, LONG, LONG, LONG, LONG, Duration.ofSeconds(2), LONG);
        FileMessageSpool spool = new FileMessageSpool(dir);
        DeliveryFixture.spool(spool, "alice@sender.test", largeMessage(), "bob@example.test");

        try (ScriptedNextHop server = ScriptedNextHop.start(ScriptedNextHop.Misbehaviour.SLOW_READER);
                DeliveryService service = DeliveryFixture.start(spool, settings(server.address(), xferShort, HOURLY),
                        new SimpleMeterRegistry())) {
            await().atMost(WAIT).until(() -> spool.depth() == 0);
            assertThat(server.accepted()).containsExactly(List.of("bob@example.test"));
            assertThat(server.connections()).isEqualTo(1); // delivered in the first session
        }
    }
}
