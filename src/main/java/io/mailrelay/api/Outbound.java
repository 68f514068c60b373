package io.mailrelay.api;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
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

    @JsonPropertyDescription("Recipient domains with a smarthost of their own (Postfix transport_maps): mail for "
            + "them goes there, whoever sends it. Routing order: localDomains, recipientRoutes, senderRoutes, "
            + "smarthost (or MX). A local domain cannot have one. At most 64.")
    @Size(max = 64)
    @ValidationRule(value = "self.all(a, self.filter(b, b.domain.lowerAscii() == a.domain.lowerAscii()).size() == 1)",
            message = "recipientRoutes must not list a domain twice (domains compare case-insensitively)")
    public List<Route> recipientRoutes;

    @JsonPropertyDescription("Envelope sender domains with a smarthost of their own, with their own credentials "
            + "(Postfix sender_dependent_relayhost_maps with smtp_sender_dependent_authentication): mail from them "
            + "goes there unless a local domain or recipient route takes the recipient. Bounces (null sender) take "
            + "the smarthost (or MX). At most 64.")
    @Size(max = 64)
    @ValidationRule(value = "self.all(a, self.filter(b, b.domain.lowerAscii() == a.domain.lowerAscii()).size() == 1)",
            message = "senderRoutes must not list a domain twice (domains compare case-insensitively)")
    public List<Route> senderRoutes;
}
