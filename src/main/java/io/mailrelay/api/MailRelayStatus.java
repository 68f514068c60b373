package io.mailrelay.api;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.kubernetes.api.model.Condition;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class MailRelayStatus {

    @JsonPropertyDescription("The metadata.generation this status describes.")
    public Long observedGeneration;

    @JsonPropertyDescription("Ready, ConfigValid, NetworkRisk and RelayClosed (set by the probe).")
    public List<Condition> conditions = new ArrayList<>();

    @JsonPropertyDescription("Relay pods that are ready.")
    public Integer readyReplicas;

    @JsonPropertyDescription("In-cluster SMTP endpoint: <name>.<namespace>.svc:<port>.")
    public String endpoint;

    @JsonPropertyDescription("Number of CIDRs in spec.allowedNetworks.")
    public Integer allowedNetworkCount;

    @JsonPropertyDescription("Result of the last open-relay probe.")
    public ProbeStatus probe;
}
