package io.mailrelay.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** One domain's own smarthost: a recipient route (Postfix transport_maps) or a sender route (sender_dependent_relayhost_maps). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Route {

    @JsonPropertyDescription("The domain (e.g. example.org), compared case-insensitively and exactly: subdomains are "
            + "other domains. In recipientRoutes the recipient's domain, in senderRoutes the envelope sender's.")
    @Required
    @Pattern(Patterns.DOMAIN)
    @Size(max = 253)
    public String domain;

    @JsonPropertyDescription("Where this domain's mail goes: a smarthost like outbound.smarthost, with its own port, "
            + "TLS mode and credentials Secret.")
    @Required
    public Smarthost smarthost;

    public Route() {
    }

    public Route(String domain, Smarthost smarthost) {
        this.domain = domain;
        this.smarthost = smarthost;
    }
}
