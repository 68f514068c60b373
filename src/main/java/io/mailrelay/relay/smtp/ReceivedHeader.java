package io.mailrelay.relay.smtp;

import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

import io.mailrelay.relay.spool.Envelope;

/** The trace header the relay prepends to every message it accepts (RFC 5321 section 4.4). */
final class ReceivedHeader {
    private ReceivedHeader() {
    }

    static byte[] render(Envelope envelope, String byHost, String protocol, String id) {
        StringBuilder header = new StringBuilder("Received: from ")
                .append(sanitize(envelope.heloName() == null || envelope.heloName().isBlank() ? "unknown" : envelope.heloName()))
                .append(" ([").append(envelope.clientAddress()).append("])\r\n")
                .append("\tby ").append(byHost).append(" (mailrelay) with ").append(protocol)
                .append(" id ").append(id);
        if (envelope.recipients().size() == 1) {
            header.append("\r\n\tfor <").append(sanitize(envelope.recipients().get(0))).append(">");
        }
        header.append("; ").append(DateTimeFormatter.RFC_1123_DATE_TIME.format(
                ZonedDateTime.ofInstant(envelope.receivedAt(), java.time.ZoneOffset.UTC))).append("\r\n");
        return header.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** Client-supplied text must not break the header: printable ASCII only, no parentheses or brackets. */
    private static String sanitize(String text) {
        StringBuilder clean = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            clean.append(c > ' ' && c < 127 && c != '(' && c != ')' && c != '<' && c != '>' ? c : '_');
        }
        return clean.toString();
    }
}
