package io.mailrelay.probe;

/** How the probe uses TLS. */
public enum TlsMode {
    /** Plain SMTP only, never STARTTLS. */
    NONE,
    /** Opportunistic: STARTTLS when the server offers it, plain SMTP otherwise or when the handshake fails. */
    STARTTLS,
    /** TLS from the first byte (SMTPS, port 465 style). */
    IMPLICIT
}
