package io.mailrelay.probe;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One step of an SMTP conversation: the command sent (null for the banner, which comes unasked) and
 * the reply received, or the error that took its place.
 *
 * @param sent the command line without CRLF, or null for the greeting banner
 * @param replyCode the three-digit reply code, or 0 when there was no reply
 * @param reply the reply lines as received (code included)
 * @param error what went wrong instead of a reply (timeout, closed connection, TLS failure), or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Exchange(String sent, int replyCode, List<String> reply, String error) {

    public Exchange {
        reply = List.copyOf(reply);
    }

    static Exchange replied(String sent, int code, List<String> reply) {
        return new Exchange(sent, code, reply, null);
    }

    static Exchange failed(String sent, String error) {
        return new Exchange(sent, 0, List.of(), error);
    }

    public boolean hasReply() {
        return replyCode != 0;
    }

    /** 2xx */
    public boolean positive() {
        return replyCode >= 200 && replyCode < 300;
    }

    /** 4xx */
    public boolean transientNegative() {
        return replyCode >= 400 && replyCode < 500;
    }

    /** 5xx */
    public boolean permanentNegative() {
        return replyCode >= 500 && replyCode < 600;
    }
}
