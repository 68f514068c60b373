package io.mailrelay.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How a local domain's recipients are checked for clients that may not relay (outside allowedNetworks,
 * not authenticated). Without a check, the relay accepts any local part and later bounces the unknown
 * ones to a sender that is usually forged (backscatter).
 */
public enum RecipientCheck {
    /** Ask the domain's deliverTo server at RCPT time (Postfix reject_unverified_recipient). */
    @JsonProperty("callout") CALLOUT,
    /** Only the listed recipient patterns (Postfix relay_recipient_maps). */
    @JsonProperty("list") LIST,
    /** Any local part (unsafe: backscatter). */
    @JsonProperty("none") NONE
}
