package io.mailrelay.relay.delivery;

/** How mail for non-local domains leaves the relay ({@code outbound.mode}). */
public enum OutboundMode {
    /** everything through one smarthost */
    SMARTHOST,
    /** straight to each domain's MX hosts */
    MX
}
