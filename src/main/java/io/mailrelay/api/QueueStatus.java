package io.mailrelay.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The relay pods' queues, summed, as their admin endpoints report them (docs/operator.md, "Queue"). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class QueueStatus {

    @JsonPropertyDescription("Messages queued (held ones included), over all pods read.")
    public Integer depth;

    @JsonPropertyDescription("Age in seconds of the oldest queued message, over all pods read.")
    public Long oldestAgeSeconds;

    @JsonPropertyDescription("The same age for people and kubectl get (e.g. 42s, 5m, 3h); empty queue: 0s.")
    public String oldestAge;

    @JsonPropertyDescription("Recipients still pending after at least one failed attempt.")
    public Integer deferredRecipients;

    @JsonPropertyDescription("Messages on hold (mailrelay queue hold): not delivered until released.")
    public Integer held;

    @JsonPropertyDescription("The most recent deferral or bounce of any pod: reply, next hop and time.")
    public LastError lastError;

    @JsonPropertyDescription("Recipient outcomes over the last hour, summed over the pods read.")
    public LastHour lastHour;

    @JsonPropertyDescription("Relay pods whose admin endpoint answered; others are left out of the sums.")
    public Integer podsRead;

    @JsonPropertyDescription("Relay pods whose admin endpoint did not answer.")
    public Integer podsUnreachable;

    @JsonPropertyDescription("When the pods were read.")
    public String readAt;

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class LastError {
        @JsonPropertyDescription("The reply (or connection error) of the latest deferral or bounce, "
                + "e.g. \"451 4.4.1 connection failed\".")
        public String reply;
        @JsonPropertyDescription("The next hop of that attempt, e.g. \"smarthost smtp.provider.net:587\".")
        public String nextHop;
        @JsonPropertyDescription("When that happened (RFC 3339).")
        public String at;
        @JsonPropertyDescription("The pod that reported it.")
        public String pod;
    }

    public static class LastHour {
        @JsonPropertyDescription("Recipients delivered in the last hour, over all pods.")
        public Long delivered;
        @JsonPropertyDescription("Recipients deferred (to be tried again) in the last hour.")
        public Long deferred;
        @JsonPropertyDescription("Recipients bounced (given up, the sender told) in the last hour.")
        public Long bounced;
    }
}
