package io.mailrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Asynchronous commit and graceful shutdown against a real relay. */
@Tag("smtp")
class RelayLifecycleSmtpTest {

    @Test
    void replyComesOnlyAfterTheCommitAndPipelinedCommandsWaitForIt() {
        try (RelayFixture relay = RelayFixture.start(); RawSmtp smtp = relay.connect(RelayFixture.ALLOWED_CLIENT)) {
            relay.spool.commitDelay(700);
            smtp.command("EHLO client.test");
            smtp.command("MAIL FROM:<app@inside.test>");
            smtp.command("RCPT TO:<bob@local.test>");
            smtp.command("DATA");
            long start = System.nanoTime();
            smtp.send("Subject: slow-disk\r\n\r\nhello\r\n.\r\nQUIT\r\n");
            assertThat(smtp.reply()).startsWith("250 2.0.0 Ok: queued as m1");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(650));
            assertThat(relay.spool.messages()).hasSize(1);
            assertThat(smtp.reply()).startsWith("221");
            assertThat(relay.spool.callThreads()).isNotEmpty().allSatisfy(thread -> assertThat(thread).startsWith("relay-spool-"));
        }
    }

    @Test
    void stopAcceptingRefusesNewSessionsWhileOpenOnesFinishTheirMessage() throws Exception {
        try (RelayFixture relay = RelayFixture.start(); RawSmtp open = relay.connect(RelayFixture.ALLOWED_CLIENT)) {
            open.command("EHLO client.test");
            open.command("MAIL FROM:<app@inside.test>");
            open.command("RCPT TO:<bob@local.test>");

            relay.server.stopAccepting();
            try (RawSmtp fresh = RawSmtp.connect(RelayFixture.ALLOWED_CLIENT, relay.port())) {
                assertThat(fresh.reply()).startsWith("421 4.3.2 ");
            }
            assertThat(open.command("DATA")).startsWith("354");
            assertThat(open.command("Subject: in-flight\r\n\r\nhello\r\n.")).startsWith("250 2.0.0");
            assertThat(open.command("MAIL FROM:<app@inside.test>")).startsWith("421 4.3.2 ");
            assertThat(relay.server.awaitSessions(Duration.ofSeconds(5))).isTrue();
            assertThat(relay.spool.messages()).hasSize(1);
        }
    }
}
