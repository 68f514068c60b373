package io.mailrelay.api;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The probe's verdict for one exposed address of the relay, from one vantage. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ProbeTargetStatus {

    @JsonPropertyDescription("The host:port probed.")
    public String address;

    @JsonPropertyDescription("How clients reach it: ClusterIP, NodePort (on a node's InternalIP), LoadBalancer (an"
            + " ingress address, probed from inside the cluster: kube-proxy short-circuits it, so the real load"
            + " balancer is not crossed) or ExternalIP.")
    public String path;

    @JsonPropertyDescription("The node whose InternalIP this is (NodePort).")
    public String node;

    @JsonPropertyDescription("direct, or the forged PROXY header sent first (the relay must not believe it).")
    public String vantage;

    @JsonPropertyDescription("Closed, Open, Inconclusive, Unreachable (no TCP connection: never Closed), Insider"
            + " (from inside allowedNetworks) or ProxyOnly (a service.proxyProtocol relay that gave no greeting to a"
            + " probe without a PROXY header, as it must: proves nothing either way).")
    public String verdict;

    @JsonPropertyDescription("Relay attempts made.")
    public Integer attempts;

    @JsonPropertyDescription("The attempts the relay accepted on this address.")
    public List<String> acceptedAttempts;

    @JsonPropertyDescription("Why this verdict.")
    public String reason;
}
