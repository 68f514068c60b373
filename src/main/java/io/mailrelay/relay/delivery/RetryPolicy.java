package io.mailrelay.relay.delivery;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * When to try again after a temporary failure, and when to give up ({@code spool.retrySchedule},
 * {@code spool.maxQueueLifetime}; Postfix: minimal_backoff_time/maximal_backoff_time, maximal_queue_lifetime).
 *
 * @param schedule waits after the 1st, 2nd... failed attempt; the last one repeats
 * @param maxQueueLifetime age after which a message that still fails temporarily is bounced
 */
public record RetryPolicy(List<Duration> schedule, Duration maxQueueLifetime) {

    public static final RetryPolicy DEFAULT = new RetryPolicy(List.of(Duration.ofMinutes(1), Duration.ofMinutes(5),
            Duration.ofMinutes(15), Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofHours(2),
            Duration.ofHours(4)), Duration.ofDays(5));

    public RetryPolicy {
        schedule = List.copyOf(schedule);
        Objects.requireNonNull(maxQueueLifetime, "maxQueueLifetime");
        if (schedule.isEmpty()) {
            throw new IllegalArgumentException("retrySchedule needs at least one interval");
        }
        if (schedule.stream().anyMatch(d -> d.isNegative() || d.isZero())) {
            throw new IllegalArgumentException("retrySchedule intervals must be positive: " + schedule);
        }
        if (maxQueueLifetime.isNegative() || maxQueueLifetime.isZero()) {
            throw new IllegalArgumentException("maxQueueLifetime must be positive: " + maxQueueLifetime);
        }
    }

    /** The wait after the given number of failed attempts (1 = after the first). */
    public Duration delayAfter(int failedAttempts) {
        return schedule.get(Math.min(Math.max(failedAttempts, 1), schedule.size()) - 1);
    }
}
