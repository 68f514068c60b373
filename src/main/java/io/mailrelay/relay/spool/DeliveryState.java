package io.mailrelay.relay.spool;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The mutable part of a spooled message, persisted next to it after every attempt so that a restart
 * neither re-sends to recipients that already got the message nor forgets the retry schedule.
 *
 * @param attempts delivery attempts made so far
 * @param nextAttempt when the message is due again
 * @param recipients state of every envelope recipient, in RCPT order
 * @param rateLimitedSeconds how long the message waited for a smarthost's rate limit: not counted toward
 *        spool.maxQueueLifetime (written only when not 0, so other state files read as before)
 */
@JsonIgnoreProperties(ignoreUnknown = true) // a field a later version adds is not a reason to quarantine mail
public record DeliveryState(int attempts, Instant nextAttempt, Map<String, RecipientState> recipients,
        @JsonInclude(JsonInclude.Include.NON_DEFAULT) long rateLimitedSeconds) {

    public DeliveryState {
        Objects.requireNonNull(nextAttempt, "nextAttempt");
        recipients = Collections.unmodifiableMap(new LinkedHashMap<>(recipients));
    }

    /** The state of a message nobody tried to deliver yet: every recipient pending, due at once. */
    public static DeliveryState initial(Envelope envelope) {
        Map<String, RecipientState> recipients = new LinkedHashMap<>();
        envelope.recipients().forEach(rcpt -> recipients.put(rcpt, RecipientState.pending()));
        return new DeliveryState(0, envelope.receivedAt(), recipients, 0);
    }

    public List<String> pendingRecipients() {
        return withStatus(RecipientStatus.PENDING);
    }

    public List<String> withStatus(RecipientStatus status) {
        return recipients.entrySet().stream().filter(e -> e.getValue().status() == status)
                .map(Map.Entry::getKey).toList();
    }

    /** Recipients that failed for good, with their last reply, in RCPT order. */
    public Map<String, RecipientState> failedRecipients() {
        Map<String, RecipientState> failed = new LinkedHashMap<>();
        recipients.forEach((rcpt, state) -> {
            if (state.status() == RecipientStatus.FAILED) {
                failed.put(rcpt, state);
            }
        });
        return failed;
    }

    public boolean finished() {
        return pendingRecipients().isEmpty();
    }

    /** This state with the given recipients' outcomes replaced. */
    public DeliveryState with(Map<String, RecipientState> outcomes) {
        Map<String, RecipientState> merged = new LinkedHashMap<>(recipients);
        merged.putAll(outcomes);
        return new DeliveryState(attempts, nextAttempt, merged, rateLimitedSeconds);
    }

    public DeliveryState attempted(Instant next) {
        return new DeliveryState(attempts + 1, next, recipients, rateLimitedSeconds);
    }

    /** This state, due at {@code next}, after {@code seconds} more waiting for a rate limit; not an attempt. */
    public DeliveryState rateLimited(Instant next, long seconds) {
        return new DeliveryState(attempts, next, recipients, rateLimitedSeconds + Math.max(0, seconds));
    }
}
