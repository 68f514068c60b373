package io.mailrelay.api;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The pods spec.relayFor selects now, and whether every relay pod has their addresses. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RelayForStatus {

    @JsonPropertyDescription("Pods selected now (Running or Pending with an IP, not terminating, not hostNetwork).")
    public Integer pods;

    @JsonPropertyDescription("The namespaces those pods are in.")
    public List<String> namespaces;

    @JsonPropertyDescription("Relay pods that hold the current set of addresses, of relayPods.")
    public Integer relayPodsUpdated;

    @JsonPropertyDescription("Relay pods with an address.")
    public Integer relayPods;

    @JsonPropertyDescription("The current set's revision (a hash of its addresses), as the relay pods report it.")
    public String revision;

    @JsonPropertyDescription("Why a relay pod does not hold the set, if one does not.")
    public String message;

    @JsonPropertyDescription("When the set last reached every relay pod (RFC 3339).")
    public String lastUpdateTime;

    @JsonPropertyDescription("relayFor.credentials: how many namespaces hold a credential the relay accepts.")
    public Integer credentials;

    @JsonPropertyDescription("relayFor.credentials: the namespaces holding one.")
    public List<String> credentialNamespaces;

    @JsonPropertyDescription("relayFor.credentials: why a selected namespace holds none (gone, terminating, out of "
            + "the operator's reach, or a Secret of that name it did not make).")
    public String credentialsMessage;
}
