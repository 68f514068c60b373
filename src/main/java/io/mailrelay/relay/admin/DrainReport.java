package io.mailrelay.relay.admin;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * {@code GET /admin/drain} and the answer to {@code POST /admin/drain}: how far a requested drain with hand-off has
 * come (docs/relay.md, "Hand-off"). The operator lowers a StatefulSet's replicas only once every pod that goes away
 * says {@link State#DRAINED}.
 *
 * @param state where the drain is
 * @param peer the {@code host:port} the queue is handed to, null before a request
 * @param requestedAt when the drain was asked for (the latest request)
 * @param forwardingSince when the relay began forwarding to the peer, null while it still delivers normally
 * @param queued messages in the spool (held ones included)
 * @param sessions SMTP sessions still open here
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DrainReport(State state, String peer, Instant requestedAt, Instant forwardingSince, int queued,
        int sessions) {

    public enum State {
        /** No drain asked for: the relay takes mail. */
        ACCEPTING,
        /** New mail gets 421; the queue is delivered to its next hops for handOff.deliverFor. */
        DELIVERING,
        /** What is left goes to the peer; a message leaves only after the peer's 250. */
        FORWARDING,
        /** Nothing queued and no session open: the pod may go. */
        DRAINED
    }

    public boolean drained() {
        return state == State.DRAINED;
    }
}
