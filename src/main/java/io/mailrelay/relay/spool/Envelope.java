package io.mailrelay.relay.spool;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The SMTP envelope of one accepted message, as the relay decided it.
 *
 * @param mailFrom the reverse path without angle brackets; the empty string for the null sender {@code <>}
 * @param recipients accepted forward paths, in RCPT order, never empty
 * @param clientAddress the client's IP address (after PROXY protocol, if enabled)
 * @param heloName what the client said in HELO/EHLO
 * @param authenticatedUser the SMTP AUTH user, or null
 * @param receivedAt when the message was accepted
 * @param fromOutsider accepted from a client outside allowedNetworks that did not authenticate (so only for
 *        local domains): its sender is unverified, often forged. False in messages spooled before the field
 *        existed.
 */
public record Envelope(String mailFrom, List<String> recipients, String clientAddress, String heloName,
        String authenticatedUser, Instant receivedAt, boolean fromOutsider) {

    public Envelope {
        Objects.requireNonNull(mailFrom, "mailFrom");
        recipients = List.copyOf(recipients);
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("an envelope needs at least one recipient");
        }
        Objects.requireNonNull(clientAddress, "clientAddress");
        Objects.requireNonNull(receivedAt, "receivedAt");
    }

    /** An envelope from a trusted client (allowed network, authenticated, or the relay itself). */
    public Envelope(String mailFrom, List<String> recipients, String clientAddress, String heloName,
            String authenticatedUser, Instant receivedAt) {
        this(mailFrom, recipients, clientAddress, heloName, authenticatedUser, receivedAt, false);
    }

    public boolean hasNullSender() {
        return mailFrom.isEmpty();
    }
}
