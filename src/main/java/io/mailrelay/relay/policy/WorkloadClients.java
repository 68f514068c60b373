package io.mailrelay.relay.policy;

import java.net.InetAddress;
import java.time.Instant;
import java.util.Collection;
import java.util.Set;

/**
 * The addresses of the pods a MailRelay's {@code relayFor} selects, as the operator last pushed them
 * ({@code PUT /admin/workload-clients}): they may relay like {@code allowedNetworks}. Kept in memory only, so a
 * restarted relay refuses them until the operator pushes again: refusing, never allowing, is the safe side of a
 * lost set. The whole set is replaced at once, so a lookup never sees half of an update.
 */
public final class WorkloadClients {

    /** @param revision the operator's name for this set (a hash of it); "" before the first push */
    public record Snapshot(String revision, Set<InetAddress> addresses, Instant updatedAt) {
    }

    private volatile Snapshot current = new Snapshot("", Set.of(), null);

    public boolean contains(InetAddress client) {
        return current.addresses().contains(client);
    }

    public void replace(String revision, Collection<InetAddress> addresses, Instant now) {
        current = new Snapshot(revision, Set.copyOf(addresses), now);
    }

    public Snapshot snapshot() {
        return current;
    }
}
