package io.mailrelay.relay.spool;

import java.util.Objects;

/**
 * @param status where the recipient stands
 * @param reply the last SMTP reply (or connection error) for it, null before the first attempt
 * @param nextHop where that reply came from, null before the first attempt
 */
public record RecipientState(RecipientStatus status, String reply, String nextHop) {

    public RecipientState {
        Objects.requireNonNull(status, "status");
    }

    static RecipientState pending() {
        return new RecipientState(RecipientStatus.PENDING, null, null);
    }
}
