package io.mailrelay.relay.delivery;

import static io.mailrelay.relay.delivery.DeliveryFixture.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.mailrelay.config.HostPort;
import io.mailrelay.config.OutboundMode;
import io.mailrelay.config.RelayConfig;
import io.mailrelay.config.SmarthostTls;
import io.mailrelay.relay.RelayFixture;
import io.mailrelay.relay.admin.QueueAdmin;
import io.mailrelay.relay.admin.QueueReport;
import io.mailrelay.relay.spool.FileMessageSpool;
import io.mailrelay.relay.spool.RecipientStatus;
import io.mailrelay.relay.spool.SpooledMessage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * rateLimit of a smarthost, against a real upstream: our relay, which stamps every message when it commits it, after
 * the relay under test took its slot and before it answers 250 (so the stamps are what the upstream sees, measured on
 * its side). Upper bounds only: a slower run passes.
 */
@Tag("smtp")
class RateLimitSmtpTest {

    private static final Duration WAIT = Duration.ofMinutes(5);
    private static final long SECOND = 1_000_000_000L;

    @TempDir
    Path dir;

    private static DeliverySettings settings(HostPort upstream, RelayConfig.RateLimit limit) {
        SmarthostSettings smarthost = new SmarthostSettings(upstream, SmarthostTls.NONE, false, null, null, limit);
        // 20 sessions at once to the smarthost: without the rate limit, 100 messages go in well under a second
        return new DeliverySettings("sender.test", Map.of(), OutboundMode.SMARTHOST, smarthost, null,
                DeliveryFixture.FAST_RETRY, new DeliverySettings.Limits(100, 20, 5, 2),
                SmtpTimeouts.uniform(Duration.ofSeconds(60)));
    }

    private static RelayFixture upstream() {
        return RelayFixture.builder().allowedNetworks("[127.0.0.0/8]").start();
    }

    @Test
    void fiveMessagesPerSecondTheUpstreamSeesAtMostFiveInAnySecondAndAllHundredArrive() throws Exception {
        int count = 100;
        try (RelayFixture upstream = upstream()) {
            FileMessageSpool spool = new FileMessageSpool(dir);
            for (int i = 0; i < count; i++) {
                DeliveryFixture.spool(spool, "app@sender.test", message("rate " + i, "x\r\n"), "bob@example.test");
            }
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            long started = System.nanoTime();
            try (DeliveryService service = DeliveryFixture.start(spool,
                    settings(new HostPort("127.0.0.1", upstream.port()), new RelayConfig.RateLimit(5, null)), registry)) {
                QueueReport report = null;
                // while mail waits, the queue says why (100 messages take 19 s at least: ample time to look)
                while (upstream.spool.messages().size() < count - 10) {
                    report = new QueueAdmin(spool, service, registry).report(false);
                    if (report.messages().stream().anyMatch(m -> m.waiting() != null)) {
                        break;
                    }
                    Thread.sleep(20);
                }
                await().atMost(WAIT).until(() -> upstream.spool.messages().size() >= count && spool.depth() == 0);
                long took = System.nanoTime() - started;

                List<Long> stamps = new ArrayList<>(upstream.spool.messages().stream()
                        .map(m -> m.committedNanos()).sorted().toList());
                int busiest = 0;
                for (int i = 0; i < stamps.size(); i++) { // every window [stamp, stamp + 1 s): the busiest is one of them
                    int inWindow = 0;
                    for (int j = i; j < stamps.size() && stamps.get(j) - stamps.get(i) < SECOND; j++) {
                        inWindow++;
                    }
                    busiest = Math.max(busiest, inWindow);
                }
                double waits = registry.get("mailrelay.delivery.ratelimit.waits").tag("limit", "messagesPerSecond")
                        .counter().count();
                System.out.printf("rateLimit 5 msg/s: arrived=%d busiest 1-second window=%d took=%d ms waits=%.0f%n",
                        stamps.size(), busiest, took / 1_000_000, waits);

                assertThat(upstream.spool.messages()).hasSize(count); // all arrive, each once
                assertThat(busiest).isLessThanOrEqualTo(5);
                assertThat(DeliveryFixture.count(registry, "delivered")).isEqualTo(count);
                assertThat(DeliveryFixture.count(registry, "bounced")).isZero();
                assertThat(DeliveryFixture.count(registry, "deferred")).isZero(); // waiting is not a deferral
                assertThat(waits).isPositive();
                assertThat(report).isNotNull();
                assertThat(report.messages()).extracting(QueueReport.Message::waiting).filteredOn(w -> w != null)
                        .isNotEmpty().allMatch(w -> w.equals("rate limited: 5 msg/s to smarthost 127.0.0.1:"
                                + upstream.port()));
                assertThat(report.messages()).allMatch(m -> m.attempts() == 0); // waiting burns no attempt
            }
        }
    }

    @Test
    void overTheDailyRecipientBudgetTheRestIsDeferredWithItsReasonNeverBouncedAndTheCountSurvivesARestart()
            throws Exception {
        try (RelayFixture upstream = upstream()) {
            FileMessageSpool spool = new FileMessageSpool(dir);
            List<String> ids = new ArrayList<>();
            ids.add(DeliveryFixture.spool(spool, "app@sender.test", message("two", "x\r\n"), "a@example.test",
                    "b@example.test"));
            for (int i = 0; i < 3; i++) {
                ids.add(DeliveryFixture.spool(spool, "app@sender.test", message("one " + i, "x\r\n"),
                        "c" + i + "@example.test"));
            }
            // 5 recipients, a budget of 3
            DeliverySettings settings = settings(new HostPort("127.0.0.1", upstream.port()),
                    new RelayConfig.RateLimit(null, 3));
            String upstreamName = "smarthost 127.0.0.1:" + upstream.port();
            Instant before = Instant.now();
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            try (DeliveryService service = DeliveryFixture.start(spool, settings, registry)) {
                await().atMost(WAIT).until(() -> registry.get("mailrelay.delivery.ratelimit.waits")
                        .tag("limit", "recipientsPerDay").counter().count() == 2
                        && DeliveryFixture.count(registry, "delivered") == 3);
                QueueReport report = new QueueAdmin(spool, service, registry).report(false);
                System.out.printf("recipientsPerDay 3: arrived=%d recipients queued=%d bounced=%.0f report=%s%n",
                        upstream.spool.messages().stream().mapToInt(m -> m.envelope().recipients().size()).sum(),
                        report.messages().stream().mapToInt(m -> m.recipients().size()).sum(),
                        DeliveryFixture.count(registry, "bounced"), report.messages());

                assertThat(upstream.spool.messages().stream().mapToInt(m -> m.envelope().recipients().size()).sum())
                        .isEqualTo(3);
                assertThat(DeliveryFixture.count(registry, "bounced")).isZero();
                assertThat(registry.get("mailrelay.delivery.ratelimit.remaining").gauge().value()).isZero();
                // the rest stays queued, with its own reason, due when the budget returns, no attempt burnt
                assertThat(report.messages().stream().mapToInt(m -> m.recipients().size()).sum()).isEqualTo(2);
                assertThat(report.deferredRecipients()).isEqualTo(2);
                assertThat(report.lastError().reply()).contains("rate limited: 3 recipients per day");
                for (SpooledMessage message : spool.queued()) {
                    assertThat(message.state().pendingRecipients()).allSatisfy(rcpt -> {
                        assertThat(message.state().recipients().get(rcpt).reply())
                                .startsWith("451 4.7.0 rate limited: 3 recipients per day (rolling 24 hours) to "
                                        + upstreamName + ", deferred until ");
                        assertThat(message.state().recipients().get(rcpt).status()).isEqualTo(RecipientStatus.PENDING);
                    });
                    if (message.state().pendingRecipients().size() == message.envelope().recipients().size()) {
                        assertThat(message.state().attempts()).isZero();
                    }
                    assertThat(message.state().nextAttempt()).isAfter(before.plus(Duration.ofHours(23)));
                    assertThat(message.state().rateLimitedSeconds()).isGreaterThan(Duration.ofHours(23).toSeconds());
                }
            }

            // a restart: the day's count is read back, the budget is still spent
            SimpleMeterRegistry again = new SimpleMeterRegistry();
            FileMessageSpool reopened = new FileMessageSpool(dir);
            try (DeliveryService service = DeliveryFixture.start(reopened, settings, again)) {
                assertThat(again.get("mailrelay.delivery.ratelimit.remaining").gauge().value()).isZero();
                service.retryNow(); // tried now, not in a day
                await().atMost(WAIT).until(() -> again.get("mailrelay.delivery.ratelimit.waits")
                        .tag("limit", "recipientsPerDay").counter().count() == 2);
                assertThat(upstream.spool.messages().stream().mapToInt(m -> m.envelope().recipients().size()).sum())
                        .isEqualTo(3);
                assertThat(reopened.queued().stream().mapToInt(m -> m.state().pendingRecipients().size()).sum())
                        .isEqualTo(2);
                assertThat(DeliveryFixture.count(again, "bounced")).isZero();
            }
        }
    }
}
