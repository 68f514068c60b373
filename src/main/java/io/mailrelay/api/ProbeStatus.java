package io.mailrelay.api;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Filled by the periodic probe (next step); the reconciler keeps whatever is there. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ProbeStatus {

    @JsonPropertyDescription("When the last probe ran (RFC 3339).")
    public String lastRunTime;

    @JsonPropertyDescription("Closed, Open or Error.")
    public String verdict;

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
