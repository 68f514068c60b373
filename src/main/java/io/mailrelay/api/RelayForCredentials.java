package io.mailrelay.api;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;

/**
 * Per-namespace SMTP credentials (docs/operator.md, "Per-namespace credentials"): in each namespace relayFor selects,
 * a Secret with a user and password of its own, bound to its sender domains (Postfix smtpd_sender_login_maps with
 * reject_sender_login_mismatch).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RelayForCredentials {

    @JsonPropertyDescription("Name of the Secret the operator makes in each selected namespace, with keys username, "
            + "password, host, port, starttls and senderDomains. Default: <MailRelay name>-smtp. An existing Secret of "
            + "that name that the operator did not make is left alone, and that namespace gets no credential.")
    @Pattern(Patterns.OBJECT_NAME)
    @Size(max = 253)
    public String secretName;

    @JsonPropertyDescription("Envelope sender domains (MAIL FROM) each namespace's credential may use, unless "
            + "namespaceSenderDomains gives the namespace its own; any other sender is refused with 553 5.7.1 "
            + "(Postfix reject_sender_login_mismatch). Every namespace needs at least one sender domain.")
    @Size(max = 64)
    public List<@Size(max = 253) @Pattern(Patterns.DOMAIN) String> senderDomains;

    @JsonPropertyDescription("The sender domains of one namespace's credential, in place of senderDomains.")
    @Size(max = 64)
    public List<NamespaceSenderDomains> namespaceSenderDomains;

    /** One namespace's sender domains. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class NamespaceSenderDomains {
        @JsonPropertyDescription("A namespace of relayFor.namespaces (by name).")
        @io.fabric8.generator.annotation.Required
        @Pattern(Patterns.NAMESPACE_NAME)
        @Size(max = 63)
        public String namespace;

        @JsonPropertyDescription("The envelope sender domains this namespace's credential may use.")
        @io.fabric8.generator.annotation.Required
        @Size(min = 1, max = 64)
        public List<@Size(max = 253) @Pattern(Patterns.DOMAIN) String> senderDomains;
    }
}
