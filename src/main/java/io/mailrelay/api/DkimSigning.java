package io.mailrelay.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** One DKIM signing key: mail whose From: is in {@code domain} is signed with it (docs/operator.md, "DKIM"). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DkimSigning {

    public enum Algorithm {
        @JsonProperty("rsa") RSA,
        @JsonProperty("ed25519") ED25519
    }

    @JsonPropertyDescription("The signing domain (d=), e.g. example.com: mail whose From: is in it is signed.")
    @Required
    @Size(max = 253)
    @Pattern(Patterns.DOMAIN)
    public String domain;

    @JsonPropertyDescription("The selector (s=): the key is published at <selector>._domainkey.<domain>.")
    @Required
    @Size(max = 63)
    @Pattern(Patterns.SELECTOR)
    public String selector;

    @JsonPropertyDescription("A Secret in this namespace whose key private.pem holds the PEM private key (RSA or "
            + "Ed25519). Omit it and the operator generates the key into the Secret <name>-dkim-<selector>, once: "
            + "it is never regenerated or overwritten.")
    @Size(max = 253)
    @Pattern(Patterns.OBJECT_NAME)
    public String secretName;

    @JsonPropertyDescription("The key the operator generates when secretName is absent: rsa (2048 bits) or ed25519. "
            + "With secretName the algorithm is the key's.")
    @Default("rsa")
    public Algorithm algorithm;
}
