package io.mailrelay.relay.delivery;

/** A next hop could not be found or reached: every recipient of the group gets {@link #outcome()}. */
final class NextHopException extends Exception {

    private final transient Outcome outcome;

    NextHopException(Outcome outcome) {
        super(outcome.reply());
        this.outcome = outcome;
    }

    Outcome outcome() {
        return outcome;
    }
}
