package io.mailrelay.relay.smtp;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;

/**
 * Per-client state (rate windows, AUTH failures) that cannot grow without bound: an entry expires {@code ttl} after
 * its last update, and past {@code maxEntries} the entry updated longest ago is dropped (like Postfix's anvil, which
 * forgets a client after its time unit). Every operation is O(1) amortized, never a scan: entries are kept in the
 * order of their last update, and since every update gives the same {@code ttl}, the expired entries are always
 * the first ones.
 */
final class ClientTable<V> {
    /** Enough for a busy relay's distinct clients in one window; a flood of new addresses evicts the oldest. */
    static final int DEFAULT_MAX_ENTRIES = 10_000;

    private record Slot<V>(V value, long expiresAt) {
    }

    private final int maxEntries;
    private final long ttlNanos;
    private final LongSupplier clock;
    private final LinkedHashMap<String, Slot<V>> entries = new LinkedHashMap<>();

    ClientTable(int maxEntries, Duration ttl, LongSupplier nanoClock) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be at least 1, not " + maxEntries);
        }
        this.maxEntries = maxEntries;
        this.ttlNanos = ttl.toNanos();
        this.clock = nanoClock;
    }

    /** The client's value, or null when it has none or it expired. */
    synchronized V get(String client) {
        long now = clock.getAsLong();
        dropExpired(now);
        Slot<V> slot = entries.get(client);
        return slot == null ? null : slot.value();
    }

    /**
     * Replaces the client's value with {@code update} applied to the current one (null when none or expired) and
     * restarts its expiry; an update returning null removes the entry. Runs under the table's lock: keep it short.
     */
    synchronized V update(String client, UnaryOperator<V> update) {
        long now = clock.getAsLong();
        dropExpired(now);
        Slot<V> current = entries.remove(client);
        V next = update.apply(current == null ? null : current.value());
        if (next != null) {
            entries.put(client, new Slot<>(next, now + ttlNanos));
            if (entries.size() > maxEntries) {
                Iterator<String> eldest = entries.keySet().iterator();
                eldest.next();
                eldest.remove();
            }
        }
        return next;
    }

    synchronized void remove(String client) {
        entries.remove(client);
    }

    synchronized int size() {
        dropExpired(clock.getAsLong());
        return entries.size();
    }

    private void dropExpired(long now) {
        Iterator<Map.Entry<String, Slot<V>>> oldest = entries.entrySet().iterator();
        while (oldest.hasNext() && now - oldest.next().getValue().expiresAt() >= 0) {
            oldest.remove();
        }
    }
}
