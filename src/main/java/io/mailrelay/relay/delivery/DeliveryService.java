package io.mailrelay.relay.delivery;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import io.mailrelay.concurrent.DaemonThreads;
import io.mailrelay.config.OutboundMode;
import io.mailrelay.relay.spool.DeliveryState;
import io.mailrelay.relay.spool.Envelope;
import io.mailrelay.relay.spool.FileMessageSpool;
import io.mailrelay.relay.spool.RecipientState;
import io.mailrelay.relay.spool.RecipientStatus;
import io.mailrelay.relay.spool.SpoolWriter;
import io.mailrelay.relay.spool.SpooledMessage;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Delivers what the spool holds. A scheduler thread takes due messages and splits each one's pending recipients by
 * destination (the next hop: a deliverTo target, the smarthost, or the recipient domain for MX); each destination's
 * share is one job in the {@link DestinationScheduler}, which runs at most {@code processLimit} jobs at once and at
 * most {@code destinationConcurrencyLimit} per destination, so a slow destination cannot hold every worker. Every
 * job persists its recipients' outcomes as it ends; when a message's last job ended, temporary failures are retried
 * on the retry schedule until the queue lifetime runs out, and permanent failures are reported to the sender with a
 * DSN.
 *
 * <p>Each message has at most one attempt at a time: it has at most one valid entry in the due queue, and it gets a
 * new one only after every job of its attempt ended.
 */
public final class DeliveryService implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(DeliveryService.class);
    /** How long {@link #close()} lets running sessions finish (their outcomes are then persisted). */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(30);
    /** The destination kind of a hand-off: one destination, the peer. */
    private static final String HAND_OFF = "hand-off";

    private final FileMessageSpool spool;
    private final DeliverySettings settings;
    private final Clock clock;
    private final Router router;
    private final SmtpSender sender;
    private final ConnectionCache<SmtpSender.Target> connections;
    private final BounceComposer bounces;
    private final DeliveryMetrics metrics;
    private final DestinationScheduler scheduler;
    private final RateLimits rateLimits;
    private final DelayQueue<Due> dueQueue = new DelayQueue<>();
    /** id → the due time of its one valid queue entry; absent while its attempt runs */
    private final Map<String, Instant> scheduled = new ConcurrentHashMap<>();
    /** Guards taking a message: the dispatcher's claim and the administrator's delete, bounce and release. */
    private final Object claims = new Object();
    /** ids whose attempt runs right now, from the claim until its last job ended (guarded by {@link #claims}) */
    private final Set<String> attempting = new HashSet<>();
    private final DeliveryActivity activity;
    /** Once set, every pending recipient goes to this peer replica (a hand-off), never bounced because of it. */
    private volatile SmarthostSettings handOffPeer;
    private Thread dispatcher;
    private volatile boolean running;

    public DeliveryService(FileMessageSpool spool, DeliverySettings settings, MeterRegistry registry) {
        this(spool, settings, registry, SelfAddresses.named(settings.hostname()));
    }

    /** @param self the relay's own addresses: a next hop among them is a mail loop, given up with 5.4.6 */
    public DeliveryService(FileMessageSpool spool, DeliverySettings settings, MeterRegistry registry,
            SelfAddresses self) {
        this(spool, settings, registry, Clock.systemUTC(), self);
    }

    DeliveryService(FileMessageSpool spool, DeliverySettings settings, MeterRegistry registry, Clock clock) {
        this(spool, settings, registry, clock, SelfAddresses.named(settings.hostname()));
    }

    private DeliveryService(FileMessageSpool spool, DeliverySettings settings, MeterRegistry registry, Clock clock,
            SelfAddresses self) {
        this.spool = spool;
        this.settings = settings;
        this.clock = clock;
        this.router = new Router(settings, self);
        // sessions kept between messages: at most as many per target as may run at once to one destination
        this.connections = new ConnectionCache<>(
                ConnectionCache.Limits.defaults(settings.limits().destinationConcurrencyLimit()));
        this.sender = new SmtpSender(settings.hostname(), settings.timeouts(), settings.limits().mxSessionLimit(),
                connections);
        this.bounces = new BounceComposer(settings.hostname());
        this.rateLimits = new RateLimits(router::smarthostOf, spool.directory().resolve("ratelimit"), clock, registry);
        this.scheduler = new DestinationScheduler(settings.limits(), rateLimits::gate, rateLimits);
        if (settings.mode() == OutboundMode.SMARTHOST) {
            rateLimits.of(router.destinationOfSmarthost()); // its meters and daily count from the start
        }
        this.metrics = new DeliveryMetrics(registry, spool, scheduler, clock);
        this.activity = new DeliveryActivity(clock);
    }

    /** Queues everything already spooled (a restart resumes where the last run stopped) and starts delivering. */
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        spool.addCommitListener(message -> schedule(message.id(), message.state().nextAttempt()));
        spool.queued().forEach(message -> schedule(message.id(), message.state().nextAttempt()));
        dispatcher = DaemonThreads.daemon(this::dispatch, "delivery-scheduler");
        dispatcher.start();
    }

    /**
     * Delivers until the spool is empty or {@code grace} has passed (a pod being scaled down should not strand
     * mail): every waiting message is tried once more at once, then on its normal schedule. Whatever is left stays
     * spooled for the next start. Returns true when the spool is empty.
     */
    public boolean drain(Duration grace) {
        Instant deadline = clock.instant().plus(grace);
        retryNow();
        while (spool.depth() > 0 && clock.instant().isBefore(deadline)) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        LOG.infof("drain finished: %d message(s) left in the spool", spool.depth());
        return spool.depth() == 0;
    }

    /** Every message waiting for its next attempt is due now (the ones being attempted are being tried anyway). */
    public void retryNow() {
        Instant now = clock.instant();
        for (String id : List.copyOf(scheduled.keySet())) {
            if (scheduled.replace(id, now) != null) { // not being attempted right now
                dueQueue.add(new Due(id, now));
            }
        }
    }

    /**
     * From now on every message's pending recipients are forwarded to {@code peer} (STARTTLS when offered, AUTH with
     * its credentials, the original envelope and bytes) instead of their next hops, and every waiting message is
     * tried at once. A recipient is done here only once the peer answered 250 for it; any other answer leaves it
     * pending (retried, never bounced because of the hand-off, never expired by maxQueueLifetime: the peer has the
     * same lifetime rules). Attempts already running finish with their own next hop. {@code null} ends the hand-off:
     * the next attempts go to their own next hops again.
     */
    public void handOffTo(SmarthostSettings peer) {
        this.handOffPeer = peer;
        if (peer != null) {
            retryNow();
        }
    }

    /** Stops taking due messages and lets running sessions end (for a while); the spool keeps the rest. */
    @Override
    public void close() {
        running = false;
        Thread current = dispatcher;
        if (current != null) {
            try {
                current.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        scheduler.close(CLOSE_WAIT.toMillis());
        connections.close(); // QUIT to every idle session
    }

    private void schedule(String id, Instant at) {
        scheduled.put(id, at);
        dueQueue.add(new Due(id, at));
    }

    private void dispatch() {
        while (running) {
            Due due;
            try {
                due = dueQueue.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (due == null || !claimForAttempt(due)) {
                continue;
            }
            String id = due.id;
            spool.get(id).ifPresentOrElse(this::begin, () -> attemptEnded(id));
        }
    }

    /** False for nothing due, an entry superseded by a newer schedule, or a message on hold (until released). */
    private boolean claimForAttempt(Due due) {
        synchronized (claims) {
            if (!scheduled.remove(due.id, due.at) || spool.isHeld(due.id)) {
                return false;
            }
            attempting.add(due.id);
            return true;
        }
    }

    /** The message's attempt is over (its last job ended): the administrator may delete or bounce it again. */
    private void attemptEnded(String id) {
        synchronized (claims) {
            attempting.remove(id);
        }
    }

    /**
     * The messages a smarthost's messagesPerSecond holds back right now (waiting for a slot, without a worker), each
     * with the reason ("rate limited: 5 msg/s to smarthost ..."), for the admin endpoint.
     */
    public Map<String, String> rateLimitedNow() {
        Map<String, String> reasons = new LinkedHashMap<>();
        scheduler.rateHeld().forEach((id, held) -> {
            RateLimits.Limit limit = rateLimits.of(held.destination());
            if (limit != null) {
                reasons.put(id, limit.messageReason());
            }
        });
        return reasons;
    }

    /** Recent outcomes and the last error, for the admin endpoint. */
    public DeliveryActivity activity() {
        return activity;
    }

    /** What an administrator's action on one message came to. */
    public enum Action { DONE, NOT_FOUND, BUSY }

    /** Tries a message again now (postqueue -i); a held message stays held. */
    public Action flush(String id) {
        synchronized (claims) {
            if (spool.get(id).isEmpty()) {
                return Action.NOT_FOUND;
            }
            Instant now = clock.instant();
            if (scheduled.replace(id, now) != null) {
                dueQueue.add(new Due(id, now));
            }
            return Action.DONE; // its attempt runs, or it is held: nothing to do
        }
    }

    /** Puts a message on hold (postsuper -h): an attempt that runs finishes, then it waits. */
    public Action hold(String id) throws IOException {
        return spool.hold(id) ? Action.DONE : Action.NOT_FOUND;
    }

    /** Takes a message off hold (postsuper -H) and tries it at once. */
    public Action release(String id) throws IOException {
        synchronized (claims) {
            if (!spool.release(id)) {
                return Action.NOT_FOUND;
            }
            if (!attempting.contains(id)) { // an attempt that runs schedules it again itself when its last job ends
                schedule(id, clock.instant());
            }
            return Action.DONE;
        }
    }

    /** Deletes a message without a notification (postsuper -d); BUSY while its attempt runs. */
    public Action delete(String id) throws IOException {
        synchronized (claims) {
            Action claimed = claimForAdmin(id);
            if (claimed == Action.DONE) {
                spool.remove(id);
            }
            return claimed;
        }
    }

    /**
     * Returns a message to its sender now: every pending recipient fails with {@code reply}, the DSN goes to the
     * sender as for any permanent failure, and the message leaves the queue. BUSY while its attempt runs.
     */
    public Action bounce(String id, String reply) throws IOException {
        synchronized (claims) {
            Action claimed = claimForAdmin(id);
            if (claimed != Action.DONE) {
                return claimed;
            }
            SpooledMessage message = spool.get(id).orElseThrow();
            Map<String, RecipientState> failed = new LinkedHashMap<>();
            for (String recipient : message.state().pendingRecipients()) {
                failed.put(recipient, new RecipientState(RecipientStatus.FAILED, reply, "administrator"));
            }
            try {
                leaveQueue(message, message.state().with(failed), clock.instant());
            } catch (IOException | RuntimeException e) {
                schedule(id, message.state().nextAttempt()); // not bounced: it stays queued
                throw e;
            }
            metrics.recipients(Outcome.Kind.PERMANENT, failed.size());
            activity.record(Outcome.Kind.PERMANENT, failed.size(), "administrator", reply);
            LOG.infof("%s: to=<%s> relay=administrator status=bounced (%s)", id, String.join(">,<", failed.keySet()),
                    reply);
            return Action.DONE;
        }
    }

    /** Takes a message out of the schedule for good; caller holds {@link #claims}. */
    private Action claimForAdmin(String id) {
        if (spool.get(id).isEmpty()) {
            return Action.NOT_FOUND;
        }
        if (attempting.contains(id)) {
            return Action.BUSY;
        }
        scheduled.remove(id);
        return Action.DONE;
    }

    /** Splits the pending recipients by destination and queues one job per destination. */
    private void begin(SpooledMessage message) {
        Instant started = clock.instant();
        SmarthostSettings peer = handOffPeer;
        Map<Router.Destination, List<String>> groups = new LinkedHashMap<>();
        for (String recipient : message.state().pendingRecipients()) {
            Router.Destination destination = peer != null ? new Router.Destination(HAND_OFF, peer.address().toString())
                    : router.destinationOf(message.envelope().mailFrom(), recipient);
            groups.computeIfAbsent(destination, d -> new ArrayList<>()).add(recipient);
        }
        // the time it waited for a rate limit does not count toward its lifetime
        boolean expired = !Duration.between(message.envelope().receivedAt(), started)
                .minusSeconds(message.state().rateLimitedSeconds())
                .minus(settings.retry().maxQueueLifetime()).isNegative();
        Attempt attempt = new Attempt(message, groups.size(), started);
        if (groups.isEmpty()) {
            attempt.jobEnded(JobResult.NOTHING); // nothing pending (a crash before it left the queue): finish it now
            return;
        }
        groups.forEach((destination, recipients) -> {
            boolean queued = scheduler.submit(destination, message.id(), rateWait -> {
                JobResult result = HAND_OFF.equals(destination.kind())
                        ? JobResult.of(handOffSafely(message, peer, recipients))
                        : deliverSafely(message, destination, recipients, expired);
                attempt.jobEnded(result.waited(rateWait));
                return result.used();
            });
            if (!queued) {
                attempt.jobEnded(JobResult.NOTHING); // closing: what is not tried stays pending
            }
        });
    }

    /**
     * One attempt of one message, over its destinations' jobs: every job's outcomes are persisted when it ends
     * (a crash then never re-sends to recipients already delivered), and the last job decides what comes next.
     */
    private final class Attempt {
        private final Instant started;
        private SpooledMessage current;
        private int jobsLeft;
        /** recipients deferred for a daily budget in this attempt, and the earliest time a budget returns */
        private final Set<String> rateLimited = new HashSet<>();
        private Instant budgetReturns;
        private long rateWaitNanos;

        Attempt(SpooledMessage message, int jobs, Instant started) {
            this.current = message;
            this.jobsLeft = jobs;
            this.started = started;
        }

        synchronized void jobEnded(JobResult result) {
            jobsLeft--;
            Map<String, RecipientState> results = result.states();
            rateLimited.addAll(result.rateLimited());
            if (result.budgetReturns() != null
                    && (budgetReturns == null || result.budgetReturns().isBefore(budgetReturns))) {
                budgetReturns = result.budgetReturns();
            }
            rateWaitNanos = Math.max(rateWaitNanos, result.rateWaitNanos()); // the lanes wait side by side
            DeliveryState state = current.state().with(results);
            try {
                if (jobsLeft > 0) {
                    if (!results.isEmpty()) {
                        current = spool.update(current, state);
                    }
                    return;
                }
                Instant finished = clock.instant();
                metrics.attempt(Duration.between(started, finished));
                long waitedSeconds = TimeUnit.NANOSECONDS.toSeconds(rateWaitNanos);
                List<String> pending = state.pendingRecipients();
                DeliveryState next;
                if (!pending.isEmpty() && rateLimited.containsAll(pending) && budgetReturns != null) {
                    // only a daily budget held it: not an attempt, due when the budget returns, and that wait
                    // does not count toward maxQueueLifetime
                    Instant due = budgetReturns.isAfter(finished) ? budgetReturns : finished;
                    next = state.rateLimited(due, waitedSeconds + Duration.between(finished, due).toSeconds());
                } else {
                    next = state.attempted(finished.plus(settings.retry().delayAfter(current.state().attempts() + 1)));
                    next = next.rateLimited(next.nextAttempt(), waitedSeconds);
                }
                if (next.finished()) {
                    leaveQueue(current, next, finished);
                } else {
                    current = spool.update(current, next);
                    if (running) {
                        schedule(current.id(), next.nextAttempt());
                    }
                }
            } catch (IOException | RuntimeException e) {
                // never lose a message over an unexpected error: it stays spooled and is tried again later
                LOG.errorf(e, "%s: could not record the delivery attempt", current.id());
                if (jobsLeft <= 0 && running) {
                    Duration wait = settings.retry().delayAfter(current.state().attempts() + 1);
                    schedule(current.id(), clock.instant().plus(wait));
                }
            } finally {
                if (jobsLeft <= 0) {
                    attemptEnded(current.id()); // after its next schedule, so a release never schedules it twice
                }
            }
        }
    }

    /**
     * What one destination's job came to: the recipients' new states, those of them deferred for a daily budget
     * (and when it returns), how long the job waited for its rate gate, and whether it talked to the next hop.
     */
    private record JobResult(Map<String, RecipientState> states, Set<String> rateLimited, Instant budgetReturns,
            long rateWaitNanos, boolean used) {
        static final JobResult NOTHING = of(Map.of());

        static JobResult of(Map<String, RecipientState> states) {
            return new JobResult(states, Set.of(), null, 0, true);
        }

        JobResult waited(long nanos) {
            return new JobResult(states, rateLimited, budgetReturns, nanos, used);
        }
    }

    /**
     * The job of one destination: an unexpected error leaves its recipients pending, never lost. With a daily
     * recipient budget, only as many recipients as it has left are sent (reserved first, what the next hop did not
     * accept given back after); the others stay pending with the reason, never bounced, never expired for it.
     */
    private JobResult deliverSafely(SpooledMessage message, Router.Destination destination, List<String> recipients,
            boolean expired) {
        RateLimits.Limit limit = rateLimits.of(destination);
        RecipientBudget budget = limit == null ? null : limit.budget();
        RecipientBudget.Reservation reservation = budget == null ? null : budget.reserve(recipients.size());
        List<String> now = reservation == null ? recipients : recipients.subList(0, reservation.granted());
        List<String> later = recipients.subList(now.size(), recipients.size());
        Map<String, RecipientState> states = new LinkedHashMap<>();
        if (!now.isEmpty()) {
            try {
                states.putAll(deliverGroup(message, destination, now, expired));
            } catch (RuntimeException e) {
                LOG.errorf(e, "%s: delivery to %s %s failed unexpectedly", message.id(), destination.kind(),
                        destination.key());
            }
            if (reservation != null) {
                long accepted = now.stream().filter(rcpt -> states.containsKey(rcpt)
                        && states.get(rcpt).status() == RecipientStatus.DELIVERED).count();
                budget.giveBack(reservation, now.size() - (int) accepted);
            }
        }
        if (later.isEmpty()) {
            return new JobResult(states, Set.of(), null, 0, true);
        }
        Instant returns = budget.nextFree();
        String reply = limit.recipientReason(returns);
        later.forEach(rcpt -> states.put(rcpt, new RecipientState(RecipientStatus.PENDING, reply, limit.name())));
        limit.recipientWaits().increment(later.size());
        activity.record(Outcome.Kind.TEMPORARY, later.size(), limit.name(), reply);
        LOG.infof("%s: to=<%s> relay=%s attempt=%d status=deferred (%s)", message.id(), String.join(">,<", later),
                limit.name(), message.state().attempts() + 1, reply);
        return new JobResult(states, Set.copyOf(later), returns, 0, !now.isEmpty());
    }

    /**
     * One message's pending recipients to the hand-off peer: DELIVERED once it answered 250, pending otherwise (its
     * reply recorded), whatever the reply was.
     */
    private Map<String, RecipientState> handOffSafely(SpooledMessage message, SmarthostSettings peer,
            List<String> recipients) {
        Map<String, Outcome> outcomes = new LinkedHashMap<>();
        String hopName = NextHop.HAND_OFF + " " + peer.address();
        try {
            NextHop hop = NextHop.handOffPeer(peer);
            outcomes.putAll(sender.send(hop, message, recipients));
        } catch (NextHopException e) {
            recipients.forEach(recipient -> outcomes.put(recipient, e.outcome()));
        } catch (RuntimeException e) {
            LOG.errorf(e, "%s: hand-off to %s failed unexpectedly", message.id(), peer.address());
            return Map.of();
        }
        Map<String, RecipientState> states = new LinkedHashMap<>();
        Map<Outcome, List<String>> byOutcome = new LinkedHashMap<>();
        outcomes.forEach((recipient, outcome) -> {
            Outcome kept = outcome.kind() == Outcome.Kind.DELIVERED ? outcome
                    : Outcome.temporary(outcome.reply() + " (hand-off: kept, retried)");
            byOutcome.computeIfAbsent(kept, o -> new ArrayList<>()).add(recipient);
            states.put(recipient, new RecipientState(status(kept), kept.reply(), hopName));
        });
        byOutcome.forEach((outcome, rcpts) -> record(message, hopName, outcome, rcpts));
        return states;
    }

    private Map<String, RecipientState> deliverGroup(SpooledMessage message, Router.Destination destination,
            List<String> recipients, boolean expired) {
        String hopName;
        Map<String, Outcome> outcomes;
        try {
            NextHop hop = router.resolve(destination);
            hopName = hop.name();
            outcomes = sender.send(hop, message, recipients);
        } catch (NextHopException e) {
            hopName = destination.kind() + " " + destination.key();
            outcomes = new LinkedHashMap<>();
            for (String recipient : recipients) {
                outcomes.put(recipient, e.outcome());
            }
        }
        Map<String, RecipientState> states = new LinkedHashMap<>();
        Map<Outcome, List<String>> byOutcome = new LinkedHashMap<>();
        for (Map.Entry<String, Outcome> entry : outcomes.entrySet()) {
            Outcome outcome = entry.getValue();
            if (outcome.kind() == Outcome.Kind.TEMPORARY && expired) {
                outcome = Outcome.permanent(outcome.reply() + " (gave up: message older than maxQueueLifetime "
                        + settings.retry().maxQueueLifetime() + ")");
            }
            byOutcome.computeIfAbsent(outcome, o -> new ArrayList<>()).add(entry.getKey());
            states.put(entry.getKey(), new RecipientState(status(outcome), outcome.reply(), hopName));
        }
        String hop = hopName;
        byOutcome.forEach((outcome, rcpts) -> record(message, hop, outcome, rcpts));
        return states;
    }

    private void record(SpooledMessage message, String hop, Outcome outcome, List<String> recipients) {
        metrics.recipients(outcome.kind(), recipients.size());
        activity.record(outcome.kind(), recipients.size(), hop, outcome.reply());
        if (outcome.kind() == Outcome.Kind.DELIVERED) {
            metrics.delivered(Duration.between(message.envelope().receivedAt(), clock.instant()), recipients.size());
        }
        String status = switch (outcome.kind()) {
            case DELIVERED -> "sent";
            case TEMPORARY -> "deferred";
            case PERMANENT -> "bounced";
        };
        LOG.infof("%s: to=<%s> relay=%s attempt=%d status=%s (%s)", message.id(), String.join(">,<", recipients), hop,
                message.state().attempts() + 1, status, outcome.reply());
    }

    /**
     * Like Postfix, one DSN per message, listing every recipient that failed, sent once none is pending any more.
     * Failures are persisted with the recipient states as they happen; the final state is recorded before the DSN is
     * spooled and the message removed only after it, so a crash at any point ends in the DSN (at worst twice), never
     * without it.
     */
    private void leaveQueue(SpooledMessage message, DeliveryState last, Instant now) throws IOException {
        Map<String, RecipientState> failed = last.failedRecipients();
        if (!failed.isEmpty()) {
            bounce(spool.update(message, last), failed, now);
        }
        spool.remove(message.id());
    }

    /** Spools the DSN (null sender, to the original sender). */
    private void bounce(SpooledMessage message, Map<String, RecipientState> failed, Instant now) throws IOException {
        Envelope original = message.envelope();
        if (original.hasNullSender()) {
            LOG.infof("%s: no bounce for %s: the null sender gets no notification", message.id(), failed.keySet());
            return;
        }
        if (original.fromOutsider()) {
            failed = withoutUnknownUsers(message, failed);
            if (failed.isEmpty()) {
                return;
            }
        }
        Envelope envelope = new Envelope("", List.of(original.mailFrom()), "127.0.0.1", settings.hostname(), null, now);
        try (SpoolWriter writer = spool.create(envelope)) {
            bounces.write(message, failed, now, writer.body());
            String id = writer.commit();
            LOG.infof("%s: sender non-delivery notification: %s", message.id(), id);
        } catch (jakarta.mail.MessagingException e) {
            throw new IOException("could not compose the bounce for " + message.id(), e);
        }
    }

    /**
     * No backscatter: mail from a client that may not relay was accepted only because it is for a local domain, and
     * its sender is often forged. "No such user" (5.1.x) from the domain's own server is then not reported to that
     * sender (Postfix refuses such recipients at RCPT time instead; so does the relay with recipientCheck callout or
     * list). Other failures are still reported.
     */
    private static Map<String, RecipientState> withoutUnknownUsers(SpooledMessage message,
            Map<String, RecipientState> failed) {
        Map<String, RecipientState> reported = new LinkedHashMap<>();
        failed.forEach((recipient, state) -> {
            if (Outcome.permanent(state.reply()).enhancedStatus().startsWith("5.1.")) {
                LOG.infof("%s: no bounce for <%s>: unknown user, and the sender <%s> is unverified (accepted from %s)",
                        message.id(), recipient, message.envelope().mailFrom(), message.envelope().clientAddress());
            } else {
                reported.put(recipient, state);
            }
        });
        return reported;
    }

    private static RecipientStatus status(Outcome outcome) {
        return switch (outcome.kind()) {
            case DELIVERED -> RecipientStatus.DELIVERED;
            case TEMPORARY -> RecipientStatus.PENDING;
            case PERMANENT -> RecipientStatus.FAILED;
        };
    }

    private record Due(String id, Instant at) implements Delayed {
        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(Duration.between(Instant.now(), at));
        }

        @Override
        public int compareTo(Delayed other) {
            return at.compareTo(((Due) other).at);
        }
    }
}
