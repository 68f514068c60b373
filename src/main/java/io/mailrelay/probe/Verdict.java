package io.mailrelay.probe;

/** What the probe concludes about the target. */
public enum Verdict {
    /** At least one attempt was accepted for relaying (RCPT got 250 or 251). */
    OPEN,
    /** Every attempt was refused with a permanent (5xx) reply. */
    CLOSED,
    /** Neither: no connection, only temporary failures, timeouts, errors or attempts not run. */
    INCONCLUSIVE
}
