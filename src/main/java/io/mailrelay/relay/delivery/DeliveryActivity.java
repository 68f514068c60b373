package io.mailrelay.relay.delivery;

import java.time.Clock;
import java.time.Instant;

/**
 * What delivery did lately, for the admin endpoint: recipient outcomes over the last hour (one bucket per minute,
 * so the window slides by the minute) and the last failed attempt. The Micrometer counters count since start;
 * these figures answer "is mail moving now".
 */
public final class DeliveryActivity {

    /** The last deferral or bounce: the next hop's reply, which hop, when. */
    public record LastError(String reply, String nextHop, Instant at) {
    }

    /** Recipient outcomes in the last hour. */
    public record Counts(long delivered, long deferred, long bounced) {
    }

    private static final int MINUTES = 60;

    private final Clock clock;
    private final long[] bucketMinute = new long[MINUTES];
    private final long[][] buckets = new long[MINUTES][Outcome.Kind.values().length];
    private LastError lastError;

    DeliveryActivity(Clock clock) {
        this.clock = clock;
    }

    synchronized void record(Outcome.Kind kind, int recipients, String nextHop, String reply) {
        Instant now = clock.instant();
        long minute = now.getEpochSecond() / 60;
        int slot = (int) (minute % MINUTES);
        if (bucketMinute[slot] != minute) {
            bucketMinute[slot] = minute;
            buckets[slot] = new long[Outcome.Kind.values().length];
        }
        buckets[slot][kind.ordinal()] += recipients;
        if (kind != Outcome.Kind.DELIVERED) {
            lastError = new LastError(reply, nextHop, now);
        }
    }

    public synchronized Counts lastHour() {
        long current = clock.instant().getEpochSecond() / 60;
        long[] sum = new long[Outcome.Kind.values().length];
        for (int slot = 0; slot < MINUTES; slot++) {
            if (current - bucketMinute[slot] < MINUTES) {
                for (int kind = 0; kind < sum.length; kind++) {
                    sum[kind] += buckets[slot][kind];
                }
            }
        }
        return new Counts(sum[Outcome.Kind.DELIVERED.ordinal()], sum[Outcome.Kind.TEMPORARY.ordinal()],
                sum[Outcome.Kind.PERMANENT.ordinal()]);
    }

    /** The last deferral or bounce, or null when there was none in this run. */
    public synchronized LastError lastError() {
        return lastError;
    }
}
