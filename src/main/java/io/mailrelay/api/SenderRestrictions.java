package io.mailrelay.api;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class SenderRestrictions {

    @JsonPropertyDescription("Only envelope senders in these domains may relay (e.g. example.com).")
    @Required
    @Size(min = 1, max = 256)
    public List<@Size(max = 253) @Pattern(Patterns.DOMAIN) String> allowedSenderDomains;
}
