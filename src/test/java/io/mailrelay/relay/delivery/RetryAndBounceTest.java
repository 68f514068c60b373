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
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.mailrelay.relay.spool.FileMessageSpool;
import io.mailrelay.relay.spool.RecipientStatus;
import io.mailrelay.testing.FreePort;
import io.mailrelay.testing.SinkMessage;
import io.mailrelay.testing.SmtpSink;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** Temporary failures are retried, permanent ones bounced to the sender with an RFC 3464 report. */
@Tag("smtp")
class RetryAndBounceTest {

    /** the sender's own domain, where bounces go */
    @RegisterExtension
    static final SmtpSink senderDomain = new SmtpSink();

    @TempDir
    Path dir;

    @Test
    void retriesWhileNothingListensThenDeliversOnceTheNextHopIsBack() throws Exception {
        int port = FreePort.pick(); // nothing listens there yet
        FileMessageSpool spool = new FileMessageSpool(dir);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        byte[] body = message("retry", "comes through in the end\r\n");
        String id = DeliveryFixture.spool(spool, "alice@sender.test", body, "bob@example.test");

        try (DeliveryService service = DeliveryFixture.start(spool,
                routes(Map.of("example.test", loopback(port)), unusedSmarthost(), FAST_RETRY), registry)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> spool.get(id).orElseThrow().state().attempts() >= 2);
            var state = spool.get(id).orElseThrow().state();
            assertThat(state.pendingRecipients()).containsExactly("bob@example.test");
            assertThat(state.recipients().get("bob@example.test").reply()).startsWith("451 4.4.1");
            assertThat(count(registry, "deferred")).isGreaterThanOrEqualTo(2);

            try (SmtpSink back = new SmtpSink().onPort(port).start()) {
                await().atMost(Duration.ofSeconds(20)).until(() -> spool.depth() == 0);
                assertThat(back.messages()).singleElement().satisfies(received ->
                        assertThat(received.textWithoutSinkReceived()).isEqualTo(DeliveryFixture.asSinkDumps(body)));
            }
        }
        assertThat(count(registry, "delivered")).isEqualTo(1);
        assertThat(count(registry, "bounced")).isZero();
    }

    @Test
    void aSoftRejectIsRetriedUntilTheQueueLifetimeRunsOutThenBounced() throws Exception {
        try (SmtpSink tempFailing = new SmtpSink("-r", "RCPT").start()) {
            FileMessageSpool spool = new FileMessageSpool(dir);
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            RetryPolicy shortLife = new RetryPolicy(List.of(Duration.ofMillis(300)), Duration.ofSeconds(2));
            DeliveryFixture.spool(spool, "alice@sender.test", message("expires", "x\r\n"), "bob@busy.test");

            try (DeliveryService service = DeliveryFixture.start(spool, routes(Map.of("busy.test",
                    loopback(tempFailing.port()), "sender.test", loopback(senderDomain.port())), unusedSmarthost(),
                    shortLife), registry)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> spool.depth() == 0);
            }

            assertThat(count(registry, "deferred")).isGreaterThanOrEqualTo(2);
            SinkMessage dsn = senderDomain.messages().get(0);
            assertThat(dsn.text()).contains("Final-Recipient: rfc822; bob@busy.test").contains("Action: failed")
                    .containsPattern("Status: 4\\.\\d+\\.\\d+").contains("gave up: message older than maxQueueLifetime");
        }
    }

    @Test
    void aPermanentRejectBouncesOnlyThatRecipientWithADsnFromTheNullSender() throws Exception {
        try (SmtpSink rejecting = new SmtpSink("-f", "RCPT").start(); SmtpSink accepting = new SmtpSink().start()) {
            FileMessageSpool spool = new FileMessageSpool(dir);
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            byte[] body = message("bounce me", "original body\r\n");
            DeliveryFixture.spool(spool, "alice@sender.test", body, "bob@rejected.test", "carol@example.test");

            try (DeliveryService service = DeliveryFixture.start(spool, routes(Map.of("rejected.test",
                    loopback(rejecting.port()), "example.test", loopback(accepting.port()), "sender.test",
                    loopback(senderDomain.port())), unusedSmarthost(), FAST_RETRY), registry)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> spool.depth() == 0);
            }

            assertThat(accepting.messages()).extracting(SinkMessage::recipients)
                    .containsExactly(List.of("carol@example.test"));
            assertThat(rejecting.messages()).isEmpty();
            assertThat(senderDomain.messages()).singleElement().satisfies(dsn -> {
                assertThat(dsn.mailFrom()).isEmpty();
                assertThat(dsn.recipients()).containsExactly("alice@sender.test");
                assertThat(dsn.text())
                        .contains("Content-Type: multipart/report")
                        .contains("report-type=delivery-status")
                        .contains("Content-Type: message/delivery-status")
                        .contains("Reporting-MTA: dns; relay.test")
                        .contains("Final-Recipient: rfc822; bob@rejected.test")
                        .contains("Action: failed")
                        .containsPattern("Status: 5\\.\\d+\\.\\d+")
                        .contains("Diagnostic-Code: smtp; 5")
                        .contains("Content-Type: text/rfc822-headers")
                        .contains("Subject: bounce me")
                        .doesNotContain("carol@example.test")
                        .doesNotContain("original body");
            });
            assertThat(count(registry, "bounced")).isEqualTo(1);
            assertThat(count(registry, "delivered")).isEqualTo(2); // carol, then the DSN
        }
    }

    @Test
    void noBounceForTheNullSender() throws Exception {
        try (SmtpSink rejecting = new SmtpSink("-f", "RCPT").start()) {
            FileMessageSpool spool = new FileMessageSpool(dir);
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            String id = DeliveryFixture.spool(spool, "", message("a bounce itself", "x\r\n"), "bob@rejected.test");
            // the test watches the failure being recorded before the message is removed
            var failed = new java.util.concurrent.atomic.AtomicBoolean();
            spool.addCommitListener(m -> failed.set(true)); // a DSN would be a new commit

            try (DeliveryService service = DeliveryFixture.start(spool, routes(Map.of("rejected.test",
                    loopback(rejecting.port()), "sender.test", loopback(senderDomain.port())), unusedSmarthost(),
                    FAST_RETRY), registry)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> spool.depth() == 0);
            }

            assertThat(spool.get(id)).isEmpty();
            assertThat(count(registry, "bounced")).isEqualTo(1);
            assertThat(failed).isFalse();
            assertThat(senderDomain.messages()).isEmpty();
        }
    }

    @Test
    void aPartlyDeliveredMessageIsNeverResentToRecipientsThatGotIt() throws Exception {
        int downPort = FreePort.pick();
        try (SmtpSink accepting = new SmtpSink().start()) {
            FileMessageSpool spool = new FileMessageSpool(dir);
            String id = DeliveryFixture.spool(spool, "alice@sender.test", message("partial", "x\r\n"),
                    "carol@example.test", "bob@later.test");
            DeliverySettings settings = routes(Map.of("example.test", loopback(accepting.port()), "later.test",
                    loopback(downPort)), unusedSmarthost(), FAST_RETRY);
            try (DeliveryService service = DeliveryFixture.start(spool, settings, new SimpleMeterRegistry())) {
                await().atMost(Duration.ofSeconds(20)).until(() -> spool.get(id).orElseThrow().state().attempts() >= 2);
            }
            assertThat(spool.get(id).orElseThrow().state().recipients().get("carol@example.test").status())
                    .isEqualTo(RecipientStatus.DELIVERED);

            // a restart on the same directory: bob's host is back, carol must not get the message again
            FileMessageSpool restarted = new FileMessageSpool(dir);
            try (SmtpSink later = new SmtpSink().onPort(downPort).start();
                    DeliveryService service = DeliveryFixture.start(restarted, settings, new SimpleMeterRegistry())) {
                assertThat(service.drain(Duration.ofSeconds(20))).isTrue();
                assertThat(later.messages()).extracting(SinkMessage::recipients).containsExactly(List.of("bob@later.test"));
            }
            assertThat(accepting.messages()).hasSize(1);
        }
    }

    @Test
    void recipientsFailingAtDifferentAttemptsGetOneDsnListingBothOnceTheMessageLeavesTheQueue() throws Exception {
        try (SmtpSink rejecting = new SmtpSink("-f", "RCPT").start();
                SmtpSink tempFailing = new SmtpSink("-r", "RCPT").start()) {
            FileMessageSpool spool = new FileMessageSpool(dir);
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            RetryPolicy shortLife = new RetryPolicy(List.of(Duration.ofMillis(300)), Duration.ofSeconds(4));
            String id = DeliveryFixture.spool(spool, "alice@sender.test", message("two failures", "x\r\n"),
                    "bob@rejected.test", "carol@busy.test");

            try (DeliveryService service = DeliveryFixture.start(spool, routes(Map.of("rejected.test",
                    loopback(rejecting.port()), "busy.test", loopback(tempFailing.port()), "sender.test",
                    loopback(senderDomain.port())), unusedSmarthost(), shortLife), registry)) {
                // bob failed for good at the first attempt, carol is still being retried: no DSN yet
                await().atMost(Duration.ofSeconds(20)).until(() -> spool.get(id).orElseThrow().state().attempts() >= 2);
                var state = spool.get(id).orElseThrow().state();
                assertThat(state.failedRecipients()).containsOnlyKeys("bob@rejected.test");
                assertThat(state.pendingRecipients()).containsExactly("carol@busy.test");
                assertThat(senderDomain.messages()).isEmpty();

                await().atMost(Duration.ofSeconds(30)).until(() -> spool.depth() == 0);
            }

            assertThat(senderDomain.messages()).singleElement().satisfies(dsn -> {
                assertThat(dsn.mailFrom()).isEmpty();
                assertThat(dsn.recipients()).containsExactly("alice@sender.test");
                assertThat(dsn.text())
                        .contains("Final-Recipient: rfc822; bob@rejected.test")
                        .contains("Final-Recipient: rfc822; carol@busy.test")
                        .containsPattern("Status: 5\\.\\d+\\.\\d+") // bob: rejected
                        .containsPattern("Status: 4\\.\\d+\\.\\d+") // carol: still 4xx when given up
                        .contains("gave up: message older than maxQueueLifetime");
            });
            assertThat(count(registry, "bounced")).isEqualTo(2);
        }
    }

    @Test
    void aFailureRecordedBeforeARestartIsReportedInTheOneDsnAfterIt() throws Exception {
        int laterPort = FreePort.pick(); // nothing listens there during the first run
        try (SmtpSink rejecting = new SmtpSink("-f", "RCPT").start()) {
            FileMessageSpool spool = new FileMessageSpool(dir);
            String id = DeliveryFixture.spool(spool, "alice@sender.test", message("across a restart", "x\r\n"),
                    "bob@rejected.test", "carol@later.test");
            DeliverySettings settings = routes(Map.of("rejected.test", loopback(rejecting.port()), "later.test",
                    loopback(laterPort), "sender.test", loopback(senderDomain.port())), unusedSmarthost(), FAST_RETRY);
            try (DeliveryService service = DeliveryFixture.start(spool, settings, new SimpleMeterRegistry())) {
                await().atMost(Duration.ofSeconds(20)).until(() -> spool.get(id).orElseThrow().state()
                        .failedRecipients().containsKey("bob@rejected.test"));
            }
            assertThat(senderDomain.messages()).isEmpty();

            // the next start knows bob failed only from the state file; carol's host is back and rejects her too
            FileMessageSpool restarted = new FileMessageSpool(dir);
            try (SmtpSink laterRejecting = new SmtpSink("-f", "RCPT").onPort(laterPort).start();
                    DeliveryService service = DeliveryFixture.start(restarted, settings, new SimpleMeterRegistry())) {
                assertThat(service.drain(Duration.ofSeconds(20))).isTrue();
            }

            assertThat(senderDomain.messages()).singleElement().satisfies(dsn -> assertThat(dsn.text())
                    .contains("Final-Recipient: rfc822; bob@rejected.test")
                    .contains("Final-Recipient: rfc822; carol@later.test")
                    .contains("X-Mailrelay-Next-Hop: local route -> 127.0.0.1:" + rejecting.port()));
        }
    }
}
