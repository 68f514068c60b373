package io.mailrelay.probe;

/**
 * How the probe connects to its target ({@code --tls}): plain, STARTTLS when offered, or TLS from the first byte.
 * Not the relay's STARTTLS policy towards a smarthost ({@code io.mailrelay.config.SmarthostTls}).
 */
public enum ConnectTls {
    /** Plain SMTP only, never STARTTLS. */
    NONE,
    /** Opportunistic: STARTTLS when the server offers it, plain SMTP otherwise or when the handshake fails. */
    STARTTLS,
    /** TLS from the first byte (SMTPS, port 465 style). */
    IMPLICIT
}
