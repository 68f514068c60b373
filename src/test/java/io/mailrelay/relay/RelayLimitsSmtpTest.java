package io.mailrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.micrometer.core.instrument.search.RequiredSearch;

/** Connection, rate and time limits, and the metrics they feed, against a real relay on raw sockets. */
@Tag("smtp")
class RelayLimitsSmtpTest {

    /** EHLO, two transactions started (and reset), then the reply to a third MAIL. */
    private static String twoMessagesThenOneMore(RawSmtp smtp) {
        smtp.command("EHLO client.test");
        for (int i = 0; i < 2; i++) {
            assertThat(smtp.command("MAIL FROM:<app@inside.test>")).startsWith("250");
            assertThat(smtp.command("RSET")).startsWith("250");
        }
        return smtp.command("MAIL FROM:<app@inside.test>");
    }

    @Test
    void connectionsAboveTheGlobalLimitGet421AndAFreedSlotIsReused() {
        try (RelayFixture relay = RelayFixture.start("""
                limits:
                  maxConnections: 2
                """)) {
            List<RawSmtp> open = new ArrayList<>();
            try {
                // two different clients: the global limit, not the per-client one, is what refuses the third
                open.add(relay.connect("127.0.0.11"));
                open.add(relay.connect("127.0.0.12"));
                try (RawSmtp extra = RawSmtp.connect("127.0.0.13", relay.port())) {
                    assertThat(extra.reply()).isEqualTo("421 4.3.2 Too many connections, try again later");
                    assertThat(extra.closedByServer()).isTrue();
                }
                // allowed networks are exempt from the per-client limits only: the global one holds for them too
                try (RawSmtp allowed = RawSmtp.connect(RelayFixture.ALLOWED_CLIENT, relay.port())) {
                    assertThat(allowed.reply()).isEqualTo("421 4.3.2 Too many connections, try again later");
                }
                open.remove(0).close();
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> relay.server.activeSessions() == 1);
                open.add(relay.connect("127.0.0.13"));
            } finally {
                open.forEach(RawSmtp::close);
            }
        }
    }

    @Test
    void messagesAboveThePerClientRateGet450AndOtherClientsAreNotAffected() {
        try (RelayFixture relay = RelayFixture.start("""
                limits:
                  maxMessagesPerClientPerMinute: 2
                """); RawSmtp smtp = relay.connect("127.0.0.14")) {
            assertThat(twoMessagesThenOneMore(smtp))
                    .isEqualTo("450 4.7.1 Error: too many messages from 127.0.0.14, slow down");
            // the limit is per client IP, and holds across that client's connections
            try (RawSmtp again = relay.connect("127.0.0.14")) {
                again.command("EHLO client.test");
                assertThat(again.command("MAIL FROM:<app@inside.test>")).startsWith("450 4.7.1");
            }
            try (RawSmtp other = relay.connect("127.0.0.15")) {
                other.command("EHLO client.test");
                assertThat(other.command("MAIL FROM:<app@inside.test>")).startsWith("250");
            }
        }
    }

    /** Postfix smtpd_client_event_limit_exceptions: an allowed app server may send a burst in one session. */
    @Test
    void allowedNetworksAreExemptFromPerClientRateAndConnectionLimitsByDefault() {
        try (RelayFixture relay = RelayFixture.start("""
                limits:
                  maxMessagesPerClientPerMinute: 2
                  maxConnectionsPerClient: 1
                """)) {
            List<RawSmtp> open = new ArrayList<>();
            try (RawSmtp smtp = relay.connect(RelayFixture.ALLOWED_CLIENT)) {
                smtp.command("EHLO client.test");
                for (int i = 0; i < 5; i++) {
                    assertThat(smtp.command("MAIL FROM:<app@inside.test>")).startsWith("250");
                    assertThat(smtp.command("RCPT TO:<customer@external.test>")).startsWith("250");
                    assertThat(smtp.command("DATA")).startsWith("354");
                    assertThat(smtp.command("Subject: burst-" + i + "\r\n\r\nhello\r\n.")).startsWith("250 2.0.0");
                }
                open.add(relay.connect(RelayFixture.ALLOWED_CLIENT)); // a second connection of the same client
                open.add(relay.connect(RelayFixture.ALLOWED_CLIENT));
            } finally {
                open.forEach(RawSmtp::close);
            }
            assertThat(relay.spool.messages()).filteredOn(m -> m.text().contains("Subject: burst-")).hasSize(5);

            // an outsider is still held to both limits (to the local domain, which it may send to)
            try (RawSmtp outsider = relay.connect(RelayFixture.OUTSIDE_CLIENT)) {
                assertThat(twoMessagesThenOneMore(outsider))
                        .isEqualTo("450 4.7.1 Error: too many messages from 127.0.0.3, slow down");
                try (RawSmtp second = RawSmtp.connect(RelayFixture.OUTSIDE_CLIENT, relay.port())) {
                    assertThat(second.reply()).startsWith("421 4.3.2 Too many connections from 127.0.0.3");
                }
            }
        }
    }

    @Test
    void withoutTheExemptionAllowedNetworksAreRateLimitedToo() {
        try (RelayFixture relay = RelayFixture.start("""
                limits:
                  maxMessagesPerClientPerMinute: 2
                  exemptAllowedNetworks: false
                """); RawSmtp smtp = relay.connect(RelayFixture.ALLOWED_CLIENT)) {
            assertThat(twoMessagesThenOneMore(smtp)).startsWith("450 4.7.1");
        }
    }

    /**
     * Silent after EHLO: no line from the client (commandTimeout) and no traffic at all (idleTimeout). The
     * other timeout is an hour: the 421 can only come from the one under test, and not before it has run.
     */
    @ParameterizedTest(name = "commandTimeout {0}, idleTimeout {1}")
    @CsvSource({ "1s, 1h", "1h, 1s" })
    void silentClientIsDisconnectedWith421AfterTheShorterTimeout(String commandTimeout, String idleTimeout) {
        try (RelayFixture relay = RelayFixture.start("""
                limits:
                  commandTimeout: %s
                  idleTimeout: %s
                """.formatted(commandTimeout, idleTimeout)); RawSmtp smtp = relay.connect(RelayFixture.ALLOWED_CLIENT)) {
            // taken before the EHLO is sent: the relay's timer cannot start earlier, so this is a lower bound
            long beforeLastLine = System.nanoTime();
            assertThat(smtp.command("EHLO client.test")).startsWith("250");
            assertThat(smtp.reply()).isEqualTo("421 4.4.2 Error: timeout exceeded");
            assertThat(smtp.closedByServer()).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - beforeLastLine)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
        }
    }

    @Test
    void commandTimeoutCountsFromTheLastLineNotFromTheConnect() {
        // 5 s: far longer than the pauses between the lines below, which follow each other at once
        Duration timeout = Duration.ofSeconds(5);
        try (RelayFixture relay = RelayFixture.start("""
                limits:
                  commandTimeout: %ds
                """.formatted(timeout.toSeconds())); RawSmtp smtp = relay.connect(RelayFixture.ALLOWED_CLIENT)) {
            long connected = System.nanoTime(); // the greeting was read: the relay's side of the connect is earlier
            // lines for longer than the timeout since the connect: a timer counting from the connect ends this
            long beforeLastLine;
            do {
                beforeLastLine = System.nanoTime();
                assertThat(smtp.command("NOOP")).startsWith("250");
                sleep(Duration.ofMillis(50));
            } while (Duration.ofNanos(System.nanoTime() - connected).compareTo(timeout.plusSeconds(1)) < 0);
            // then silence: the 421 comes, and no sooner than the timeout after the last line
            assertThat(smtp.reply()).isEqualTo("421 4.4.2 Error: timeout exceeded");
            assertThat(Duration.ofNanos(System.nanoTime() - beforeLastLine)).isGreaterThanOrEqualTo(timeout);
        }
    }

    @Test
    void metricsCountConnectionsMessagesRejectionsAndAuthFailures() {
        try (RelayFixture relay = RelayFixture.start("""
                limits:
                  maxRecipients: 1
                  maxConnectionsPerClient: 1
                  exemptAllowedNetworks: false
                """)) {
            try (RawSmtp smtp = relay.connect(RelayFixture.ALLOWED_CLIENT)) {
                smtp.command("EHLO client.test");
                smtp.command("MAIL FROM:<app@inside.test>");
                assertThat(smtp.command("RCPT TO:<customer@external.test>")).startsWith("250");
                assertThat(smtp.command("RCPT TO:<second@external.test>")).startsWith("452 4.5.3");
                smtp.command("DATA");
                assertThat(smtp.command("Subject: counted\r\n\r\nhello\r\n.")).startsWith("250 2.0.0");
                // the same client again while this session is open: over the per-client limit
                try (RawSmtp refused = RawSmtp.connect(RelayFixture.ALLOWED_CLIENT, relay.port())) {
                    assertThat(refused.reply()).startsWith("421 4.3.2");
                }
            }
            try (RawSmtp outside = relay.connect(RelayFixture.OUTSIDE_CLIENT)) {
                outside.command("EHLO client.test");
                outside.command("MAIL FROM:<spammer@outside.test>");
                assertThat(outside.command("RCPT TO:<victim@external.test>")).startsWith("554 5.7.1");
                assertThat(outside.command("RCPT TO:<other@external.test>")).startsWith("554 5.7.1");
                outside.command("STARTTLS");
                outside.startTls();
                outside.command("EHLO client.test");
                String wrong = Base64.getEncoder().encodeToString(("\0" + RelayFixture.USER + "\0wrong").getBytes());
                assertThat(outside.command("AUTH PLAIN " + wrong)).startsWith("535 5.7.8");
            }
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> relay.server.activeSessions() == 0);

            assertThat(counter(relay, "mailrelay.relay.connections").counter().count()).isEqualTo(3);
            assertThat(counter(relay, "mailrelay.relay.connections.refused").counter().count()).isEqualTo(1);
            assertThat(counter(relay, "mailrelay.relay.messages.accepted").counter().count()).isEqualTo(1);
            assertThat(counter(relay, "mailrelay.relay.recipients.rejected").tag("reason", "relay_denied").counter().count())
                    .isEqualTo(2);
            assertThat(counter(relay, "mailrelay.relay.recipients.rejected").tag("reason", "too_many_recipients")
                    .counter().count()).isEqualTo(1);
            assertThat(counter(relay, "mailrelay.relay.auth.failures").counter().count()).isEqualTo(1);
            assertThat(counter(relay, "mailrelay.relay.sessions.active").gauge().value()).isZero();
        }
    }

    private static void sleep(Duration pause) {
        try {
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static RequiredSearch counter(RelayFixture relay, String name) {
        return relay.registry.get(name);
    }
}
