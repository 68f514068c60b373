package io.mailrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** SMTP AUTH after STARTTLS: the password check runs on a worker, never on a Netty event loop. */
@Tag("smtp")
class RelayAuthSmtpTest {
    /** Written with capitals in the users file: the name must be typed exactly so. */
    private static final String MIXED_CASE_USER = "Bob.Smith";
    private static final String MIXED_CASE_PASSWORD = "bob-Pa55word";

    private static RelayFixture relay;

    @BeforeAll
    static void start() throws Exception {
        RelayFixture.Builder builder = RelayFixture.builder();
        Path users = builder.dir().resolve("users-mixed-case");
        Files.writeString(users, RelayFixture.userLine(RelayFixture.USER, RelayFixture.PASSWORD)
                + RelayFixture.userLine(MIXED_CASE_USER, MIXED_CASE_PASSWORD));
        relay = builder.usersFile(users).start();
    }

    @AfterAll
    static void stop() {
        relay.close();
    }

    private static RawSmtp overTls(RelayFixture relay, String client) {
        RawSmtp smtp = relay.connectOverTls(client);
        assertThat(smtp.command("EHLO client.test")).contains("AUTH LOGIN PLAIN");
        return smtp;
    }

    private static RawSmtp overTls(String client) {
        return overTls(relay, client);
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void passwordCheckRunsOnAnAuthWorkerWhileEveryEventLoopKeepsServing() throws InterruptedException {
        HeldPasswordChecks checks = new HeldPasswordChecks();
        List<RawSmtp> others = new ArrayList<>();
        try (RelayFixture held = RelayFixture.builder().authAccess(checks).start();
                RawSmtp authing = overTls(held, RelayFixture.OUTSIDE_CLIENT)) {
            // connections are spread round-robin over the event loops: with more sessions than loops, at
            // least one of them shares the authenticating session's loop
            int sessions = 2 * Math.max(2, Runtime.getRuntime().availableProcessors()) + 1;
            for (int i = 0; i < sessions; i++) {
                others.add(held.connect("127.0.0." + (30 + i)));
            }
            authing.send("AUTH PLAIN " + RelayFixture.plain(RelayFixture.USER, RelayFixture.PASSWORD) + "\r\n");

            // the check is in progress on an auth worker, held there until released
            String checker = checks.awaitCheck(Duration.ofSeconds(30));
            assertThat(checker).startsWith("relay-auth-").doesNotContain("EventLoop");
            // had the check taken an event loop, the session sharing that loop would not be answered now
            for (RawSmtp other : others) {
                assertThat(other.command("NOOP")).startsWith("250");
            }
            checks.release();
            assertThat(authing.reply()).isEqualTo("235 2.7.0 Authentication successful");
        } finally {
            checks.release();
            others.forEach(RawSmtp::close);
        }
    }

    @Test
    void commandsPipelinedBehindAuthWaitForItsOutcome() {
        try (RawSmtp smtp = overTls("127.0.0.21")) {
            // RCPT to an external domain is allowed only if AUTH was fully applied before it is read
            smtp.send("AUTH PLAIN " + RelayFixture.plain(RelayFixture.USER, RelayFixture.PASSWORD) + "\r\n"
                    + "MAIL FROM:<alice@inside.test>\r\nRCPT TO:<customer@external.test>\r\n");
            assertThat(smtp.reply()).isEqualTo("235 2.7.0 Authentication successful");
            assertThat(smtp.reply()).startsWith("250 2.1.0");
            assertThat(smtp.reply()).startsWith("250 2.1.5");
        }
    }

    @Test
    void authLoginSucceedsAndAWrongPasswordIsRefused() {
        try (RawSmtp smtp = overTls("127.0.0.22")) {
            assertThat(smtp.command("AUTH LOGIN")).startsWith("334");
            assertThat(smtp.command(base64(RelayFixture.USER))).startsWith("334");
            assertThat(smtp.command(base64("wrong"))).startsWith("535 5.7.8");
            assertThat(smtp.command("AUTH LOGIN " + base64(RelayFixture.USER))).startsWith("334");
            assertThat(smtp.command(base64(RelayFixture.PASSWORD))).isEqualTo("235 2.7.0 Authentication successful");
            assertThat(smtp.command("MAIL FROM:<alice@inside.test>")).startsWith("250");
            assertThat(smtp.command("RCPT TO:<customer@external.test>")).startsWith("250 2.1.5");
        }
    }

    @Test
    void unknownUserAndOtherMechanismsDoNotAuthenticate() {
        try (RawSmtp smtp = overTls("127.0.0.23")) {
            assertThat(smtp.command("AUTH PLAIN " + RelayFixture.plain("mallory", RelayFixture.PASSWORD))).startsWith("535 5.7.8");
            assertThat(smtp.command("AUTH XOAUTH2 " + base64("user=alice\u0001auth=Bearer x\u0001\u0001"))).matches("5\\d\\d .*");
            assertThat(smtp.command("AUTH CRAM-MD5")).matches("5\\d\\d .*");
            assertThat(smtp.command("MAIL FROM:<a@outside.test>")).startsWith("250");
            assertThat(smtp.command("RCPT TO:<victim@external.test>")).startsWith("554 5.7.1");
        }
    }

    /** James' Username lowercases names; the users file is matched as written, in PLAIN and in LOGIN. */
    @Test
    void aMixedCaseUserLogsInAsWrittenAndAnotherCaseIsRefused() {
        try (RawSmtp smtp = overTls("127.0.0.24")) {
            assertThat(smtp.command("AUTH PLAIN " + RelayFixture.plain("bob.smith", MIXED_CASE_PASSWORD)))
                    .startsWith("535 5.7.8");
            assertThat(smtp.command("AUTH LOGIN " + base64("BOB.SMITH"))).startsWith("334");
            assertThat(smtp.command(base64(MIXED_CASE_PASSWORD))).startsWith("535 5.7.8");
            assertThat(smtp.command("MAIL FROM:<bob@inside.test>")).startsWith("250");
            assertThat(smtp.command("RCPT TO:<customer@external.test>")).startsWith("554 5.7.1");
        }
        try (RawSmtp smtp = overTls("127.0.0.25")) {
            assertThat(smtp.command("AUTH LOGIN")).startsWith("334");
            assertThat(smtp.command(base64(MIXED_CASE_USER))).startsWith("334");
            assertThat(smtp.command(base64(MIXED_CASE_PASSWORD))).isEqualTo("235 2.7.0 Authentication successful");
            assertThat(smtp.command("MAIL FROM:<bob@inside.test>")).startsWith("250");
            assertThat(smtp.command("RCPT TO:<customer@external.test>")).startsWith("250 2.1.5");
            assertThat(smtp.command("DATA")).startsWith("354");
            assertThat(smtp.command("Subject: mixed-case-user\r\n\r\nhi\r\n.")).startsWith("250 2.0.0");
        }
        assertThat(relay.spool.messages()).filteredOn(m -> m.text().contains("Subject: mixed-case-user")).singleElement()
                .satisfies(m -> assertThat(m.envelope().authenticatedUser()).isEqualTo(MIXED_CASE_USER));
        try (RawSmtp smtp = overTls("127.0.0.26")) {
            assertThat(smtp.command("AUTH PLAIN " + RelayFixture.plain(MIXED_CASE_USER, MIXED_CASE_PASSWORD)))
                    .isEqualTo("235 2.7.0 Authentication successful");
        }
    }

    /** RFC 4616: an authorization identity other than the user is not honoured; "*" aborts an exchange. */
    @Test
    void foreignAuthorizationIdentityAndAbortedExchangesDoNotAuthenticate() {
        try (RawSmtp smtp = overTls("127.0.0.27")) {
            String asSomeoneElse = Base64.getEncoder().encodeToString(("postmaster\0" + RelayFixture.USER + "\0"
                    + RelayFixture.PASSWORD).getBytes(StandardCharsets.UTF_8));
            assertThat(smtp.command("AUTH PLAIN " + asSomeoneElse)).startsWith("501 5.5.2");
            assertThat(smtp.command("AUTH PLAIN")).startsWith("334");
            assertThat(smtp.command("*")).startsWith("501 5.7.0");
            assertThat(smtp.command("AUTH LOGIN")).startsWith("334");
            assertThat(smtp.command(base64(RelayFixture.USER))).startsWith("334");
            assertThat(smtp.command("*")).startsWith("501 5.7.0");
            assertThat(smtp.command("AUTH PLAIN")).startsWith("334");
            assertThat(smtp.command(RelayFixture.plain(RelayFixture.USER, RelayFixture.PASSWORD)))
                    .isEqualTo("235 2.7.0 Authentication successful");
            assertThat(smtp.command("AUTH PLAIN " + RelayFixture.plain(RelayFixture.USER, RelayFixture.PASSWORD)))
                    .startsWith("503");
        }
    }
}
