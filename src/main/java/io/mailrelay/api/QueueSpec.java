package io.mailrelay.api;

import java.time.Duration;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.mailrelay.config.Durations;

/** When the queue figures in status.queue make condition QueueHealthy False. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class QueueSpec {

    @JsonPropertyDescription("Thresholds of condition QueueHealthy: False (with a Warning event) when either is passed.")
    public Alert alert;

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Alert {
        public static final int DEFAULT_DEPTH = 1000;
        public static final String DEFAULT_OLDEST_AGE = "1h";

        @JsonPropertyDescription("Messages queued over all relay pods above which the queue is unhealthy. Default 1000.")
        @Default("" + DEFAULT_DEPTH)
        @Min(1)
        @Max(100000000)
        public Integer depth;

        @JsonPropertyDescription("Age of the oldest queued message above which the queue is unhealthy (e.g. 30m, 1h)."
                + " Default 1h.")
        @Default(DEFAULT_OLDEST_AGE)
        @Pattern(Patterns.DURATION)
        public String oldestAge;
    }

    /** spec.queue.alert.depth, 1000 when not given. */
    public static int alertDepth(QueueSpec queue) {
        return queue == null || queue.alert == null || queue.alert.depth == null ? Alert.DEFAULT_DEPTH : queue.alert.depth;
    }

    /** spec.queue.alert.oldestAge, 1h when not given. */
    public static Duration alertOldestAge(QueueSpec queue) {
        return Durations.parse(queue == null || queue.alert == null || queue.alert.oldestAge == null
                ? Alert.DEFAULT_OLDEST_AGE : queue.alert.oldestAge);
    }
}
