package io.mailrelay.relay.policy;

/** The outcome of {@link RelayPolicy#decide} for one recipient, with the rule that decided it. */
public record RelayDecision(Reason reason) {

    public enum Reason {
        /**
         * The recipient's domain is one of the relay's local domains, and the recipient passed its domain's
         * check (or the client is trusted and skips it).
         */
        LOCAL_DOMAIN(true),
        /** A local domain with recipientCheck callout: accepted only if its deliverTo server accepts the recipient. */
        VERIFY_RECIPIENT(false),
        /** A local domain with recipientCheck list, and no pattern matches the recipient. */
        UNKNOWN_RECIPIENT(false),
        /** The client address is inside allowedNetworks (Postfix permit_mynetworks). */
        ALLOWED_NETWORK(true),
        /** The client address is a pod that relayFor selects, as the operator last pushed them ({@link WorkloadClients}). */
        ALLOWED_WORKLOAD(true),
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
