package io.mailrelay.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class Tls {

    @JsonPropertyDescription("Name of a Secret of type kubernetes.io/tls (tls.crt, tls.key) in this namespace; rotated in place.")
    @Required
    @Pattern(Patterns.OBJECT_NAME)
    public String secretName;
}
