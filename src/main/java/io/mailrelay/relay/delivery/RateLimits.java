package io.mailrelay.relay.delivery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.jboss.logging.Logger;

import io.mailrelay.config.RelayConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The rate limits of the smarthosts delivery sends through ({@code rateLimit}, docs/relay.md "Rate limits"), one
 * {@link Limit} per destination, made the first time it is seen and kept for the life of the relay. Meters, per
 * upstream ({@code host:port}): {@code mailrelay.delivery.ratelimit.waits} (tag {@code limit}: messagesPerSecond,
 * one per delivery that waited for a slot; recipientsPerDay, one per recipient deferred for the daily budget) and
 * {@code mailrelay.delivery.ratelimit.remaining} (recipients left in the rolling 24 hours).
 */
final class RateLimits implements DestinationScheduler.RateListener {

    private static final Logger LOG = Logger.getLogger(RateLimits.class);
    /** A throttled upstream is logged at most this often (it is throttled again every second while mail waits). */
    private static final long LOG_EVERY_NANOS = 60_000_000_000L;

    /**
     * One upstream's limits.
     *
     * @param name as the delivery log names the hop ("smarthost smtp.provider.net:587")
     * @param gate messagesPerSecond, or null
     * @param budget recipientsPerDay, or null
     */
    record Limit(String name, MessageRateGate gate, RecipientBudget budget, Counter messageWaits,
            Counter recipientWaits, long[] lastLogged) {

        /** The reason a job waits for the gate, as the log and the queue report show it. */
        String messageReason() {
            return "rate limited: " + gate.limit() + " msg/s to " + name;
        }

        /** The reply recorded for recipients deferred for the daily budget. */
        String recipientReason(Instant until) {
            return "451 4.7.0 rate limited: " + budget.perDay() + " recipients per day (rolling 24 hours) to " + name
                    + ", deferred until " + until;
        }
    }

    private final Function<Router.Destination, SmarthostSettings> smarthosts;
    private final Path directory;
    private final Clock clock;
    private final MeterRegistry registry;
    private final Map<Router.Destination, Optional<Limit>> limits = new ConcurrentHashMap<>();

    /** @param directory where the daily counts are kept ({@code <spool>/ratelimit}), or null for memory only */
    RateLimits(Function<Router.Destination, SmarthostSettings> smarthosts, Path directory, Clock clock,
            MeterRegistry registry) {
        this.smarthosts = smarthosts;
        this.directory = directory;
        this.clock = clock;
        this.registry = registry;
    }

    /** The destination's limits, or null when it has none. */
    Limit of(Router.Destination destination) {
        return limits.computeIfAbsent(destination, d -> Optional.ofNullable(create(d))).orElse(null);
    }

    /** For the scheduler: the destination's messagesPerSecond gate, or null. */
    MessageRateGate gate(Router.Destination destination) {
        Limit limit = of(destination);
        return limit == null ? null : limit.gate();
    }

    @Override
    public void throttled(Router.Destination destination, MessageRateGate gate, int waiting) {
        Limit limit = of(destination);
        if (limit == null) {
            return;
        }
        long now = System.nanoTime();
        synchronized (limit.lastLogged()) {
            if (limit.lastLogged()[0] != 0 && now - limit.lastLogged()[0] < LOG_EVERY_NANOS) {
                return;
            }
            limit.lastLogged()[0] = now == 0 ? 1 : now;
        }
        LOG.infof("%s: %d deliveries wait (logged at most once a minute)", limit.messageReason(), waiting);
    }

    @Override
    public void waited(Router.Destination destination) {
        Limit limit = of(destination);
        if (limit != null) {
            limit.messageWaits().increment();
        }
    }

    private Limit create(Router.Destination destination) {
        SmarthostSettings smarthost = smarthosts.apply(destination);
        RelayConfig.RateLimit rate = smarthost == null ? null : smarthost.rateLimit();
        if (rate == null || (rate.messagesPerSecond() == null && rate.recipientsPerDay() == null)) {
            return null;
        }
        String upstream = smarthost.address().toString();
        String name = "smarthost " + upstream;
        MessageRateGate gate = rate.messagesPerSecond() == null ? null : new MessageRateGate(rate.messagesPerSecond());
        RecipientBudget budget = rate.recipientsPerDay() == null ? null
                : new RecipientBudget(name, rate.recipientsPerDay(), clock, budgetFile(destination));
        Counter messageWaits = waits(upstream, "messagesPerSecond");
        Counter recipientWaits = waits(upstream, "recipientsPerDay");
        if (budget != null) {
            Gauge.builder("mailrelay.delivery.ratelimit.remaining", budget, RecipientBudget::remaining)
                    .tag("upstream", upstream).strongReference(true)
                    .description("recipients the upstream's recipientsPerDay has left in the rolling 24 hours")
                    .register(registry);
        }
        return new Limit(name, gate, budget, messageWaits, recipientWaits, new long[1]);
    }

    private Counter waits(String upstream, String limit) {
        return Counter.builder("mailrelay.delivery.ratelimit.waits").tag("upstream", upstream).tag("limit", limit)
                .description("deliveries that waited for the upstream's messagesPerSecond, recipients deferred for "
                        + "its recipientsPerDay").register(registry);
    }

    private Path budgetFile(Router.Destination destination) {
        if (directory == null) {
            return null;
        }
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            LOG.warnf("rate limits: cannot create %s (%s): daily counts are kept in memory only", directory,
                    e.getMessage());
            return null;
        }
        String key = (destination.kind() + "-" + destination.key()).replaceAll("[^A-Za-z0-9.-]", "_");
        return directory.resolve(key + ".recipients");
    }
}
