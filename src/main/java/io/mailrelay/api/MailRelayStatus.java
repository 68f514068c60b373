package io.mailrelay.api;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.model.annotation.LabelSelector;
import io.fabric8.kubernetes.model.annotation.StatusReplicas;

@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonClassDescription("What the operator observed: conditions, replicas, the latest probe verdict, the queues and the upstreams.")
public class MailRelayStatus {

    @JsonPropertyDescription("The metadata.generation this status describes.")
    public Long observedGeneration;

    @JsonPropertyDescription("Ready, ConfigValid, Applied, NetworkRisk, RelayClosed (set by the probe), QueueHealthy, UpstreamReady and Draining.")
    public List<Condition> conditions = new ArrayList<>();

    @JsonPropertyDescription("Relay pods the workload is set to run (the scale subresource's status.replicas).")
    @StatusReplicas
    public Integer replicas;

    @JsonPropertyDescription("Relay pods that are ready.")
    public Integer readyReplicas;

    @JsonPropertyDescription("Label selector of the relay pods, as a string (the scale subresource's selector, for an HPA).")
    @LabelSelector
    public String selector;

    @JsonPropertyDescription("In-cluster SMTP endpoint: <name>.<namespace>.svc:<port>.")
    public String endpoint;

    @JsonPropertyDescription("Number of CIDRs in spec.allowedNetworks.")
    public Integer allowedNetworkCount;

    @JsonPropertyDescription("Result of the last open-relay probe.")
    public ProbeStatus probe;

    @JsonPropertyDescription("The relay pods' queues, summed, read from their admin endpoints.")
    public QueueStatus queue;

    @JsonPropertyDescription("The pods spec.relayFor selects, and whether the relay pods hold their addresses.")
    public RelayForStatus relayFor;

    @JsonPropertyDescription("The relay's upstreams (smarthost, local routes) as its pods last checked them: "
            + "connect, EHLO, STARTTLS, certificate and AUTH, never a message.")
    public List<UpstreamStatus> upstreams;

    @JsonPropertyDescription("Per spec.dkim domain and selector: the DNS TXT record to publish.")
    public List<DkimRecordStatus> dkim;
}
