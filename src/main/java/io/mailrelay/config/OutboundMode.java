package io.mailrelay.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How mail for non-local domains leaves the relay: the one type for the MailRelay resource's
 * {@code spec.outbound.mode}, relay.yaml's {@code outbound.mode} and delivery. Users write the lower-case names.
 */
public enum OutboundMode {
    /** everything through one smarthost */
    @JsonProperty("smarthost") SMARTHOST,
    /** straight to each domain's MX hosts */
    @JsonProperty("mx") MX
}
