package io.mailrelay.relay.smtp;

import org.apache.james.protocols.api.Response;
import org.apache.james.protocols.smtp.SMTPResponse;

/** SMTP replies with enhanced status codes (RFC 3463). */
final class Replies {
    private Replies() {
    }

    static Response reply(String code, String text) {
        return new SMTPResponse(code, text);
    }

    /** A reply after which the server closes the connection. */
    static Response closing(String code, String text) {
        SMTPResponse response = new SMTPResponse(code, text);
        response.setEndSession(true);
        return response;
    }

    /** The reply as the client reads it, lines joined with " / ". */
    static String text(Response response) {
        return String.join(" / ", response.getLines());
    }

    static boolean isError(Response response) {
        String code = response.getRetCode();
        return code != null && (code.startsWith("4") || code.startsWith("5"));
    }
}
