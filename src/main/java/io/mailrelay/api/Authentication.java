package io.mailrelay.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class Authentication {

    @JsonPropertyDescription("Name of a Secret in this namespace with key 'users': 'user:<bcrypt hash>' lines (htpasswd -B).")
    @Required
    @Pattern(Patterns.OBJECT_NAME)
    public String usersSecret;

    @JsonPropertyDescription("Offer AUTH on connections without STARTTLS (passwords in clear). Default false.")
    @Default("false")
    public Boolean allowWithoutTls;
}
