package io.mailrelay.relay.delivery;

/** STARTTLS towards a next hop, as {@code outbound.smarthost.tls} in relay.yaml. */
public enum TlsMode {
    /** no delivery unless STARTTLS succeeds (Postfix smtp_tls_security_level=encrypt/verify) */
    REQUIRED,
    /** STARTTLS when offered, plain text otherwise (Postfix "may") */
    OPPORTUNISTIC,
    /** never STARTTLS */
    NONE
}
