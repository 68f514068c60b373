package io.mailrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The receiving side of a hand-off (handOff.usersFile): the peer user is an authenticated user that is exempt from
 * the per-client message rate and sender restrictions, and alice, an ordinary authenticated user, is held to both
 * (the self-loop rule, both sides: RelayHandOffIT). A peer user is checked against its own file only.
 */
@Tag("smtp")
class RelayHandOffPeerSmtpTest {
    private static final String PEER = "mailrelay-peer";
    private static final String PEER_PASSWORD = "peer-Pa55-word";

    private static RelayFixture relay;

    @BeforeAll
    static void start() throws Exception {
        RelayFixture.Builder builder = RelayFixture.builder();
        Path dir = builder.dir();
        Path users = Files.writeString(dir.resolve("peer-users"), RelayFixture.userLine(PEER, PEER_PASSWORD));
        Path username = Files.writeString(dir.resolve("peer-username"), PEER + "\n");
        Path password = Files.writeString(dir.resolve("peer-password"), PEER_PASSWORD + "\n");
        // alice's users file also lists the peer's name, with another password: that entry must not make a peer
        Path aliceUsers = Files.writeString(dir.resolve("users"), RelayFixture.userLine(RelayFixture.USER,
                RelayFixture.PASSWORD) + RelayFixture.userLine(PEER, "alices-idea-of-the-peer"));
        relay = builder.usersFile(aliceUsers).extraYaml("""
                handOff: {usersFile: %s, usernameFile: %s, passwordFile: %s}
                limits: {maxMessagesPerClientPerMinute: 2}
                senderRestrictions: {allowedSenderDomains: [client.test]}
                """.formatted(users, username, password)).start();
    }

    @AfterAll
    static void stop() {
        relay.close();
    }

    private static RawSmtp as(String user, String password) {
        RawSmtp smtp = relay.connectOverTls(RelayFixture.OUTSIDE_CLIENT);
        smtp.command("EHLO client.test");
        String auth = smtp.command("AUTH PLAIN " + Base64.getEncoder().encodeToString(
                ("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8)));
        assertThat(auth).as("AUTH of %s", user).startsWith("235");
        return smtp;
    }

    @Test
    void thePeerUserIsExemptFromSenderRestrictionsAndAliceIsNot() {
        try (RawSmtp alice = as(RelayFixture.USER, RelayFixture.PASSWORD);
                RawSmtp peer = as(PEER, PEER_PASSWORD)) {
            alice.command("MAIL FROM:<>");
            assertThat(alice.command("RCPT TO:<bob@remote.test>")).startsWith("553 5.7.1");
            peer.command("MAIL FROM:<>"); // a bounce the sibling spooled: its null sender travels as it is
            assertThat(peer.command("RCPT TO:<bob@remote.test>")).startsWith("250");
        }
    }

    @Test
    void thePeerUserIsExemptFromThePerClientRateAndAliceIsNot() {
        List<String> aliceReplies = new ArrayList<>();
        List<String> peerReplies = new ArrayList<>();
        try (RawSmtp alice = as(RelayFixture.USER, RelayFixture.PASSWORD)) {
            for (int i = 0; i < 3; i++) {
                aliceReplies.add(alice.command("MAIL FROM:<a@client.test>"));
                alice.command("RSET");
            }
        }
        try (RawSmtp peer = as(PEER, PEER_PASSWORD)) {
            for (int i = 0; i < 5; i++) {
                peerReplies.add(peer.command("MAIL FROM:<a@client.test>"));
                peer.command("RSET");
            }
        }
        System.out.printf("per-client rate 2/min from one address: alice %s, peer %s%n", aliceReplies, peerReplies);
        assertThat(aliceReplies.get(2)).startsWith("450 4.7.1");
        assertThat(peerReplies).allMatch(reply -> reply.startsWith("250"));
    }

    @Test
    void aUsersFileEntryWithThePeersNameIsNotThePeer() {
        try (RawSmtp smtp = relay.connectOverTls(RelayFixture.OUTSIDE_CLIENT)) {
            smtp.command("EHLO client.test");
            assertThat(smtp.command("AUTH PLAIN " + Base64.getEncoder().encodeToString(
                    ("\0" + PEER + "\0alices-idea-of-the-peer").getBytes(StandardCharsets.UTF_8)))).startsWith("535");
        }
    }
}
