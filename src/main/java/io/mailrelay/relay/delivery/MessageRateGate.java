package io.mailrelay.relay.delivery;

import java.util.ArrayDeque;

/**
 * {@code rateLimit.messagesPerSecond} of one upstream: at most {@code limit} transactions overlap any 1-second window.
 * A transaction holds its slot from before it connects until one second after it ended, so however late the upstream
 * takes its timestamp (network delay, a stalled client or server), it never counts more than {@code limit} in a
 * second: of the transactions it stamps in a window [a, a+1s), each began before the last of them began (at T &lt;
 * a+1s) and ended at or after a &gt; T-1s, so at T each held a slot. A burst of {@code limit} may start at once when
 * the slots are free (a token bucket of {@code limit} tokens would allow up to twice that within a second); the price
 * is throughput: at most {@code limit} per (1 s + transaction time).
 *
 * <p>Not thread-safe: the {@link DestinationScheduler} calls it under its lock, with its nanosecond clock.
 */
final class MessageRateGate {

    static final long WINDOW_NANOS = 1_000_000_000L;

    private final int limit;
    private int inFlight;
    /** end times (nanos) of transactions that ended less than a window ago, oldest first; at most {@code limit} */
    private final ArrayDeque<Long> ended = new ArrayDeque<>();

    MessageRateGate(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("messagesPerSecond must be at least 1, not " + limit);
        }
        this.limit = limit;
    }

    int limit() {
        return limit;
    }

    /** Takes a slot when one is free now. */
    boolean tryAcquire(long now) {
        if (!available(now)) {
            return false;
        }
        inFlight++;
        return true;
    }

    boolean available(long now) {
        prune(now);
        return inFlight + ended.size() < limit;
    }

    /**
     * Gives a slot back: kept for a window from {@code now} when the transaction talked to the upstream ({@code used}),
     * free at once when it never did (it was deferred before connecting).
     */
    void release(long now, boolean used) {
        if (inFlight <= 0) {
            throw new IllegalStateException("release without a slot");
        }
        inFlight--;
        if (used) {
            ended.add(now);
        }
    }

    /** Nanoseconds until a slot is free by time alone: 0 when one is free now, -1 when only a running one's end frees one. */
    long nanosUntilFree(long now) {
        if (available(now)) {
            return 0;
        }
        return ended.isEmpty() ? -1 : ended.peek() + WINDOW_NANOS - now;
    }

    private void prune(long now) {
        while (!ended.isEmpty() && now - ended.peek() >= WINDOW_NANOS) {
            ended.poll();
        }
    }
}
