package io.mailrelay.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * STARTTLS towards the smarthost (a next hop): the one type for the MailRelay resource's
 * {@code spec.outbound.smarthost.tls}, relay.yaml's {@code outbound.smarthost.tls} and delivery. Users write the
 * lower-case names.
 */
public enum SmarthostTls {
    /** no delivery unless STARTTLS succeeds (Postfix smtp_tls_security_level=encrypt/verify) */
    @JsonProperty("required") REQUIRED,
    /** STARTTLS when offered, plain text otherwise (Postfix "may") */
    @JsonProperty("opportunistic") OPPORTUNISTIC,
    /** never STARTTLS */
    @JsonProperty("none") NONE
}
