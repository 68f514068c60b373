package io.mailrelay.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * TLS towards a smarthost (a next hop: {@code outbound.smarthost}, or a route's): the one type for the MailRelay
 * resource's {@code spec.outbound.smarthost.tls} (and each route's), relay.yaml's {@code outbound.smarthost.tls} and
 * delivery. Users write the lower-case names.
 */
public enum SmarthostTls {
    /** no delivery unless STARTTLS succeeds (Postfix smtp_tls_security_level=encrypt/verify) */
    @JsonProperty("required") REQUIRED,
    /** STARTTLS when offered, plain text otherwise (Postfix "may") */
    @JsonProperty("opportunistic") OPPORTUNISTIC,
    /** never STARTTLS */
    @JsonProperty("none") NONE,
    /**
     * TLS from the first byte, before the greeting (SMTPS, RFC 8314 "implicit TLS", port 465 by default; Postfix
     * smtp_tls_wrappermode=yes with smtp_tls_security_level=encrypt): no delivery unless the handshake succeeds,
     * the certificate verified as with {@link #REQUIRED}
     */
    @JsonProperty("implicit") IMPLICIT;

    /** The port a smarthost has when none is given: 465 for implicit TLS (smtps), else 587 (submission). */
    public int defaultPort() {
        return this == IMPLICIT ? 465 : 587;
    }
}
