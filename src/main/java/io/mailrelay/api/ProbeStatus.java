package io.mailrelay.api;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Filled from the operator's periodic open-relay probe of the relay (io.mailrelay.operator.probing). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ProbeStatus {

    @JsonPropertyDescription("When the last probe ran (RFC 3339).")
    public String lastRunTime;

    @JsonPropertyDescription("The worst verdict over targets: Open (some attempt accepted somewhere: an open relay),"
            + " Inconclusive (timeouts, only temporary failures), Insider (probed from inside allowedNetworks: proves"
            + " nothing about outsiders), Closed (every relay attempt refused on every target reached), ProxyOnly"
            + " (only header-less probes of a PROXY-protocol relay, which gave no greeting) or Unreachable (no"
            + " target could be reached).")
    public String verdict;

    @JsonPropertyDescription("The host:port probed first (the relay's ClusterIP); every one is in targets.")
    public String target;

    @JsonPropertyDescription("The address the probe came from, as the relay saw it, when known.")
    public String source;

    @JsonPropertyDescription("How long the last probe took.")
    public Long durationMillis;

    @JsonPropertyDescription("Relay attempts made by the last probe.")
    public Integer attempts;

    @JsonPropertyDescription("The attempts the relay accepted (each one a way to abuse it).")
    public List<String> acceptedAttempts;

    @JsonPropertyDescription("Other findings of the last probe.")
    public List<String> findings;

    @JsonPropertyDescription("Summary of the last probe.")
    public String message;

    @JsonPropertyDescription("The verdict per exposed address (ClusterIP, NodePorts, load balancer ingress, external"
            + " IPs) and vantage (direct, forged PROXY header); verdict is the worst of them.")
    public List<ProbeTargetStatus> targets;

    @JsonPropertyDescription("Exposed addresses not probed because of the per-relay cap (mailrelay.probe.max-targets).")
    public Integer targetsNotProbed;
}
