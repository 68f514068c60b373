package io.mailrelay.relay.smtp;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

import org.apache.james.core.MaybeSender;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.apache.james.protocols.smtp.hook.MailHook;

/**
 * MAIL FROM gate: no new transaction once the server is stopping (421), and at most N transactions per
 * client IP in any sliding minute (450 4.7.1, Postfix smtpd_client_message_rate_limit), except for the
 * sessions {@code exempt} names (allowedNetworks by default: smtpd_client_event_limit_exceptions; the hand-off
 * peer). A client's
 * window is forgotten a minute after its last transaction, and at most {@code maxClients} windows are kept
 * ({@link ClientTable}): each MAIL costs O(1), whatever the number of clients.
 */
final class MailTransactionHook implements MailHook {
    private static final long MINUTE_NANOS = 60_000_000_000L;

    private final int maxPerMinute;
    private final Predicate<SMTPSession> exempt;
    private final BooleanSupplier stopping;
    private final LongSupplier clock;
    private final ClientTable<Deque<Long>> recent;

    MailTransactionHook(int maxPerMinute, Predicate<SMTPSession> exempt, BooleanSupplier stopping,
            LongSupplier nanoClock) {
        this(maxPerMinute, exempt, stopping, nanoClock, ClientTable.DEFAULT_MAX_ENTRIES);
    }

    MailTransactionHook(int maxPerMinute, Predicate<SMTPSession> exempt, BooleanSupplier stopping,
            LongSupplier nanoClock, int maxClients) {
        this.maxPerMinute = maxPerMinute;
        this.exempt = exempt;
        this.stopping = stopping;
        this.clock = nanoClock;
        this.recent = new ClientTable<>(maxClients, Duration.ofNanos(MINUTE_NANOS), nanoClock);
    }

    @Override
    public HookResult doMail(SMTPSession session, MaybeSender sender) {
        if (stopping.getAsBoolean()) {
            return HookResult.builder().hookReturnCode(HookReturnCode.disconnected(HookReturnCode.Action.DENYSOFT))
                    .smtpReturnCode(SmtpReply.SHUTTING_DOWN.code).smtpDescription(SmtpReply.SHUTTING_DOWN.text).build();
        }
        if (!exempt.test(session) && !admit(SessionFacts.clientIp(session))) {
            return HookResult.builder().hookReturnCode(HookReturnCode.denySoft())
                    .smtpReturnCode(SmtpReply.TOO_MANY_MESSAGES_FROM.code)
                    .smtpDescription(SmtpReply.TOO_MANY_MESSAGES_FROM.text(SessionFacts.clientIp(session))).build();
        }
        return HookResult.DECLINED;
    }

    /** Counts a new transaction of {@code client} if its last minute has room for it. */
    boolean admit(String client) {
        long now = clock.getAsLong();
        boolean[] admitted = new boolean[1];
        recent.update(client, known -> {
            Deque<Long> times = known == null ? new ArrayDeque<>() : known;
            while (!times.isEmpty() && now - times.peekFirst() >= MINUTE_NANOS) {
                times.pollFirst();
            }
            admitted[0] = times.size() < maxPerMinute;
            if (admitted[0]) {
                times.addLast(now);
            }
            return times.isEmpty() ? null : times;
        });
        return admitted[0];
    }

    /** Clients whose window is remembered now (for tests and the size cap). */
    int clients() {
        return recent.size();
    }
}
