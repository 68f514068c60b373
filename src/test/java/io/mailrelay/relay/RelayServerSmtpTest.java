package io.mailrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.mailrelay.testing.CapturedLog;
import io.mailrelay.testing.Exec;
import io.mailrelay.testing.Swaks;

/** The relay rule end to end, with swaks and a raw-socket client, from allowed and outside addresses. */
@Tag("smtp")
class RelayServerSmtpTest {
    private static final String LOGGED_CLIENT = "127.0.0.31";
    private static RelayFixture relay;

    @BeforeAll
    static void start() {
        relay = RelayFixture.start();
    }

    @AfterAll
    static void stop() {
        relay.close();
    }

    private static Exec.Result swaks(String from, String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--local-interface";
        all[1] = from;
        System.arraycopy(args, 0, all, 2, args.length);
        return Swaks.send("127.0.0.1", relay.port(), all);
    }

    @Test
    void allowedNetworkMayRelayToAnExternalDomain() {
        int before = relay.spool.messages().size();
        swaks(RelayFixture.ALLOWED_CLIENT, "--from", "app@inside.test", "--to", "customer@external.test",
                "--header", "Subject: relayed").assertSuccess();

        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> relay.spool.messages().size() > before);
        InMemorySpool.Stored stored = relay.spool.messages().get(relay.spool.messages().size() - 1);
        assertThat(stored.envelope().recipients()).containsExactly("customer@external.test");
        assertThat(stored.envelope().clientAddress()).isEqualTo(RelayFixture.ALLOWED_CLIENT);
        assertThat(stored.text()).startsWith("Received: from client.test ([127.0.0.2])\r\n\tby relay.test (mailrelay) with ESMTP id ")
                .contains("\r\n\tfor <customer@external.test>; ")
                .contains("Subject: relayed");
        assertThat(stored.commitThread()).startsWith("relay-spool-");
    }

    @Test
    void outsideClientIsRefusedRelayToAnExternalDomain() {
        Exec.Result result = swaks(RelayFixture.OUTSIDE_CLIENT, "--from", "spammer@outside.test",
                "--to", "victim@external.test", "--quit-after", "RCPT");
        assertThat(result.exitCode()).isNotZero();
        assertThat(result.stdout()).contains("<** 554 5.7.1 <victim@external.test>: Relay access denied");
    }

    @Test
    void localDomainIsAcceptedFromBothSides() {
        for (String client : new String[] { RelayFixture.ALLOWED_CLIENT, RelayFixture.OUTSIDE_CLIENT }) {
            swaks(client, "--from", "someone@anywhere.test", "--to", "bob@LOCAL.test").assertSuccess();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = { "victim%external.test@local.test", "external.test!victim@local.test",
            "@local.test:victim@external.test", "\"victim@external.test\"@local.test", "\"victim%external.test\"@local.test",
            "victim@[192.0.2.1]", "victim@external.test@local.test", "postmaster@external.test", "abuse@external.test" })
    void routingTricksAreRefusedFromOutside(String recipient) {
        try (RawSmtp smtp = relay.connect(RelayFixture.OUTSIDE_CLIENT)) {
            assertThat(smtp.command("EHLO client.test")).startsWith("250");
            assertThat(smtp.command("MAIL FROM:<spammer@outside.test>")).startsWith("250 2.1.0");
            String reply = smtp.command("RCPT TO:<" + recipient + ">");
            assertThat(reply).matches("(554 5\\.7\\.1|553 5\\.1\\.3|501 5\\.1\\.3).*");
            assertThat(smtp.command("DATA")).startsWith("503");
        }
    }

    /**
     * RFC 5321 paths have no trailing dot; James' address parser refuses them before the policy runs, and
     * the relay keeps that (a local recipient would otherwise be handed on with a domain its target may
     * not know). From the allowed network too: it is a syntax error, not a relay decision.
     */
    @ParameterizedTest
    @CsvSource({ "127.0.0.2, bob@local.test.", "127.0.0.3, bob@local.test.", "127.0.0.3, bob@LOCAL.test.",
            "127.0.0.2, customer@external.test.", "127.0.0.3, victim@external.test." })
    void recipientWithATrailingDotIsASyntaxError(String client, String recipient) {
        try (RawSmtp smtp = relay.connect(client)) {
            smtp.command("EHLO client.test");
            assertThat(smtp.command("MAIL FROM:<app@inside.test>")).startsWith("250 2.1.0");
            assertThat(smtp.command("RCPT TO:<" + recipient + ">")).isEqualTo("553 5.1.3 Syntax error in recipient address");
            assertThat(smtp.command("DATA")).startsWith("503");
        }
    }

    @Test
    void senderWithATrailingDotIsASyntaxError() {
        try (RawSmtp smtp = relay.connect(RelayFixture.ALLOWED_CLIENT)) {
            smtp.command("EHLO client.test");
            assertThat(smtp.command("MAIL FROM:<app@inside.test.>")).startsWith("501 5.1.7");
        }
    }

    @Test
    void postmasterAtExternalDomainIsRefusedFromOutsideWithRelayDenied() {
        try (RawSmtp smtp = relay.connect(RelayFixture.OUTSIDE_CLIENT)) {
            smtp.command("EHLO client.test");
            smtp.command("MAIL FROM:<spammer@outside.test>");
            assertThat(smtp.command("RCPT TO:<postmaster@external.test>"))
                    .isEqualTo("554 5.7.1 <postmaster@external.test>: Relay access denied");
            assertThat(smtp.command("RCPT TO:<abuse@external.test>"))
                    .isEqualTo("554 5.7.1 <abuse@external.test>: Relay access denied");
        }
    }

    // What a hostile client leaves in the log: one line per refused recipient or command, with client,
    // reason and reply, and never a stack trace (a client's error is not the relay's). Every category is
    // captured, James' included.

    /** Everything logged about the commands, once the session ended. */
    private static List<String> logOf(String... commandsAndReplies) {
        try (CapturedLog log = CapturedLog.everything()) {
            try (RawSmtp smtp = relay.connect(LOGGED_CLIENT)) {
                assertThat(smtp.command("EHLO client.test")).startsWith("250");
                for (int i = 0; i < commandsAndReplies.length; i += 2) {
                    assertThat(smtp.command(commandsAndReplies[i])).startsWith(commandsAndReplies[i + 1]);
                }
                assertThat(smtp.command("QUIT")).startsWith("221");
            }
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> relay.server.activeSessions() == 0);
            return log.lines();
        }
    }

    @Test
    void aMalformedRecipientIsOneLineWithoutAStackTrace() {
        List<String> lines = logOf("MAIL FROM:<spammer@outside.test>", "250",
                "RCPT TO:<bad recipient@external.test>", "553 5.1.3");
        assertThat(lines).noneMatch(line -> line.contains("at org.apache") || line.contains("Exception"));
        assertThat(lines).filteredOn(line -> line.contains("bad recipient")).singleElement()
                .isEqualTo("command rejected: client=" + LOGGED_CLIENT + " helo=client.test"
                        + " command=\"RCPT TO:<bad recipient@external.test>\" reason=bad_address"
                        + " reply=\"553 5.1.3 Syntax error in recipient address\"");
    }

    @Test
    void aMalformedSenderAndAnUnknownCommandAreOneLineEach() {
        List<String> lines = logOf("MAIL FROM:<bad sender@outside.test>", "501", "XYZZY plugh", "500");
        assertThat(lines).noneMatch(line -> line.contains("at org.apache") || line.contains("Exception"));
        assertThat(lines).filteredOn(line -> line.contains("bad sender")).singleElement().asString()
                .startsWith("command rejected: client=" + LOGGED_CLIENT + " helo=client.test command=\"MAIL FROM:<bad sender@outside.test>\" reason=syntax_error reply=\"501 ");
        assertThat(lines).filteredOn(line -> line.contains("XYZZY")).singleElement().asString()
                .startsWith("command rejected: client=" + LOGGED_CLIENT + " helo=client.test command=\"XYZZY plugh\" reason=unknown_command reply=\"500 ");
    }

    @Test
    void aRelayAttemptIsOneLineNamingSenderRecipientAndReason() {
        List<String> lines = logOf("MAIL FROM:<spammer@outside.test>", "250",
                "RCPT TO:<victim@external.test>", "554 5.7.1");
        assertThat(lines).filteredOn(line -> line.contains("victim@external.test")).singleElement()
                .isEqualTo("recipient rejected: client=" + LOGGED_CLIENT + " helo=client.test from=<spammer@outside.test>"
                        + " to=<victim@external.test> reason=relay_denied"
                        + " reply=\"554 5.7.1 <victim@external.test>: Relay access denied\"");
    }

    /** The log must not become a place where passwords are kept. */
    @Test
    void aRefusedAuthIsLoggedWithoutItsCredentials() {
        String plain = RelayFixture.plain(RelayFixture.USER, RelayFixture.PASSWORD);
        List<String> lines = logOf("AUTH PLAIN " + plain, "538");
        assertThat(lines).noneMatch(line -> line.contains(plain));
        assertThat(lines).filteredOn(line -> line.contains("AUTH")).singleElement().asString()
                .startsWith("command rejected: client=" + LOGGED_CLIENT + " helo=client.test command=\"AUTH PLAIN\" reason=tls_required reply=\"538 ");
    }
}
