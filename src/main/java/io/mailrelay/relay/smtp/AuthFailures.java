package io.mailrelay.relay.smtp;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/** Failed AUTH attempts per client IP; after N failures the IP is locked out for a while. */
final class AuthFailures {
    private record Entry(int failures, long lockedUntil) {
    }

    private final int maxFailures;
    private final long lockoutNanos;
    private final LongSupplier clock;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    AuthFailures(int maxFailures, Duration lockout, LongSupplier nanoClock) {
        this.maxFailures = maxFailures;
        this.lockoutNanos = lockout.toNanos();
        this.clock = nanoClock;
    }

    boolean isLockedOut(String client) {
        Entry entry = entries.get(client);
        if (entry == null || entry.lockedUntil() == 0) {
            return false;
        }
        if (clock.getAsLong() - entry.lockedUntil() >= 0) {
            entries.remove(client, entry);
            return false;
        }
        return true;
    }

    void failed(String client) {
        entries.compute(client, (ip, entry) -> {
            int failures = (entry == null ? 0 : entry.failures()) + 1;
            long until = failures >= maxFailures ? clock.getAsLong() + lockoutNanos : 0;
            return new Entry(failures, until);
        });
    }

    void succeeded(String client) {
        entries.remove(client);
    }
}
