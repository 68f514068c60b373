package io.mailrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.mailrelay.testing.Exec;
import io.mailrelay.testing.Swaks;

/** Protocol hardening against a real relay, with exact bytes on raw sockets (and swaks for TLS + AUTH). */
@Tag("smtp")
class RelayHardeningSmtpTest {
    private static RelayFixture relay;

    @BeforeAll
    static void start() {
        relay = RelayFixture.start("""
                limits:
                  maxMessageSize: 2000
                  maxRecipients: 3
                  maxConnectionsPerClient: 2
                  maxAuthFailures: 2
                """);
    }

    @AfterAll
    static void stop() {
        relay.close();
    }

    private static RawSmtp inTransaction(String client) {
        return relay.connect(client).openData("app@inside.test", "bob@local.test");
    }

    private static long storedWith(String marker) {
        return relay.spool.messages().stream().filter(m -> m.text().contains(marker)).count();
    }

    @Test
    void smugglingWithBareLfDotIsRefusedAndNothingIsSpooled() {
        try (RawSmtp smtp = inTransaction(RelayFixture.ALLOWED_CLIENT)) {
            smtp.send("Subject: smuggle-lf\r\n\r\nbody\n.\r\nMAIL FROM:<evil@outside.test>\r\nRCPT TO:<victim@external.test>\r\nDATA\r\n");
            assertThat(smtp.reply()).startsWith("554 5.6.0 ");
            assertThat(smtp.closedByServer()).isTrue();
        }
        assertThat(storedWith("smuggle-lf")).isZero();
    }

    @Test
    void smugglingWithBareCrIsRefused() {
        try (RawSmtp smtp = inTransaction(RelayFixture.ALLOWED_CLIENT)) {
            smtp.send("Subject: smuggle-cr\r\n\r\nbody\r.\r\r\n");
            assertThat(smtp.reply()).startsWith("554 5.6.0 ");
            assertThat(smtp.closedByServer()).isTrue();
        }
        assertThat(storedWith("smuggle-cr")).isZero();
    }

    @Test
    void onlyCrLfDotCrLfEndsTheMessageAndDotsAreUnstuffed() {
        try (RawSmtp smtp = inTransaction(RelayFixture.ALLOWED_CLIENT)) {
            smtp.send("Subject: dots-ok\r\n\r\n..leading dot\r\n. not the end\r\n.\r\n");
            assertThat(smtp.reply()).startsWith("250 2.0.0 Ok: queued as ");
            assertThat(smtp.command("QUIT")).startsWith("221");
        }
        assertThat(relay.spool.messages()).filteredOn(m -> m.text().contains("dots-ok")).singleElement()
                .satisfies(m -> assertThat(m.text()).endsWith("Subject: dots-ok\r\n\r\n.leading dot\r\n not the end\r\n"));
    }

    @Test
    void commandsWithBareLfEndTheSession() {
        try (RawSmtp smtp = relay.connect(RelayFixture.ALLOWED_CLIENT)) {
            smtp.send("EHLO client.test\n");
            assertThat(smtp.reply()).startsWith("500 5.5.2 ");
            assertThat(smtp.closedByServer()).isTrue();
        }
    }

    @Test
    void oversizedMessageIsRefusedWith552AndAborted() {
        int abortedBefore = relay.spool.aborted();
        try (RawSmtp smtp = inTransaction(RelayFixture.ALLOWED_CLIENT)) {
            StringBuilder body = new StringBuilder("Subject: too-big\r\n\r\n");
            for (int i = 0; i < 50; i++) {
                body.append("0123456789012345678901234567890123456789012345678901234567890123456789\r\n");
            }
            smtp.send(body + ".\r\n");
            assertThat(smtp.reply()).startsWith("552 5.3.4 ");
            assertThat(smtp.command("NOOP")).startsWith("250");
        }
        assertThat(storedWith("too-big")).isZero();
        // the abort is queued behind the writes on the spool worker: it may land after the 552
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> relay.spool.aborted() > abortedBefore);
    }

    @Test
    void declaredSizeAboveTheLimitIsRefusedAtMail() {
        try (RawSmtp smtp = relay.connect(RelayFixture.ALLOWED_CLIENT)) {
            smtp.command("EHLO client.test");
            assertThat(smtp.command("MAIL FROM:<app@inside.test> SIZE=5000")).startsWith("552 5.3.4");
        }
    }

    @Test
    void tooManyRecipientsGet452() {
        try (RawSmtp smtp = relay.connect(RelayFixture.ALLOWED_CLIENT)) {
            smtp.command("EHLO client.test");
            smtp.command("MAIL FROM:<app@inside.test>");
            for (int i = 0; i < 3; i++) {
                assertThat(smtp.command("RCPT TO:<r" + i + "@external.test>")).startsWith("250");
            }
            assertThat(smtp.command("RCPT TO:<r4@external.test>")).isEqualTo("452 4.5.3 Error: too many recipients");
        }
    }

    @Test
    void tooLongCommandLineIsRefused() {
        try (RawSmtp smtp = relay.connect(RelayFixture.ALLOWED_CLIENT)) {
            assertThat(smtp.command("NOOP " + "x".repeat(600))).startsWith("500 5.5.2 ");
            assertThat(smtp.command("NOOP")).startsWith("250");
            smtp.send("NOOP " + "x".repeat(1200) + "\r\n");
            assertThat(smtp.reply()).startsWith("500 5.5.2 ");
            assertThat(smtp.closedByServer()).isTrue();
        }
    }

    /** The default budget is Postfix's smtpd_hard_error_limit, 20: the 21st error ends the session. */
    @Test
    void tooManyErrorsEndTheSessionWith421() {
        try (RawSmtp smtp = relay.connect(RelayFixture.OUTSIDE_CLIENT)) {
            for (int i = 0; i < 20; i++) {
                assertThat(smtp.command("BOGUS " + i)).startsWith("500 ");
            }
            assertThat(smtp.command("BOGUS 20")).isEqualTo("421 4.7.0 Error: too many errors");
            assertThat(smtp.closedByServer()).isTrue();
        }
    }

    @Test
    void perClientConnectionLimitAnswers421() {
        List<RawSmtp> open = new ArrayList<>();
        try {
            open.add(relay.connect("127.0.0.9"));
            open.add(relay.connect("127.0.0.9"));
            RawSmtp third = RawSmtp.connect("127.0.0.9", relay.port());
            open.add(third);
            assertThat(third.reply()).startsWith("421 4.3.2 ");
            assertThat(third.closedByServer()).isTrue();
            // another client is not affected
            open.add(relay.connect("127.0.0.10"));
        } finally {
            open.forEach(RawSmtp::close);
        }
    }

    @Test
    void startTlsInjectionIsDiscarded() {
        try (RawSmtp smtp = relay.connect(RelayFixture.OUTSIDE_CLIENT)) {
            smtp.command("EHLO client.test");
            // the injected commands arrive in clear text in the same packet as STARTTLS
            smtp.send("STARTTLS\r\nMAIL FROM:<injected@outside.test>\r\n");
            assertThat(smtp.reply()).startsWith("220 2.0.0");
            smtp.startTls();
            // had the injected MAIL been executed, this would be a "nested MAIL" error
            assertThat(smtp.command("EHLO client.test")).startsWith("250");
            assertThat(smtp.command("MAIL FROM:<real@outside.test>")).startsWith("250 2.1.0");
        }
    }

    @Test
    void authIsRefusedBeforeStartTlsAndNotAnnounced() {
        try (RawSmtp smtp = relay.connect(RelayFixture.OUTSIDE_CLIENT)) {
            assertThat(smtp.command("EHLO client.test")).doesNotContain("AUTH");
            String plain = Base64.getEncoder().encodeToString(("\0" + RelayFixture.USER + "\0" + RelayFixture.PASSWORD).getBytes());
            assertThat(smtp.command("AUTH PLAIN " + plain)).startsWith("538 5.7.11 ");
            smtp.command("MAIL FROM:<a@outside.test>");
            assertThat(smtp.command("RCPT TO:<victim@external.test>")).startsWith("554 5.7.1");
        }
    }

    @Test
    void authenticatedClientMayRelayAfterStartTls() {
        int before = relay.spool.messages().size();
        Exec.Result result = Swaks.send("127.0.0.1", relay.port(), "--local-interface", "127.0.0.4", "--tls",
                "--auth", "PLAIN", "--auth-user", RelayFixture.USER, "--auth-password", RelayFixture.PASSWORD,
                "--from", "alice@inside.test", "--to", "customer@external.test", "--header", "Subject: authed");
        result.assertSuccess();
        assertThat(result.stdout()).contains("235 2.7.0 Authentication successful");
        assertThat(relay.spool.messages()).hasSizeGreaterThan(before);
        assertThat(relay.spool.messages()).filteredOn(m -> m.text().contains("Subject: authed")).singleElement()
                .satisfies(m -> {
                    assertThat(m.envelope().authenticatedUser()).isEqualTo(RelayFixture.USER);
                    assertThat(m.text()).contains("with ESMTPSA id");
                });
    }

    @Test
    void wrongPasswordsLockTheClientOut() {
        String wrong = Base64.getEncoder().encodeToString(("\0" + RelayFixture.USER + "\0wrong").getBytes());
        String right = Base64.getEncoder().encodeToString(("\0" + RelayFixture.USER + "\0" + RelayFixture.PASSWORD).getBytes());
        try (RawSmtp smtp = relay.connect("127.0.0.6")) {
            smtp.command("EHLO client.test");
            smtp.command("STARTTLS");
            smtp.startTls();
            assertThat(smtp.command("EHLO client.test")).contains("AUTH LOGIN PLAIN");
            assertThat(smtp.command("AUTH PLAIN " + wrong)).startsWith("535 5.7.8");
            assertThat(smtp.command("AUTH PLAIN " + wrong)).startsWith("535 5.7.8");
            assertThat(smtp.command("AUTH PLAIN " + right)).startsWith("421 4.7.0");
        }
    }
}
