package io.mailrelay.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

/** When the queue figures in status.queue make condition QueueHealthy False. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class QueueSpec {

    @JsonPropertyDescription("Thresholds of condition QueueHealthy: False (with a Warning event) when either is passed.")
    public Alert alert;

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Alert {
        @JsonPropertyDescription("Messages queued over all relay pods above which the queue is unhealthy. Default 1000.")
        @Default("1000")
        @Min(1)
        @Max(100000000)
        public Integer depth;

        @JsonPropertyDescription("Age of the oldest queued message above which the queue is unhealthy (e.g. 30m, 1h)."
                + " Default 1h.")
        @Default("1h")
        @Pattern(Patterns.DURATION)
        public String oldestAge;
    }
}
