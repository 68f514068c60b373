package io.mailrelay.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

import io.mailrelay.config.OutboundMode;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self.mode != 'smarthost' || has(self.smarthost)",
        message = "outbound.smarthost is required when outbound.mode is smarthost", fieldPath = ".smarthost")
@ValidationRule(value = "self.mode != 'mx' || !has(self.smarthost)",
        message = "outbound.smarthost must not be set when outbound.mode is mx", fieldPath = ".smarthost")
public class Outbound {

    @JsonPropertyDescription("smarthost: everything through outbound.smarthost; mx: direct delivery by MX lookup (needs outbound port 25).")
    @Required
    public OutboundMode mode;

    @JsonPropertyDescription("The smarthost, required when mode is smarthost.")
    public Smarthost smarthost;
}
