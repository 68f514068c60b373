package io.mailrelay.probe;

/** How one relay attempt ended. */
public enum AttemptOutcome {
    /** RCPT TO got 250 or 251: the server would relay this recipient. */
    ACCEPTED,
    /** MAIL FROM or RCPT TO got a permanent 5xx refusal. */
    REFUSED,
    /** MAIL FROM or RCPT TO got a temporary 4xx refusal (including 421). */
    TEMPFAIL,
    /** No usable reply: timeout, dropped connection, TLS or protocol error, or an unexpected reply code. */
    ERROR,
    /** Never tried because the connection could not be re-established or the time cap was reached. */
    NOT_RUN
}
