package io.mailrelay.probe;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/** A cap on a span of time (the whole run, one attempt): every wait is cut to what is left of it. */
final class Deadline {
    private final Clock clock;
    private final Instant end;

    Deadline(Clock clock, Duration max) {
        this(clock, clock.instant().plus(max));
    }

    private Deadline(Clock clock, Instant end) {
        this.clock = clock;
        this.end = end;
    }

    boolean passed() {
        return !clock.instant().isBefore(end);
    }

    /** A deadline {@code max} from now, or this one if it ends sooner: one attempt inside the run. */
    Deadline within(Duration max) {
        Instant candidate = clock.instant().plus(max);
        return candidate.isBefore(end) ? new Deadline(clock, candidate) : this;
    }

    /** The given timeout, or what is left of the span if that is shorter (at least 1 ms). */
    int cap(Duration timeout) {
        long left = Duration.between(clock.instant(), end).toMillis();
        return (int) Math.max(1, Math.min(timeout.toMillis(), left));
    }
}
