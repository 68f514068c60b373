package io.mailrelay.api;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Filled from the operator's periodic open-relay probe of the relay (io.mailrelay.operator.probing). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ProbeStatus {

    @JsonPropertyDescription("When the last probe ran (RFC 3339).")
    public String lastRunTime;

    @JsonPropertyDescription("Closed (every relay attempt refused), Open (some accepted: an open relay), Inconclusive"
            + " (unreachable, timeouts, only temporary failures) or Insider (probed from inside allowedNetworks:"
            + " proves nothing about outsiders).")
    public String verdict;

    @JsonPropertyDescription("The host:port probed (the relay's Service).")
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
}
