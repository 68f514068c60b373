package io.mailrelay.relay.spool;

/** Where one recipient of a spooled message stands. */
public enum RecipientStatus {
    /** not delivered yet: the next attempt includes it */
    PENDING,
    /** accepted by the next hop: never sent again */
    DELIVERED,
    /** permanently failed (5xx, or the queue lifetime ran out): reported to the sender, never sent again */
    FAILED
}
