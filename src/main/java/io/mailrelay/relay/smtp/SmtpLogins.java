package io.mailrelay.relay.smtp;

import java.util.function.Supplier;

import io.mailrelay.config.RelayConfig;
import io.mailrelay.relay.auth.PasswordFile;
import io.mailrelay.relay.auth.SenderLoginUsers;

/**
 * Who may AUTH: the users of {@code authentication.usersFile}, the sender-bound users of
 * {@code senderLogins.usersFile} and the hand-off peer users of {@code handOff.usersFile}, each with its own TLS rule.
 * A sender-bound or peer user is checked against its own file only, so a users-file entry of the same name never
 * becomes either; a name in the sender-bound file is sender-bound (the stricter), whatever else lists it.
 */
final class SmtpLogins {
    private final Supplier<PasswordFile> users;
    private final boolean usersWithoutTls;
    private final Supplier<PasswordFile> peers;
    private final boolean peersWithoutTls;
    private final HandOffPeer peer;
    private final Supplier<SenderLoginUsers> bound;
    private final boolean boundWithoutTls;

    /** @param users null without authentication; @param peers null without handOff */
    SmtpLogins(RelayConfig config, Supplier<PasswordFile> users, Supplier<PasswordFile> peers) {
        this(config, users, peers, null);
    }

    /** @param bound null without senderLogins */
    SmtpLogins(RelayConfig config, Supplier<PasswordFile> users, Supplier<PasswordFile> peers,
            Supplier<SenderLoginUsers> bound) {
        this.bound = bound;
        this.boundWithoutTls = config.senderLogins() != null && config.senderLogins().allowWithoutTls();
        this.users = users;
        this.usersWithoutTls = config.authentication() != null && config.authentication().allowWithoutTls();
        this.peers = peers;
        this.peersWithoutTls = config.handOff() != null && config.handOff().allowWithoutTls();
        this.peer = peers == null ? HandOffPeer.NONE : new HandOffPeer(peers);
    }

    /** Whether AUTH exists at all (announced, accepted). */
    static boolean offered(RelayConfig config) {
        return config.authentication() != null || config.handOff() != null || config.senderLogins() != null;
    }

    /** Whether some user may AUTH before STARTTLS: then AUTH is announced without TLS. */
    static boolean anyWithoutTls(RelayConfig config) {
        return (config.authentication() != null && config.authentication().allowWithoutTls())
                || (config.handOff() != null && config.handOff().allowWithoutTls())
                || (config.senderLogins() != null && config.senderLogins().allowWithoutTls());
    }

    boolean withoutTls(String user) {
        if (senderBound(user)) {
            return boundWithoutTls;
        }
        return peer.test(user) ? peersWithoutTls : usersWithoutTls;
    }

    /** Whether {@code user} is one of senderLogins' users now: MAIL FROM must then be one of its own senders. */
    boolean senderBound(String user) {
        return bound != null && user != null && bound.get().users().hasUser(user);
    }

    /** senderLogins as in force now; null without it. */
    Supplier<SenderLoginUsers> senderLogins() {
        return bound;
    }

    HandOffPeer peer() {
        return peer;
    }

    /** One bcrypt check whoever the user is (an unknown one against the file's most expensive hash). */
    boolean verify(String user, String password) {
        if (senderBound(user)) {
            return bound.get().users().verify(user, password);
        }
        if (peer.test(user)) {
            return peers.get().verify(user, password);
        }
        if (users != null) {
            return users.get().verify(user, password);
        }
        return (bound != null ? bound.get().users() : peers.get()).verify(user, password);
    }
}
