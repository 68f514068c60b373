package io.mailrelay.api;

import java.time.Duration;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;
import io.mailrelay.config.Durations;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ProbeSpec {

    public static final String DEFAULT_INTERVAL = "5m";

    @JsonPropertyDescription("Probe this relay for open relaying from inside the cluster. Default true.")
    @Default("true")
    public Boolean enabled;

    @JsonPropertyDescription("Time between probes (e.g. 5m, 1h); at least 10s. Default 5m. A probe also runs as soon"
            + " as a new configuration has rolled out and become ready.")
    @Default(DEFAULT_INTERVAL)
    @Pattern(Patterns.DURATION)
    @ValidationRule(value = "duration(self) >= duration('10s')", message = "probe.interval must be at least 10s")
    public String interval;

    /** False only when spec.probe.enabled says so. */
    public static boolean enabled(ProbeSpec probe) {
        return probe == null || !Boolean.FALSE.equals(probe.enabled);
    }

    /** spec.probe.interval, 5m when not given. */
    public static Duration interval(ProbeSpec probe) {
        return Durations.parse(probe == null || probe.interval == null || probe.interval.isBlank() ? DEFAULT_INTERVAL
                : probe.interval);
    }
}
