package io.mailrelay.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

/** A smarthost's outbound rate limits (relay.yaml {@code outbound.smarthost.rateLimit}, docs/relay.md "Rate limits"). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.messagesPerSecond) || has(self.recipientsPerDay)",
        message = "rateLimit needs messagesPerSecond, recipientsPerDay or both")
@ValidationRule(value = "!has(self.messagesPerSecond) || self.messagesPerSecond > 0",
        message = "messagesPerSecond must be positive", fieldPath = ".messagesPerSecond")
@ValidationRule(value = "!has(self.recipientsPerDay) || self.recipientsPerDay > 0",
        message = "recipientsPerDay must be positive", fieldPath = ".recipientsPerDay")
public class RateLimit {

    @JsonPropertyDescription("At most this many messages (SMTP transactions) to the smarthost in any 1-second window, "
            + "per relay pod: a full second passes between the end of a transaction and the start of the one that "
            + "takes its place, so network delay never makes the provider see more. Over it, deliveries wait; they "
            + "are never bounced for it.")
    @Min(1)
    @Max(10000)
    public Integer messagesPerSecond;

    @JsonPropertyDescription("At most this many recipients accepted by the smarthost in any rolling 24 hours, per "
            + "relay pod (SES, Google Workspace: 10,000 per user; with several replicas give each its share). Over it, "
            + "recipients are deferred until the budget returns (reason 'rate limited' in the queue), never bounced; "
            + "the count survives a relay restart.")
    @Min(1)
    @Max(100000000)
    public Integer recipientsPerDay;
}
