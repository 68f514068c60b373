package io.mailrelay.relay.admin;

import io.mailrelay.config.HostPort;

/** What {@code /admin/drain} steers: a drain that hands what is left of the queue to a peer replica. */
public interface DrainControl {

    DrainReport report();

    /**
     * Starts the drain, or points a running one at another peer; idempotent for the same peer.
     *
     * @throws IllegalArgumentException when {@code peer} is this relay itself
     * @throws IllegalStateException when this relay has no handOff configured
     */
    DrainReport start(HostPort peer, String client);

    /**
     * Cancels a drain (a scale-down undone): the relay takes mail again and delivers to its own next hops; what went
     * to the peer stays there. Nothing to cancel: the report as it is.
     */
    DrainReport cancel(String client);
}
