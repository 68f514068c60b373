package io.mailrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.mailrelay.relay.config.RelayConfigLoader;
import io.mailrelay.testing.FreePort;
import io.mailrelay.testing.PostfixInstance;
import io.mailrelay.testing.SinkMessage;
import io.mailrelay.testing.SmtpSink;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * No backscatter: a real Postfix is the local domains' mail server and knows its users (relay_recipient_maps);
 * the relay, with its real spool and delivery, asks it at RCPT time (callout) or checks its own list. Clients
 * from 127.0.0.3 are outsiders, 127.0.0.2 is allow-listed. Postfix delivers what it accepts to {@code inbox}, which
 * is also the relay's smarthost: any bounce to the (forged) sender would arrive there.
 */
class RelayRecipientCheckSmtpTest {
    private static final String OUTSIDER = "127.0.0.3";
    private static final String ALLOWED = "127.0.0.2";
    private static final String FORGED_SENDER = "victim@example.net";

    @RegisterExtension
    static final SmtpSink inbox = new SmtpSink();

    private static PostfixInstance company;
    private static final AtomicInteger sentinels = new AtomicInteger();

    private Path dir;
    private RelayRuntime runtime;
    private RelayServer relay;

    @BeforeAll
    static void startTheCompanyServer() {
        company = PostfixInstance.builder()
                .set("relay_domains", "example.org, none.test, list.test")
                .set("relay_recipient_maps", "inline:{bob@example.org=ok, carol@example.org=ok, dave@example.org=ok,"
                        + " erin@example.org=ok, busy@example.org=ok, ops-team@list.test=ok, ceo@list.test=ok}")
                .set("smtpd_recipient_restrictions",
                        "check_recipient_access inline:{{busy@example.org=450 4.2.1 Mailbox busy try later}}")
                // every RCPT is in the server's log (its "permit" by permit_mynetworks): the callouts are counted
                .set("smtpd_log_access_permit_actions", "static:all")
                .relayTo(inbox.host(), inbox.port())
                .start();
    }

    @AfterAll
    static void stopTheCompanyServer() {
        company.close();
    }

    @BeforeEach
    void startRelay() throws Exception {
        dir = Files.createTempDirectory("relay-rcpt-check");
        Files.writeString(dir.resolve("users"), RelayFixture.userLine(RelayFixture.USER, RelayFixture.PASSWORD));
        int closedPort = FreePort.pick();
        Path config = Files.writeString(dir.resolve("relay.yaml"), """
                server: {listenAddress: 127.0.0.1, port: %1$d, hostname: relay.test}
                allowedNetworks: [127.0.0.2/32]
                localDomains:
                  - {domain: example.org, deliverTo: "127.0.0.1:%2$d"}
                  - {domain: none.test, deliverTo: "127.0.0.1:%2$d", recipientCheck: none}
                  - {domain: list.test, deliverTo: "127.0.0.1:%2$d", recipientCheck: list,
                     recipients: ["*-team@list.test", "CEO@List.Test"]}
                  - {domain: down.test, deliverTo: "127.0.0.1:%3$d", recipientCheck: callout}
                authentication: {usersFile: %4$s, allowWithoutTls: true}
                outbound: {mode: smarthost, smarthost: {host: 127.0.0.1, port: %5$d, tls: none}}
                spool: {directory: %6$s, retrySchedule: [1s]}
                """.formatted(FreePort.pick(), company.port(), closedPort, dir.resolve("users"), inbox.port(),
                dir.resolve("spool")));
        var parsed = RelayConfigLoader.load(config);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        runtime = RelayRuntime.start(parsed, registry);
        relay = new RelayServer(parsed, runtime.spool(), registry).start();
    }

    @AfterEach
    void stopRelay() {
        relay.close();
        runtime.close();
    }

    @Test
    void aKnownUserIsVerifiedAcceptedAndDelivered() {
        try (RawSmtp smtp = session(OUTSIDER)) {
            assertThat(smtp.command("MAIL FROM:<partner@example.net>")).startsWith("250");
            assertThat(smtp.command("RCPT TO:<bob@example.org>")).startsWith("250 2.1.5");
            queue(smtp, "hello");
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> inbox.messages().size() == 1);
        SinkMessage delivered = inbox.messages().get(0);
        assertThat(delivered.recipients()).containsExactly("bob@example.org");
        assertThat(delivered.mailFrom()).isEqualTo("partner@example.net");
        assertThat(settledCallouts("bob@example.org")).isEqualTo(1);
    }

    @Test
    void anUnknownUserIsRefusedAtRcptNothingIsSpooledAndNobodyIsBounced() {
        try (RawSmtp smtp = session(OUTSIDER)) {
            assertThat(smtp.command("MAIL FROM:<" + FORGED_SENDER + ">")).startsWith("250");
            assertThat(smtp.command("RCPT TO:<nosuch@example.org>"))
                    .isEqualTo("550 5.1.1 <nosuch@example.org>: Recipient address rejected: User unknown");
            assertThat(smtp.command("DATA")).startsWith("5");
            assertThat(smtp.command("QUIT")).startsWith("221");
        }
        assertThat(settledCallouts("nosuch@example.org")).isEqualTo(1);
        assertThat(runtime.spool().depth()).isZero();
        assertThat(inbox.messages()).isEmpty();
    }

    @Test
    void theCacheAnswersTheSameRecipientAgainWithoutANewCallout() {
        try (RawSmtp smtp = session(OUTSIDER)) {
            assertThat(smtp.command("MAIL FROM:<partner@example.net>")).startsWith("250");
            assertThat(smtp.command("RCPT TO:<carol@example.org>")).startsWith("250");
            assertThat(smtp.command("RCPT TO:<nobody@example.org>")).startsWith("550 5.1.1");
            assertThat(smtp.command("RSET")).startsWith("250");
            assertThat(smtp.command("MAIL FROM:<partner@example.net>")).startsWith("250");
            assertThat(smtp.command("RCPT TO:<carol@example.org>")).startsWith("250");
            assertThat(smtp.command("RCPT TO:<nobody@example.org>")).startsWith("550 5.1.1");
        }
        try (RawSmtp smtp = session(OUTSIDER)) { // another session, the same cache
            assertThat(smtp.command("MAIL FROM:<other@example.net>")).startsWith("250");
            assertThat(smtp.command("RCPT TO:<carol@example.org>")).startsWith("250");
            assertThat(smtp.command("RCPT TO:<nobody@example.org>")).startsWith("550 5.1.1");
        }
        assertThat(settledCallouts("carol@example.org")).isEqualTo(1);
        assertThat(settledCallouts("nobody@example.org")).isEqualTo(1);
    }

    @Test
    void aServerThatCannotAnswerGivesATemporaryRefusalNever250AndIsAskedAgain() {
        try (RawSmtp smtp = session(OUTSIDER)) {
            assertThat(smtp.command("MAIL FROM:<partner@example.net>")).startsWith("250");
            // the server is down: connection refused
            assertThat(smtp.command("RCPT TO:<bob@down.test>")).startsWith("451 4.4.3 <bob@down.test>");
            // the server answers 450 for this user: temporary, not cached
            assertThat(smtp.command("RCPT TO:<busy@example.org>")).startsWith("451 4.4.3 <busy@example.org>");
            assertThat(smtp.command("RCPT TO:<busy@example.org>")).startsWith("451 4.4.3 <busy@example.org>");
            assertThat(smtp.command("DATA")).startsWith("5");
        }
        assertThat(settledCallouts("busy@example.org")).isEqualTo(2);
        assertThat(runtime.spool().depth()).isZero();
    }

    @Test
    void listModeAcceptsTheListedPatternsOnlyWithoutAskingTheServer() {
        try (RawSmtp smtp = session(OUTSIDER)) {
            assertThat(smtp.command("MAIL FROM:<partner@example.net>")).startsWith("250");
            assertThat(smtp.command("RCPT TO:<ops-team@list.test>")).startsWith("250");
            assertThat(smtp.command("RCPT TO:<ceo@list.test>")).startsWith("250");
            assertThat(smtp.command("RCPT TO:<nosuch@list.test>")).isEqualTo(
                    "550 5.1.1 <nosuch@list.test>: Recipient address rejected: User unknown in relay recipient table");
            assertThat(smtp.command("RCPT TO:<team@list.test>")).startsWith("550 5.1.1");
            queue(smtp, "list");
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> inbox.messages().size() == 1);
        assertThat(inbox.messages().get(0).recipients()).containsExactlyInAnyOrder("ops-team@list.test", "ceo@list.test");
        assertThat(settledCallouts("nosuch@list.test")).isZero();
    }

    @Test
    void allowListedAndAuthenticatedClientsSkipTheCheck() {
        try (RawSmtp smtp = session(ALLOWED)) {
            assertThat(smtp.command("MAIL FROM:<app@example.org>")).startsWith("250");
            assertThat(smtp.command("RCPT TO:<unchecked1@example.org>")).startsWith("250");
            assertThat(smtp.command("RCPT TO:<unchecked1@list.test>")).startsWith("250");
        }
        try (RawSmtp smtp = session(OUTSIDER)) {
            assertThat(smtp.command("AUTH PLAIN " + RelayFixture.plain(RelayFixture.USER, RelayFixture.PASSWORD)))
                    .startsWith("235");
            assertThat(smtp.command("MAIL FROM:<alice@example.org>")).startsWith("250");
            assertThat(smtp.command("RCPT TO:<unchecked2@example.org>")).startsWith("250");
            assertThat(smtp.command("RCPT TO:<unchecked2@list.test>")).startsWith("250");
        }
        assertThat(settledCallouts("unchecked1@example.org")).isZero();
        assertThat(settledCallouts("unchecked2@example.org")).isZero();
    }

    @Test
    void withoutACheckAnUnknownUserIsAcceptedButItsRefusalIsNotBouncedToAnOutsidersSender() {
        try (RawSmtp smtp = session(OUTSIDER)) {
            assertThat(smtp.command("MAIL FROM:<" + FORGED_SENDER + ">")).startsWith("250");
            assertThat(smtp.command("RCPT TO:<nosuch@none.test>")).startsWith("250"); // recipientCheck none: unsafe
            queue(smtp, "spam");
        }
        // delivered to the company server, refused there with 550 5.1.1, given up: a bounce would be spooled first
        await().atMost(Duration.ofSeconds(60)).until(() -> company.log().contains("to=<nosuch@none.test>"));
        await().atMost(Duration.ofSeconds(60)).until(() -> runtime.spool().depth() == 0);
        assertThat(inbox.messages()).isEmpty();

        // the other side: the same failure for a trusted client's message is reported to its sender
        try (RawSmtp smtp = session(ALLOWED)) {
            assertThat(smtp.command("MAIL FROM:<app@example.net>")).startsWith("250");
            assertThat(smtp.command("RCPT TO:<gone@none.test>")).startsWith("250");
            queue(smtp, "report");
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> inbox.messages().size() == 1);
        SinkMessage bounce = inbox.messages().get(0);
        assertThat(bounce.mailFrom()).isEmpty();
        assertThat(bounce.recipients()).containsExactly("app@example.net");
        assertThat(bounce.text()).contains("Final-Recipient: rfc822; gone@none.test").contains("Status: 5.1.1");
    }

    /** DATA with a small message, queued (250). */
    private static void queue(RawSmtp smtp, String subject) {
        assertThat(smtp.command("DATA")).startsWith("354");
        assertThat(smtp.command("Subject: " + subject + "\r\n\r\nhello\r\n.")).startsWith("250 2.0.0 Ok: queued as");
    }

    private RawSmtp session(String client) {
        RawSmtp smtp = RawSmtp.connect(client, relay.port());
        assertThat(smtp.reply()).startsWith("220");
        assertThat(smtp.command("EHLO client.test")).startsWith("250");
        return smtp;
    }

    /**
     * The callouts for {@code address} that reached the company server. Its log is written asynchronously, so a
     * sentinel callout is made last and awaited: every earlier callout is logged before it.
     */
    private long settledCallouts(String address) {
        String sentinel = "sentinel-" + sentinels.incrementAndGet() + "@example.org";
        try (RawSmtp smtp = session(OUTSIDER)) {
            assertThat(smtp.command("MAIL FROM:<someone@example.net>")).startsWith("250");
            assertThat(smtp.command("RCPT TO:<" + sentinel + ">")).startsWith("550 5.1.1");
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> callouts(sentinel) == 1);
        return callouts(address);
    }

    private static long callouts(String address) {
        List<String> lines = company.log().lines().toList();
        // one per RCPT, accepted or not: Postfix's smtpd_relay_restrictions permit the relay's address
        return lines.stream().filter(line -> line.contains("NOQUEUE: permit: RCPT from ")
                && line.contains("from=<> to=<" + address + ">")).count();
    }
}
