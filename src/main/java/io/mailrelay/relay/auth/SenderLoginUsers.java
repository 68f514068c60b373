package io.mailrelay.relay.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import io.mailrelay.config.SenderLoginMaps;

/**
 * relay.yaml {@code senderLogins}: users that may AUTH and relay, each only with the envelope senders the login map
 * gives it (Postfix smtpd_sender_login_maps + reject_sender_login_mismatch). Loaded from both files at once, so that a
 * user and its senders change together.
 */
public record SenderLoginUsers(PasswordFile users, SenderLoginMaps owners) {

    /** @throws IllegalArgumentException naming the file and line when either is not in its format */
    public static SenderLoginUsers load(Path usersFile, Path loginMapsFile) throws IOException {
        PasswordFile users;
        try {
            users = PasswordFile.loadAllowingEmpty(usersFile);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(usersFile + ": " + e.getMessage(), e);
        }
        try {
            return new SenderLoginUsers(users,
                    SenderLoginMaps.parse(Files.readString(loginMapsFile, StandardCharsets.UTF_8)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(loginMapsFile + ": " + e.getMessage(), e);
        }
    }

    /** Whether {@code user} is listed now and owns {@code sender} ("" for the null sender: never). */
    public boolean mayUse(String user, String sender) {
        return users.hasUser(user) && owners.owns(user, sender);
    }
}
