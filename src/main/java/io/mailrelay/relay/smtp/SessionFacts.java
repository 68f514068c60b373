package io.mailrelay.relay.smtp;

import java.net.InetAddress;

import org.apache.james.core.MaybeSender;
import org.apache.james.core.Username;
import org.apache.james.protocols.api.ProtocolSession.AttachmentKey;
import org.apache.james.protocols.api.ProtocolSession.State;
import org.apache.james.protocols.smtp.SMTPSession;

/** What the relay needs to know about a session, read from James' session in one place. */
final class SessionFacts {
    private static final AttachmentKey<String> USER = AttachmentKey.of("mailrelay.user", String.class);
    private static final AttachmentKey<Boolean> SENDER_BOUND = AttachmentKey.of("mailrelay.senderBound", Boolean.class);
    private static final AttachmentKey<Boolean> FROM_OUTSIDER = AttachmentKey.of("mailrelay.fromOutsider", Boolean.class);

    private SessionFacts() {
    }

    /** The client address: the PROXY header's source when PROXY protocol is on. */
    static InetAddress clientAddress(SMTPSession session) {
        return session.getRemoteAddress().getAddress();
    }

    static String clientIp(SMTPSession session) {
        return clientAddress(session).getHostAddress();
    }

    static String helo(SMTPSession session) {
        return session.getAttachment(SMTPSession.CURRENT_HELO_NAME, State.Connection).orElse("");
    }

    static String sender(SMTPSession session) {
        return session.getAttachment(SMTPSession.SENDER, State.Transaction)
                .map(SessionFacts::sender).orElse("");
    }

    static String sender(MaybeSender sender) {
        return sender.isNullSender() ? "" : sender.get().asString();
    }

    static boolean authenticated(SMTPSession session) {
        return session.getUsername() != null;
    }

    /** The user name exactly as the client wrote it and the users file lists it, or null. */
    static String authenticatedUser(SMTPSession session) {
        return session.getAttachment(USER, State.Connection).orElse(null);
    }

    /**
     * Marks the session authenticated. James' {@code Username} lowercases the name, so the name as written
     * is kept beside it for the envelope and the logs.
     */
    static void authenticated(SMTPSession session, String user) {
        session.setUsername(Username.of(user));
        session.setAttachment(USER, user, State.Connection);
        session.setRelayingAllowed(true);
    }

    /**
     * Marks the session's user as one of senderLogins' users: it stays bound for the whole session, also when its
     * line leaves the file (a revoked credential sends nothing more, rather than anything).
     */
    static void senderBound(SMTPSession session) {
        session.setAttachment(SENDER_BOUND, true, State.Connection);
    }

    static boolean isSenderBound(SMTPSession session) {
        return session.getAttachment(SENDER_BOUND, State.Connection).orElse(false);
    }

    /** A recipient of this transaction was accepted from a client that may not relay (so for a local domain). */
    static void acceptedFromOutsider(SMTPSession session) {
        session.setAttachment(FROM_OUTSIDER, true, State.Transaction);
    }

    static boolean fromOutsider(SMTPSession session) {
        return session.getAttachment(FROM_OUTSIDER, State.Transaction).orElse(false);
    }
}
