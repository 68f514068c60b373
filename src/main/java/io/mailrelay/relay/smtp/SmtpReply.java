package io.mailrelay.relay.smtp;

import org.apache.james.protocols.api.Response;

/**
 * The relay's SMTP replies, each written once: RFC 5321 code and RFC 3463 enhanced status with its text (as
 * James' {@code SMTPRetCode} and {@code DSNStatus} catalogue theirs). A reply that carries a value (a recipient, a
 * limit, a queue id, a client address) has {@code %s}/{@code %d} in its text, filled in where it is sent
 * ({@link #text(Object...)}); the wording follows Postfix's, which is what administrators search for.
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
    /** MAIL FROM of a senderLogins user that the login map does not give it (Postfix reject_sender_login_mismatch). */
    SENDER_LOGIN_MISMATCH("553", "5.7.1 Sender address rejected: not owned by the authenticated user"),
    RECIPIENT_OK("250", "2.1.5 Ok"),

    QUEUED("250", "2.0.0 Ok: queued as %s"),
    TOO_MANY_CONNECTIONS_FROM("421", "4.3.2 Too many connections from %s, try again later"),
    TOO_MANY_MESSAGES_FROM("450", "4.7.1 Error: too many messages from %s, slow down"),
    AUTH_UNDECODABLE("501", "5.5.2 Could not decode parameters for AUTH %s"),
    LINE_TOO_LONG("500", "5.5.2 Error: line too long (limit %d octets including CRLF)"),
    DATA_LINE_TOO_LONG("554", "5.6.0 Error: message line too long (limit %d octets including CRLF)"),
    MESSAGE_TOO_BIG("552", "5.3.4 Error: message file too big (limit %d octets)"),
    TOO_MANY_RECIPIENTS("452", "4.5.3 Error: too many recipients"),
    /** recipient, then the next hop it would loop through */
    MAIL_LOOP("554", "5.4.6 <%s>: Recipient address rejected: mail for %s loops back to myself"),
    SENDER_NOT_ALLOWED("553", "5.7.1 <%s>: Sender address rejected: not allowed to relay"),
    UNKNOWN_RELAY_RECIPIENT("550", "5.1.1 <%s>: Recipient address rejected: User unknown in relay recipient table"),
    RELAY_DENIED("554", "5.7.1 <%s>: Relay access denied"),
    /** the recipient check (callout) was answered with a permanent refusal */
    UNKNOWN_RECIPIENT("550", "5.1.1 <%s>: Recipient address rejected: User unknown"),
    UNVERIFIED_RECIPIENT("450", "4.1.1 <%s>: Recipient address rejected: unverified address, try again later"),
    UNVERIFIABLE_RECIPIENT("451", "4.4.3 <%s>: Recipient address rejected: cannot verify the address now, try again"
            + " later");

    /** The three-digit reply code. */
    public final String code;
    /** The enhanced status code and text, what James calls the description. */
    public final String text;

    SmtpReply(String code, String text) {
        this.code = code;
        this.text = text;
    }

    /** The enhanced status and text with its values filled in. */
    public String text(Object... values) {
        return values.length == 0 ? text : text.formatted(values);
    }

    /** The reply line as written on the wire, without CRLF. */
    public String line(Object... values) {
        return code + " " + text(values);
    }

    Response response(Object... values) {
        return Replies.reply(code, text(values));
    }

    /** The reply, after which the server closes the connection. */
    Response closing() {
        return Replies.closing(code, text);
    }
}
