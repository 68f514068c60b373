package io.mailrelay.relay.policy;

/** The outcome of {@link RelayPolicy#decide} for one recipient, with the rule that decided it. */
public record RelayDecision(Reason reason) {

    public enum Reason {
        /** The recipient's domain is one of the relay's local domains (accepted from anyone). */
        LOCAL_DOMAIN(true),
        /** The client address is inside allowedNetworks (Postfix permit_mynetworks). */
        ALLOWED_NETWORK(true),
        /** The session authenticated with SMTP AUTH (Postfix permit_sasl_authenticated). */
        AUTHENTICATED(true),
        /** None of the above: relaying refused (Postfix reject_unauth_destination). */
        RELAY_DENIED(false),
        /** Relaying would be allowed, but the envelope sender's domain is not in senderRestrictions. */
        SENDER_NOT_ALLOWED(false);

        private final boolean accepted;

        Reason(boolean accepted) {
            this.accepted = accepted;
        }
    }

    public boolean accepted() {
        return reason.accepted;
    }
}
