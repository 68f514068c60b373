package io.mailrelay.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock that moves only when the test says so, for code with a clock seam: a {@link Clock}, or a
 * nanosecond ticker ({@code LongSupplier}, like {@code System::nanoTime}) through {@link #nanos()}.
 * Thread-safe: the test may advance it from another thread than the one reading it.
 */
public final class ManualClock extends Clock {
    private final Instant origin;
    private volatile long elapsedNanos;

    public ManualClock(Instant start) {
        this.origin = start;
    }

    public ManualClock() {
        this(Instant.parse("2026-01-01T00:00:00Z"));
    }

    public synchronized void advance(Duration by) {
        if (by.isNegative()) {
            throw new IllegalArgumentException("a clock does not go back: " + by);
        }
        elapsedNanos += by.toNanos();
    }

    /** Nanoseconds since this clock was made, as {@code System::nanoTime} would count them. */
    public long nanos() {
        return elapsedNanos;
    }

    @Override
    public Instant instant() {
        return origin.plusNanos(elapsedNanos);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        if (!ZoneOffset.UTC.equals(zone)) {
            throw new UnsupportedOperationException("a manual clock is in UTC only, not " + zone);
        }
        return this;
    }
}
