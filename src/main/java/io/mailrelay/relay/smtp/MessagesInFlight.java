package io.mailrelay.relay.smtp;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.james.protocols.api.ProtocolSession;
import org.apache.james.protocols.smtp.SMTPSession;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The global cap on messages being received at once ({@code limits.maxMessagesInFlight}): each one holds a spool
 * buffer and a worker's attention until its commit, so together they bound the relay's memory whatever the number
 * of connections. A DATA past the cap is answered {@code 421 4.3.2} and the session ends (the client retries later,
 * nothing was accepted). A slot is taken at {@code 354} and given back once the message is committed, refused or
 * its connection gone. Postfix bounds the same with its smtpd process limit ({@code default_process_limit = 100}):
 * each smtpd receives one message at a time.
 */
final class MessagesInFlight {
    private static final ProtocolSession.AttachmentKey<Slot> SLOT =
            ProtocolSession.AttachmentKey.of("mailrelay.messageSlot", Slot.class);

    private final int max;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Counter refused;

    MessagesInFlight(int max, MeterRegistry registry) {
        this.max = max;
        registry.gauge("mailrelay.relay.messages.inflight", inFlight);
        this.refused = Counter.builder("mailrelay.relay.messages.refused").tag("reason", "too_many_in_flight")
                .description("DATA answered 421 4.3.2: limits.maxMessagesInFlight reached").register(registry);
    }

    /** Takes a slot for the session's message; false (and nothing held) when the cap is reached. */
    boolean admit(SMTPSession session) {
        take(session).release(); // a slot left over from an earlier message of the session is never kept
        if (inFlight.incrementAndGet() > max) {
            inFlight.decrementAndGet();
            refused.increment();
            return false;
        }
        session.setAttachment(SLOT, new Slot(inFlight), ProtocolSession.State.Connection);
        return true;
    }

    /** The session's slot, now detached from it: release it when the message is done with (once is enough). */
    Slot take(SMTPSession session) {
        return session.removeAttachment(SLOT, ProtocolSession.State.Connection).orElse(Slot.NONE);
    }

    int inFlight() {
        return inFlight.get();
    }

    /** One message's share; releasing it twice gives back one slot. */
    static final class Slot {
        /** No slot held: releasing it does nothing. */
        static final Slot NONE = new Slot(null);

        private final AtomicInteger counter;
        private final AtomicBoolean released = new AtomicBoolean();

        private Slot(AtomicInteger counter) {
            this.counter = counter;
        }

        void release() {
            if (counter != null && released.compareAndSet(false, true)) {
                counter.decrementAndGet();
            }
        }
    }
}
