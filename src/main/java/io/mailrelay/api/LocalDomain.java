package io.mailrelay.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class LocalDomain {

    @JsonPropertyDescription("Mail domain accepted from anyone (e.g. example.com).")
    @Required
    @Pattern(Patterns.DOMAIN)
    @Size(max = 253)
    public String domain;

    @JsonPropertyDescription("host:port that mail for the domain is delivered to (e.g. mail.example.com:25, [2001:db8::1]:25).")
    @Required
    @Pattern(Patterns.HOST_PORT)
    @Size(max = 260)
    public String deliverTo;

    public LocalDomain() {
    }

    public LocalDomain(String domain, String deliverTo) {
        this.domain = domain;
        this.deliverTo = deliverTo;
    }
}
