package io.mailrelay.relay.delivery;

import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

import io.mailrelay.relay.spool.FileMessageSpool;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Micrometer meters of the queue and of delivery: {@code mailrelay.spool.depth}, {@code mailrelay.spool.oldest.age}
 * (seconds), {@code mailrelay.delivery.recipients} (tag outcome=delivered|deferred|bounced),
 * {@code mailrelay.delivery.latency} (acceptance to delivery) and {@code mailrelay.delivery.attempt} (one transaction).
 */
final class DeliveryMetrics {

    private final Map<Outcome.Kind, Counter> outcomes = new EnumMap<>(Outcome.Kind.class);
    private final Timer latency;
    private final Timer attempt;

    DeliveryMetrics(MeterRegistry registry, FileMessageSpool spool, DestinationScheduler scheduler, Clock clock) {
        Gauge.builder("mailrelay.delivery.active", scheduler, DestinationScheduler::running).strongReference(true)
                .description("delivery jobs (SMTP client sessions) running now, at most delivery.processLimit")
                .register(registry);
        Gauge.builder("mailrelay.spool.depth", spool, FileMessageSpool::depth).strongReference(true)
                .description("messages in the spool not yet delivered or bounced").register(registry);
        Gauge.builder("mailrelay.spool.oldest.age", spool, s -> oldestAgeSeconds(s, clock)).strongReference(true)
                .baseUnit("seconds").description("age of the oldest message in the spool").register(registry);
        outcomes.put(Outcome.Kind.DELIVERED, outcomeCounter(registry, "delivered"));
        outcomes.put(Outcome.Kind.TEMPORARY, outcomeCounter(registry, "deferred"));
        outcomes.put(Outcome.Kind.PERMANENT, outcomeCounter(registry, "bounced"));
        latency = Timer.builder("mailrelay.delivery.latency").description("from acceptance to delivery, per recipient")
                .register(registry);
        attempt = Timer.builder("mailrelay.delivery.attempt").description("one delivery transaction with a next hop")
                .register(registry);
    }

    void recipients(Outcome.Kind kind, int count) {
        outcomes.get(kind).increment(count);
    }

    void delivered(Duration sinceAccepted, int recipients) {
        for (int i = 0; i < recipients; i++) {
            latency.record(sinceAccepted);
        }
    }

    void attempt(Duration took) {
        attempt.record(took);
    }

    private static Counter outcomeCounter(MeterRegistry registry, String outcome) {
        return Counter.builder("mailrelay.delivery.recipients").tag("outcome", outcome)
                .description("recipient delivery attempts by outcome").register(registry);
    }

    private static double oldestAgeSeconds(FileMessageSpool spool, Clock clock) {
        // queued() is sorted oldest first
        return spool.queued().stream().findFirst().map(m -> m.envelope().receivedAt())
                .map(oldest -> Duration.between(oldest, clock.instant()).toMillis() / 1000.0).orElse(0.0);
    }
}
