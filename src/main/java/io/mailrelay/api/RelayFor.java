package io.mailrelay.api;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.LabelSelector;

/**
 * Pods that may relay by who they are, not by where their address falls: the operator keeps the set of their
 * current IPs and pushes it to the relay pods (docs/operator.md, "Relay permission by workload identity").
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RelayFor {

    @JsonPropertyDescription("Namespaces whose pods are selected, by name. Default: this MailRelay's namespace only. "
            + "Pods in namespaces the operator does not watch are never seen.")
    @Size(max = 64)
    public List<@Pattern(Patterns.NAMESPACE_NAME) @Size(max = 63) String> namespaces;

    @JsonPropertyDescription("Labels of the selected pods in those namespaces (matchLabels and matchExpressions). "
            + "Required; {} selects every pod there, which the NetworkRisk condition flags.")
    @Required
    public LabelSelector podSelector;

    @JsonPropertyDescription("Only pods that run as one of these ServiceAccounts (of their own namespace). The "
            + "NetworkPolicy cannot say this: it admits the selected pods, the relay refuses the others.")
    @Size(max = 64)
    public List<@Pattern(Patterns.OBJECT_NAME) @Size(max = 253) String> serviceAccounts;

    @JsonPropertyDescription("Opt-in: SMTP credentials of their own for each selected namespace, in a Secret the "
            + "operator makes there, each bound to its sender domains. Deselecting a namespace, or deleting it, revokes "
            + "its credential; annotate the MailRelay with mailrelay.io/rotate-credentials (any new value) to rotate "
            + "them all.")
    public RelayForCredentials credentials;
}
