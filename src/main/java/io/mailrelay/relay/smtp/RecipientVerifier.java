package io.mailrelay.relay.smtp;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import org.jboss.logging.Logger;

import io.mailrelay.concurrent.DaemonThreads;
import io.mailrelay.config.HostPort;
import io.mailrelay.relay.delivery.Outcome;
import io.mailrelay.relay.delivery.RecipientCallout;
import io.mailrelay.relay.policy.MailboxAddress;

/**
 * The callouts of {@code recipientCheck: callout}, with a cache like Postfix's verify(8) service: an accepted
 * recipient is remembered for {@link Settings#positiveTtl}, a refused one for {@link Settings#negativeTtl}, a
 * temporary failure not at all (the next RCPT asks again); at most {@link Settings#maxEntries} addresses, the least
 * recently used dropped first. Concurrent checks of one address share one callout. Callouts run on a small pool
 * of their own (blocking SMTP, never on an event loop); when it and its queue are full, the check fails at once
 * (temporarily), so a flood of unknown recipients cannot pile up work.
 */
final class RecipientVerifier implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(RecipientVerifier.class);

    /**
     * @param timeout for the connection and each command of one callout
     * @param workers callouts at once; {@code queue} more may wait
     */
    record Settings(Duration positiveTtl, Duration negativeTtl, int maxEntries, Duration timeout, int workers,
            int queue) {
        static final Settings DEFAULT = new Settings(Duration.ofHours(1), Duration.ofMinutes(10), 10_000,
                Duration.ofSeconds(10), 4, 100);
    }

    private record Cached(Outcome outcome, long expiresAt) {
    }

    private final Map<String, HostPort> deliverTo;
    private final RecipientCallout callout;
    private final Settings settings;
    private final LongSupplier nanoClock;
    private final ThreadPoolExecutor workers;
    private final Map<String, Cached> cache;
    private final Map<String, CompletableFuture<Outcome>> inFlight = new ConcurrentHashMap<>();

    /** @param deliverTo each callout domain (normalized) and the server that knows its recipients */
    RecipientVerifier(Map<String, HostPort> deliverTo, RecipientCallout callout, Settings settings,
            LongSupplier nanoClock) {
        this.deliverTo = Map.copyOf(deliverTo);
        this.callout = callout;
        this.settings = settings;
        this.nanoClock = nanoClock;
        this.cache = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
                return size() > settings.maxEntries();
            }
        };
        this.workers = new ThreadPoolExecutor(settings.workers(), settings.workers(), 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(settings.queue()), DaemonThreads.numbered("relay-callout"));
    }

    /** The remembered answer for {@code recipient}, if any and not expired. */
    Optional<Outcome> cached(String recipient) {
        synchronized (cache) {
            Cached entry = cache.get(recipient);
            if (entry == null) {
                return Optional.empty();
            }
            if (nanoClock.getAsLong() - entry.expiresAt() >= 0) {
                cache.remove(recipient);
                return Optional.empty();
            }
            return Optional.of(entry.outcome());
        }
    }

    /** Asks the recipient's deliverTo server, or joins the callout already asking; completes on a callout thread. */
    CompletableFuture<Outcome> verify(String recipient) {
        CompletableFuture<Outcome> mine = new CompletableFuture<>();
        CompletableFuture<Outcome> running = inFlight.putIfAbsent(recipient, mine);
        if (running != null) {
            return running;
        }
        HostPort server = deliverTo.get(MailboxAddress.parse(recipient).map(MailboxAddress::domain).orElse(""));
        try {
            workers.execute(() -> finish(recipient, mine, ask(server, recipient)));
        } catch (RejectedExecutionException e) {
            finish(recipient, mine, Outcome.temporary("451 4.3.2 too many recipient checks in progress"));
        }
        return mine;
    }

    private Outcome ask(HostPort server, String recipient) {
        if (server == null) {
            return Outcome.temporary("451 4.3.0 no deliverTo for " + recipient);
        }
        try {
            return callout.verify(server, recipient);
        } catch (RuntimeException e) {
            LOG.errorf(e, "recipient check <%s> at %s failed", recipient, server);
            return Outcome.temporary("451 4.3.0 recipient check failed: " + e);
        }
    }

    private void finish(String recipient, CompletableFuture<Outcome> future, Outcome outcome) {
        Duration ttl = switch (outcome.kind()) {
            case DELIVERED -> settings.positiveTtl();
            case PERMANENT -> settings.negativeTtl();
            case TEMPORARY -> Duration.ZERO;
        };
        if (!ttl.isZero()) {
            synchronized (cache) {
                cache.put(recipient, new Cached(outcome, nanoClock.getAsLong() + ttl.toNanos()));
            }
        }
        LOG.debugf("recipient check <%s>: %s", recipient, outcome.reply());
        inFlight.remove(recipient, future);
        future.complete(outcome);
    }

    int cachedEntries() {
        synchronized (cache) {
            return cache.size();
        }
    }

    @Override
    public void close() {
        workers.shutdownNow();
    }
}
