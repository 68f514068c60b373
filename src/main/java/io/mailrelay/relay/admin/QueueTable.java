package io.mailrelay.relay.admin;

import com.fasterxml.jackson.databind.JsonNode;

import io.mailrelay.config.Durations;

/** The human-readable forms of the admin endpoint's answers. */
final class QueueTable {
    private static final String ROW = "%-24s %9s %8s %8s %-4s %-28s %s%n";

    private QueueTable() {
    }

    static String render(JsonNode queue) {
        StringBuilder text = new StringBuilder();
        text.append(String.format("%d message(s), %d held, %d deferred recipient(s), oldest %s%n",
                queue.path("depth").asInt(), queue.path("held").asInt(), queue.path("deferredRecipients").asInt(),
                age(queue.path("oldestAgeSeconds").asLong())));
        JsonNode hour = queue.path("lastHour");
        text.append(String.format("last hour: %d delivered, %d deferred, %d bounced%n", hour.path("delivered").asLong(),
                hour.path("deferred").asLong(), hour.path("bounced").asLong()));
        JsonNode error = queue.path("lastError");
        if (error.isObject()) {
            text.append(String.format("last error: %s (%s, %s)%n", error.path("reply").asText(),
                    error.path("nextHop").asText(), error.path("at").asText()));
        }
        if (queue.path("messages").isEmpty()) {
            return text.toString().stripTrailing();
        }
        text.append(String.format("%n" + ROW, "ID", "SIZE", "AGE", "ATTEMPTS", "HELD", "SENDER", "RECIPIENTS"));
        for (JsonNode message : queue.path("messages")) {
            StringBuilder recipients = new StringBuilder();
            message.path("recipients").forEach(r -> recipients.append(recipients.isEmpty() ? "" : ",").append(r.asText()));
            String sender = message.path("sender").asText();
            text.append(String.format(ROW, message.path("id").asText(), message.path("size").asLong(),
                    age(message.path("ageSeconds").asLong()), message.path("attempts").asInt(),
                    message.path("held").asBoolean() ? "yes" : "", sender.isEmpty() ? "<>" : sender, recipients));
            if (message.hasNonNull("lastReply")) {
                text.append("    ").append(message.path("lastReply").asText()).append('\n');
            }
            if (message.hasNonNull("waiting")) {
                text.append("    waiting: ").append(message.path("waiting").asText()).append('\n');
            }
        }
        return text.toString().stripTrailing();
    }

    static String result(JsonNode answer) {
        return answer.has("id") ? answer.path("id").asText() + ": " + answer.path("result").asText()
                : answer.path("result").asText();
    }

    private static String age(long seconds) {
        return Durations.formatAge(seconds);
    }
}
