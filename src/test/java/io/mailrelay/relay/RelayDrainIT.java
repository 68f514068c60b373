package io.mailrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.mailrelay.testing.FreePort;
import io.mailrelay.testing.SmtpSink;

/**
 * SIGTERM on the packaged relay, as the kubelet sends it: the relay stops accepting (421), lets the open
 * transaction finish, tells idle sessions 421, delivers its queue within the grace period and exits 0;
 * with the upstream still down it exits 0 at the end of the grace period and the queue stays spooled.
 * Messages are counted on both sides (acknowledged with 250, arrived at the upstream smtp-sink).
 */
@Tag("smtp")
class RelayDrainIT {
    private static final int MESSAGES = 20;

    @Test
    void sigtermDeliversTheQueueLetsTheOpenTransactionFinishAndExits0() throws Exception {
        int upstreamPort = FreePort.pick(); // nothing listens there yet: the upstream is down
        PackagedRelay relay = PackagedRelay.start(Files.createTempDirectory("relay-drain"), upstreamPort, "1h", "",
                "--grace-period", "30s");
        try (SmtpSink upstream = new SmtpSink().onPort(upstreamPort)) {
            Set<String> acknowledged = sendNumbered(relay.smtpPort(), "queued", MESSAGES);
            assertThat(acknowledged).hasSize(MESSAGES);
            // every message has been tried once and waits for its retry in an hour: only the drain sends it now
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> relay.queueFiles(".state") == MESSAGES);

            RawSmtp idle = RawSmtp.connect(RelayFixture.ALLOWED_CLIENT, relay.smtpPort());
            assertThat(idle.reply()).startsWith("220");
            assertThat(idle.command("EHLO idle.test")).startsWith("250");
            RawSmtp inFlight = RawSmtp.connect(RelayFixture.ALLOWED_CLIENT, relay.smtpPort());
            assertThat(inFlight.reply()).startsWith("220");
            inFlight.command("EHLO busy.test");
            assertThat(inFlight.command("MAIL FROM:<sender@client.test>")).startsWith("250");
            assertThat(inFlight.command("RCPT TO:<user@example.test>")).startsWith("250");

            upstream.start();
            relay.process().terminate();

            assertThat(idle.reply()).startsWith("421 4.3.2");
            assertThat(idle.reply()).isNull(); // and closed
            assertThat(newConnectionIsTurnedAway(relay.smtpPort())).isTrue();
            assertThat(inFlight.command("DATA")).startsWith("354");
            assertThat(inFlight.command("Subject: drain\r\nX-Test-Id: in-flight\r\n\r\nfinished during the drain\r\n."))
                    .startsWith("250 2.0.0");
            acknowledged.add("in-flight");
            String next = inFlight.command("MAIL FROM:<sender@client.test>");
            assertThat(next == null || next.startsWith("421 4.3.2")).as("after the transaction: %s", next).isTrue();

            int exit = relay.process().awaitExit(Duration.ofSeconds(120));
            Set<String> arrived = upstream.testIds();
            System.out.printf("SIGTERM drain: %d acknowledged, %d arrived upstream before exit, exit status %d%n",
                    acknowledged.size(), arrived.size(), exit);
            assertThat(exit).as(relay.process().log()).isZero();
            assertThat(arrived).containsAll(acknowledged);
            assertThat(relay.queueFiles(".msg")).isZero();
            assertThat(relay.process().log()).contains("SIGTERM received: draining");
        } finally {
            relay.process().kill();
        }
    }

    @Test
    void withTheUpstreamStillDownItExits0AfterTheGracePeriodAndTheNextStartDelivers() throws Exception {
        int upstreamPort = FreePort.pick();
        PackagedRelay relay = PackagedRelay.start(Files.createTempDirectory("relay-drain"), upstreamPort, "2s", "",
                "--grace-period", "5s");
        Set<String> acknowledged;
        try {
            acknowledged = sendNumbered(relay.smtpPort(), "stranded", MESSAGES);
            assertThat(acknowledged).hasSize(MESSAGES);
            long started = System.nanoTime();
            relay.process().terminate();
            int exit = relay.process().awaitExit(Duration.ofSeconds(120));
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            System.out.printf("SIGTERM with the upstream down: exit status %d after %d ms (grace period 5s), "
                    + "%d acknowledged, %d still spooled%n", exit, took.toMillis(), acknowledged.size(),
                    relay.queueFiles(".msg"));
            assertThat(exit).as(relay.process().log()).isZero();
            // retried every 2s, so it kept trying for the whole grace period
            assertThat(took).isGreaterThanOrEqualTo(Duration.ofSeconds(5));
            assertThat(relay.queueFiles(".msg")).isEqualTo(MESSAGES);
        } finally {
            relay.process().kill();
        }

        // the next start, upstream back: it resumes the spooled queue on its own (next retry within 2s)
        try (SmtpSink upstream = new SmtpSink().onPort(upstreamPort).start()) {
            PackagedRelay restarted = PackagedRelay.start(relay.dir(), upstreamPort, "2s", "", "--grace-period", "30s");
            try {
                Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                        .until(() -> upstream.testIds().containsAll(acknowledged));
                System.out.printf("restart on the same spool: %d acknowledged before SIGTERM, %d arrived upstream%n",
                        acknowledged.size(), upstream.testIds().size());
                restarted.process().terminate();
                assertThat(restarted.process().awaitExit(Duration.ofSeconds(120))).isZero();
            } finally {
                restarted.process().kill();
            }
            assertThat(upstream.testIds()).containsAll(acknowledged);
        }
    }

    /** A connection made while draining gets 421, or finds the port closed once the relay is gone. */
    private static boolean newConnectionIsTurnedAway(int port) {
        try (RawSmtp fresh = RawSmtp.connect("127.0.0.4", port)) {
            String greeting = fresh.reply();
            return greeting == null || greeting.startsWith("421 4.3.2");
        } catch (UncheckedIOException refused) {
            return true;
        }
    }

    /** One connection, {@code count} messages with X-Test-Id prefix-n; returns the ids answered 250. */
    private static Set<String> sendNumbered(int port, String prefix, int count) {
        Set<String> acknowledged = new LinkedHashSet<>();
        try (RawSmtp smtp = RawSmtp.connect(RelayFixture.ALLOWED_CLIENT, port)) {
            smtp.reply();
            smtp.command("EHLO client.test");
            for (int i = 0; i < count; i++) {
                String id = prefix + "-" + i;
                smtp.command("MAIL FROM:<sender@client.test>");
                smtp.command("RCPT TO:<user@example.test>");
                smtp.command("DATA");
                if (smtp.command("Subject: drain test\r\nX-Test-Id: " + id + "\r\n\r\nbody of " + id + "\r\n.")
                        .startsWith("250")) {
                    acknowledged.add(id);
                }
            }
            smtp.command("QUIT");
        }
        return acknowledged;
    }
}
