package io.mailrelay.relay.smtp;

import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
 * clients {@code exempt} names (allowedNetworks by default: smtpd_client_event_limit_exceptions).
 */
final class MailTransactionHook implements MailHook {
    private static final long MINUTE_NANOS = 60_000_000_000L;

    private final int maxPerMinute;
    private final Predicate<InetAddress> exempt;
    private final BooleanSupplier stopping;
    private final LongSupplier clock;
    private final Map<String, Deque<Long>> recent = new ConcurrentHashMap<>();

    MailTransactionHook(int maxPerMinute, Predicate<InetAddress> exempt, BooleanSupplier stopping,
            LongSupplier nanoClock) {
        this.maxPerMinute = maxPerMinute;
        this.exempt = exempt;
        this.stopping = stopping;
        this.clock = nanoClock;
    }

    @Override
    public HookResult doMail(SMTPSession session, MaybeSender sender) {
        if (stopping.getAsBoolean()) {
            return HookResult.builder().hookReturnCode(HookReturnCode.disconnected(HookReturnCode.Action.DENYSOFT))
                    .smtpReturnCode("421").smtpDescription("4.3.2 Service shutting down, try again later").build();
        }
        if (!exempt.test(SessionFacts.clientAddress(session)) && !admit(SessionFacts.clientIp(session))) {
            return HookResult.builder().hookReturnCode(HookReturnCode.denySoft()).smtpReturnCode("450")
                    .smtpDescription("4.7.1 Error: too many messages from " + SessionFacts.clientIp(session)
                            + ", slow down").build();
        }
        return HookResult.DECLINED;
    }

    /** Counts a new transaction of {@code client} if its last minute has room for it. */
    boolean admit(String client) {
        long now = clock.getAsLong();
        Deque<Long> times = recent.computeIfAbsent(client, ip -> new ArrayDeque<>());
        synchronized (times) {
            while (!times.isEmpty() && now - times.peekFirst() >= MINUTE_NANOS) {
                times.pollFirst();
            }
            if (times.size() >= maxPerMinute) {
                return false;
            }
            times.addLast(now);
        }
        recent.entrySet().removeIf(entry -> {
            synchronized (entry.getValue()) {
                return entry.getValue().isEmpty();
            }
        });
        return true;
    }
}
