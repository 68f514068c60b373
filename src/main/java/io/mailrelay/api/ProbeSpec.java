package io.mailrelay.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ProbeSpec {

    @JsonPropertyDescription("Probe this relay for open relaying from inside the cluster. Default true.")
    @Default("true")
    public Boolean enabled;

    @JsonPropertyDescription("Time between probes (e.g. 5m, 1h); at least 10s. Default 5m. A probe also runs as soon"
            + " as a new configuration has rolled out and become ready.")
    @Default("5m")
    @Pattern(Patterns.DURATION)
    @ValidationRule(value = "duration(self) >= duration('10s')", message = "probe.interval must be at least 10s")
    public String interval;
}
