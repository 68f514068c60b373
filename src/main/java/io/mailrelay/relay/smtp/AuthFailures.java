package io.mailrelay.relay.smtp;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Failed AUTH attempts per client IP; after N failures the IP is locked out for a while. A client's failures are
 * forgotten {@code lockout} after its last one (so the lockout runs from the Nth failure), and at most
 * {@code maxClients} clients are remembered ({@link ClientTable}).
 */
final class AuthFailures {
    private final int maxFailures;
    private final ClientTable<Integer> failures;

    AuthFailures(int maxFailures, Duration lockout, LongSupplier nanoClock) {
        this(maxFailures, lockout, nanoClock, ClientTable.DEFAULT_MAX_ENTRIES);
    }

    AuthFailures(int maxFailures, Duration lockout, LongSupplier nanoClock, int maxClients) {
        this.maxFailures = maxFailures;
        this.failures = new ClientTable<>(maxClients, lockout, nanoClock);
    }

    boolean isLockedOut(String client) {
        Integer count = failures.get(client);
        return count != null && count >= maxFailures;
    }

    void failed(String client) {
        failures.update(client, count -> count == null ? 1 : count + 1);
    }

    void succeeded(String client) {
        failures.remove(client);
    }

    /** Clients remembered now (for tests and the size cap). */
    int clients() {
        return failures.size();
    }
}
