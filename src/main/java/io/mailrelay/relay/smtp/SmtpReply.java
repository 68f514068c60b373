package io.mailrelay.relay.smtp;

import org.apache.james.protocols.api.Response;

/**
 * The relay's fixed SMTP replies, each written once: RFC 5321 code and RFC 3463 enhanced status with its text (as
 * James' {@code SMTPRetCode} and {@code DSNStatus} catalogue theirs). Replies that carry a value (a recipient, a
 * limit, a queue id) are built with {@link Replies} where they are sent.
 */
public enum SmtpReply {
    /** The relay is stopping: to new connections, to idle sessions and to a new MAIL FROM. */
    SHUTTING_DOWN("421", "4.3.2 Service shutting down, try again later"),
    TOO_MANY_CONNECTIONS("421", "4.3.2 Too many connections, try again later"),
    TOO_MANY_MESSAGES_IN_PROGRESS("421", "4.3.2 Too many messages in progress, try again later"),
    TOO_MANY_ERRORS("421", "4.7.0 Error: too many errors"),
    TIMEOUT("421", "4.4.2 Error: timeout exceeded"),
    AUTH_LOCKED_OUT("421", "4.7.0 Too many authentication failures, try again later"),
    ENCRYPTION_REQUIRED("538", "5.7.11 Encryption required for requested authentication mechanism"),
    AUTH_SUCCEEDED("235", "2.7.0 Authentication successful"),
    AUTH_FAILED("535", "5.7.8 Error: authentication failed"),
    AUTH_TEMPORARY_FAILURE("454", "4.7.0 Temporary authentication failure"),
    AUTH_ABORTED("501", "5.7.0 Authentication aborted"),
    BARE_LF_IN_COMMAND("500", "5.5.2 Error: bare <LF> or <CR> received, lines must end with <CR><LF>"),
    BARE_LF_IN_DATA("554", "5.6.0 Error: bare <LF> or <CR> in message data, lines must end with <CR><LF>"),
    COMMAND_LINE_TOO_LONG("500", "5.5.2 Error: command line too long (limit " + Lines.MAX_COMMAND_LINE + " octets)"),
    TOO_MANY_HOPS("554", "5.4.6 Too many hops"),
    QUEUE_WRITE_ERROR("451", "4.3.0 Error: queue file write error"),
    INSUFFICIENT_STORAGE("452", "4.3.1 Insufficient system storage"),
    RECIPIENT_OK("250", "2.1.5 Ok");

    /** The three-digit reply code. */
    public final String code;
    /** The enhanced status code and text, what James calls the description. */
    public final String text;

    SmtpReply(String code, String text) {
        this.code = code;
        this.text = text;
    }

    /** The reply line as written on the wire, without CRLF. */
    public String line() {
        return code + " " + text;
    }

    Response response() {
        return Replies.reply(code, text);
    }

    /** The reply, after which the server closes the connection. */
    Response closing() {
        return Replies.closing(code, text);
    }
}
