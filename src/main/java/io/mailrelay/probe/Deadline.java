package io.mailrelay.probe;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/** The cap on the whole run: every wait is cut to what is left of it. */
final class Deadline {
    private final Clock clock;
    private final Instant end;

    Deadline(Clock clock, Duration max) {
        this.clock = clock;
        this.end = clock.instant().plus(max);
    }

    boolean passed() {
        return !clock.instant().isBefore(end);
    }

    /** The given timeout, or what is left of the run if that is shorter (at least 1 ms). */
    int cap(Duration timeout) {
        long left = Duration.between(clock.instant(), end).toMillis();
        return (int) Math.max(1, Math.min(timeout.toMillis(), left));
    }
}
