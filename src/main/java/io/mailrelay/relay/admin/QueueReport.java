package io.mailrelay.relay.admin;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * {@code GET /admin/queue}: the JSON shape other components (the operator's status, the CLI) rely on; see
 * docs/relay.md, "Admin endpoint".
 *
 * @param depth messages queued, held ones included
 * @param held messages on hold
 * @param oldestAgeSeconds age of the oldest queued message, 0 when empty
 * @param deferredRecipients recipients still pending after at least one failed attempt
 * @param lastError the last deferral or bounce since the relay started, or null
 * @param lastHour recipient outcomes over the last hour
 * @param messages every queued message, oldest first; absent with {@code ?summary=true}
 */
public record QueueReport(int depth, int held, long oldestAgeSeconds, int deferredRecipients, LastError lastError,
        LastHour lastHour, @JsonInclude(JsonInclude.Include.NON_NULL) List<Message> messages) {

    /** @param at RFC 3339 */
    public record LastError(String reply, String nextHop, Instant at) {
    }

    public record LastHour(long delivered, long deferred, long bounced) {
    }

    /**
     * @param recipients the recipients still to deliver
     * @param size bytes of the message as it will be delivered
     * @param lastReply the last reply for one of those recipients, null before the first attempt
     * @param waiting why it waits right now, when a smarthost's messagesPerSecond holds it back ("rate limited: 5
     *        msg/s to smarthost ..."); absent otherwise
     */
    public record Message(String id, String sender, List<String> recipients, long size, long ageSeconds,
            int attempts, String lastReply, boolean held,
            @JsonInclude(JsonInclude.Include.NON_NULL) String waiting) {
    }
}
