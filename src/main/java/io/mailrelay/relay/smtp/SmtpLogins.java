package io.mailrelay.relay.smtp;

import java.util.function.Supplier;

import io.mailrelay.config.RelayConfig;
import io.mailrelay.relay.auth.PasswordFile;

/**
 * Who may AUTH: the users of {@code authentication.usersFile} and the hand-off peer users of
 * {@code handOff.usersFile}, each with its own TLS rule. A peer user is checked against its own file only, so a
 * users-file entry of the same name never becomes the peer.
 */
final class SmtpLogins {
    private final Supplier<PasswordFile> users;
    private final boolean usersWithoutTls;
    private final Supplier<PasswordFile> peers;
    private final boolean peersWithoutTls;
    private final HandOffPeer peer;

    /** @param users null without authentication; @param peers null without handOff */
    SmtpLogins(RelayConfig config, Supplier<PasswordFile> users, Supplier<PasswordFile> peers) {
        this.users = users;
        this.usersWithoutTls = config.authentication() != null && config.authentication().allowWithoutTls();
        this.peers = peers;
        this.peersWithoutTls = config.handOff() != null && config.handOff().allowWithoutTls();
        this.peer = peers == null ? HandOffPeer.NONE : new HandOffPeer(peers);
    }

    /** Whether AUTH exists at all (announced, accepted). */
    static boolean offered(RelayConfig config) {
        return config.authentication() != null || config.handOff() != null;
    }

    /** Whether some user may AUTH before STARTTLS: then AUTH is announced without TLS. */
    static boolean anyWithoutTls(RelayConfig config) {
        return (config.authentication() != null && config.authentication().allowWithoutTls())
                || (config.handOff() != null && config.handOff().allowWithoutTls());
    }

    boolean withoutTls(String user) {
        return peer.test(user) ? peersWithoutTls : usersWithoutTls;
    }

    HandOffPeer peer() {
        return peer;
    }

    /** One bcrypt check whoever the user is (an unknown one against the file's most expensive hash). */
    boolean verify(String user, String password) {
        if (peer.test(user)) {
            return peers.get().verify(user, password);
        }
        return (users != null ? users : peers).get().verify(user, password);
    }
}
