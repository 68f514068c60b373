package io.mailrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.mailrelay.testing.CapturedLog;

/**
 * What a hostile client leaves in the log: one line per refused recipient or command, with client,
 * reason and reply, and never a stack trace (a client's error is not the relay's). Every category is
 * captured, James' included.
 */
@Tag("smtp")
class RelayRejectionLogSmtpTest {
    private static final String CLIENT = "127.0.0.31";

    private static RelayFixture relay;

    @BeforeAll
    static void start() {
        relay = RelayFixture.start();
    }

    @AfterAll
    static void stop() {
        relay.close();
    }

    /** Everything logged about the commands, once the session ended. */
    private static List<String> logOf(String... commandsAndReplies) {
        try (CapturedLog log = CapturedLog.everything()) {
            try (RawSmtp smtp = relay.connect(CLIENT)) {
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
                .isEqualTo("command rejected: client=" + CLIENT + " helo=client.test"
                        + " command=\"RCPT TO:<bad recipient@external.test>\" reason=bad_address"
                        + " reply=\"553 5.1.3 Syntax error in recipient address\"");
    }

    @Test
    void aMalformedSenderAndAnUnknownCommandAreOneLineEach() {
        List<String> lines = logOf("MAIL FROM:<bad sender@outside.test>", "501", "XYZZY plugh", "500");
        assertThat(lines).noneMatch(line -> line.contains("at org.apache") || line.contains("Exception"));
        assertThat(lines).filteredOn(line -> line.contains("bad sender")).singleElement().asString()
                .startsWith("command rejected: client=" + CLIENT + " helo=client.test command=\"MAIL FROM:<bad sender@outside.test>\" reason=syntax_error reply=\"501 ");
        assertThat(lines).filteredOn(line -> line.contains("XYZZY")).singleElement().asString()
                .startsWith("command rejected: client=" + CLIENT + " helo=client.test command=\"XYZZY plugh\" reason=unknown_command reply=\"500 ");
    }

    @Test
    void aRelayAttemptIsOneLineNamingSenderRecipientAndReason() {
        List<String> lines = logOf("MAIL FROM:<spammer@outside.test>", "250",
                "RCPT TO:<victim@external.test>", "554 5.7.1");
        assertThat(lines).filteredOn(line -> line.contains("victim@external.test")).singleElement()
                .isEqualTo("recipient rejected: client=" + CLIENT + " helo=client.test from=<spammer@outside.test>"
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
                .startsWith("command rejected: client=" + CLIENT + " helo=client.test command=\"AUTH PLAIN\" reason=tls_required reply=\"538 ");
    }
}
