package io.mailrelay.relay.delivery;

import java.time.Duration;
import java.util.List;

import io.mailrelay.config.HostPort;

/**
 * Recipient verification for the SMTP server (Postfix reject_unverified_recipient): asks a local domain's
 * deliverTo server, with the delivery's own SMTP client and TLS policy, whether it accepts a recipient.
 * Blocking: call it off the event loop.
 */
public final class RecipientCallout {
    private final SmtpSender sender;

    /** @param timeout for the connection and for each stage */
    public RecipientCallout(String hostname, Duration timeout) {
        this.sender = new SmtpSender(hostname, SmtpTimeouts.uniform(timeout), 1);
    }

    /** {@link Outcome.Kind#DELIVERED} accepted, {@link Outcome.Kind#PERMANENT} refused, else not known now. */
    public Outcome verify(HostPort deliverTo, String recipient) {
        return sender.verify(NextHop.opportunistic("recipient check at " + deliverTo, List.of(deliverTo)), recipient);
    }
}
