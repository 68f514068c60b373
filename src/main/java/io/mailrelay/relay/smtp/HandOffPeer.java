package io.mailrelay.relay.smtp;

import java.util.function.Predicate;
import java.util.function.Supplier;

import org.apache.james.protocols.smtp.SMTPSession;

import io.mailrelay.relay.auth.PasswordFile;

/**
 * The replica-to-replica hand-off user ({@code handOff.usersFile}): a sibling replica forwarding its queue. A session
 * authenticated as one is an authenticated user (relay rule 3) that is exempt from the mail-loop rule (all replicas
 * share their hostname), from the per-client message rate and from sender restrictions (the forwarded mail already
 * passed them where it was accepted). Hop counting still applies.
 */
final class HandOffPeer implements Predicate<String> {
    static final HandOffPeer NONE = new HandOffPeer(null);

    private final Supplier<PasswordFile> users;

    /** @param users the peer users file in force (reloaded), null when handOff is not configured */
    HandOffPeer(Supplier<PasswordFile> users) {
        this.users = users;
    }

    @Override
    public boolean test(String user) {
        return users != null && user != null && users.get().hasUser(user);
    }

    boolean session(SMTPSession session) {
        return test(SessionFacts.authenticatedUser(session));
    }
}
