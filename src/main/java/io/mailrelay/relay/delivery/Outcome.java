package io.mailrelay.relay.delivery;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The result of one attempt for one recipient.
 *
 * @param kind delivered, temporary (retry) or permanent (bounce)
 * @param reply the SMTP reply or a description of what failed, in SMTP reply form ("451 4.4.1 ...")
 */
public record Outcome(Kind kind, String reply) {

    private static final Pattern ENHANCED_STATUS = Pattern.compile("^\\d{3}[ -]([245]\\.\\d{1,3}\\.\\d{1,3})\\b");

    public enum Kind { DELIVERED, TEMPORARY, PERMANENT }

    public Outcome {
        Objects.requireNonNull(kind, "kind");
        reply = reply == null ? "" : reply.strip();
    }

    public static Outcome temporary(String reply) {
        return new Outcome(Kind.TEMPORARY, reply);
    }

    public static Outcome permanent(String reply) {
        return new Outcome(Kind.PERMANENT, reply);
    }

    /** Classifies a server reply by its first digit: 2 delivered, 5 permanent, anything else temporary. */
    public static Outcome fromReply(int code, String reply) {
        if (code >= 200 && code < 300) {
            return new Outcome(Kind.DELIVERED, reply);
        }
        return new Outcome(code >= 500 && code < 600 ? Kind.PERMANENT : Kind.TEMPORARY, reply);
    }

    /** The RFC 3463 status of the reply ("5.1.1"), or a generic one for the kind. */
    public String enhancedStatus() {
        Matcher matcher = ENHANCED_STATUS.matcher(reply);
        if (matcher.find()) {
            return matcher.group(1);
        }
        return switch (kind) {
            case DELIVERED -> "2.0.0";
            case TEMPORARY -> "4.0.0";
            case PERMANENT -> "5.0.0";
        };
    }
}
