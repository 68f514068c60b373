package io.mailrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * limits.maxMessagesInFlight, the global cap on messages being received at once, against a real relay on raw
 * sockets from non-allowed 127.0.0.x clients: past it DATA gets 421 4.3.2, and whatever got 250 is in the spool.
 */
@Tag("smtp")
class RelayMessagesInFlightSmtpTest {
    private static final int CAP = 3;
    private static final String TOO_MANY = "421 4.3.2 Too many messages in progress, try again later";

    private static RelayFixture relay() {
        return RelayFixture.start("""
                limits:
                  maxMessagesInFlight: %d
                  maxConnectionsPerClient: 100
                """.formatted(CAP));
    }

    private static double gauge(RelayFixture relay) {
        return relay.registry.get("mailrelay.relay.messages.inflight").gauge().value();
    }

    private static double refused(RelayFixture relay) {
        return relay.registry.get("mailrelay.relay.messages.refused").tag("reason", "too_many_in_flight").counter().count();
    }

    @Test
    void dataPastTheCapGets421AndTheMessagesInProgressAreAllKept() {
        try (RelayFixture relay = relay()) {
            List<RawSmtp> held = new ArrayList<>();
            try {
                for (int i = 0; i < CAP; i++) {
                    held.add(relay.connect("127.0.0.2" + i).openData("a" + i + "@outside.test", "bob@local.test"));
                    held.get(i).send("Subject: held " + i + "\r\n\r\nfirst line\r\n");
                }
                assertThat(gauge(relay)).isEqualTo(CAP);
                for (int i = 0; i < 4; i++) {
                    try (RawSmtp extra = relay.connect("127.0.0.3" + i)) {
                        extra.command("EHLO client.test");
                        assertThat(extra.command("MAIL FROM:<x" + i + "@outside.test>")).startsWith("250");
                        assertThat(extra.command("RCPT TO:<bob@local.test>")).startsWith("250");
                        assertThat(extra.command("DATA")).isEqualTo(TOO_MANY);
                        assertThat(extra.closedByServer()).isTrue();
                    }
                }
                assertThat(refused(relay)).isEqualTo(4);
                for (RawSmtp smtp : held) {
                    assertThat(smtp.command("last line\r\n.")).startsWith("250 2.0.0 Ok: queued as");
                }
            } finally {
                held.forEach(RawSmtp::close);
            }
            assertThat(relay.spool.messages()).hasSize(CAP);
            for (int i = 0; i < CAP; i++) {
                String sender = "a" + i + "@outside.test";
                assertThat(relay.spool.messages()).filteredOn(m -> m.envelope().mailFrom().equals(sender))
                        .singleElement().satisfies(m -> assertThat(m.text()).endsWith("first line\r\nlast line\r\n"));
            }
            Awaitility.await().atMost(Duration.ofSeconds(120)).until(() -> gauge(relay) == 0);
            // the slots are free again: the next message is taken
            try (RawSmtp next = relay.connect("127.0.0.40").openData("late@outside.test", "bob@local.test")) {
                assertThat(next.command("Subject: late\r\n\r\nbody\r\n.")).startsWith("250 2.0.0");
            }
            assertThat(relay.spool.messages()).hasSize(CAP + 1);
        }
    }

    @Test
    void aMessageWhoseClientVanishesOrIsRefusedGivesItsSlotBack() {
        try (RelayFixture relay = relay()) {
            for (int round = 0; round < 2 * CAP; round++) {
                try (RawSmtp gone = relay.connect("127.0.0.50").openData("gone@outside.test", "bob@local.test")) {
                    gone.send("Subject: never finished\r\n\r\npartial");
                }
                try (RawSmtp bare = relay.connect("127.0.0.51").openData("bare@outside.test", "bob@local.test")) {
                    assertThat(bare.command("Subject: bare LF\n")).startsWith("554 5.6.0");
                }
            }
            Awaitility.await().atMost(Duration.ofSeconds(120)).until(() -> gauge(relay) == 0);
            try (RawSmtp next = relay.connect("127.0.0.52").openData("ok@outside.test", "bob@local.test")) {
                assertThat(next.command("Subject: ok\r\n\r\nbody\r\n.")).startsWith("250 2.0.0");
            }
            assertThat(relay.spool.messages()).hasSize(1);
            assertThat(refused(relay)).isZero();
        }
    }

    /** N clients at once, each a whole message: every 250 is a message in the spool, every other reply is 421. */
    @Test
    void aFloodOfDataFromManyConnectionsLosesNothingItAcknowledged() throws Exception {
        int clients = 24;
        try (RelayFixture relay = relay()) {
            relay.spool.commitDelay(50); // commits that take a while, so that messages overlap
            ConcurrentLinkedQueue<String> acknowledged = new ConcurrentLinkedQueue<>();
            CountDownLatch start = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            List<Future<String>> replies = new ArrayList<>();
            try {
                for (int i = 0; i < clients; i++) {
                    String sender = "flood" + i + "@outside.test";
                    String client = "127.0.1." + (10 + i);
                    replies.add(pool.submit(() -> {
                        try (RawSmtp smtp = relay.connect(client)) {
                            smtp.command("EHLO client.test");
                            smtp.command("MAIL FROM:<" + sender + ">");
                            smtp.command("RCPT TO:<bob@local.test>");
                            start.await();
                            String data = smtp.command("DATA");
                            if (!data.startsWith("354")) {
                                return data;
                            }
                            String end = smtp.command("Subject: " + sender + "\r\n\r\n" + "x".repeat(20_000) + "\r\n.");
                            if (end.startsWith("250")) {
                                acknowledged.add(sender);
                            }
                            return end;
                        }
                    }));
                }
                start.countDown();
                int ok = 0;
                int tooMany = 0;
                for (Future<String> reply : replies) {
                    String text = reply.get(120, TimeUnit.SECONDS);
                    if (text.startsWith("250 2.0.0")) {
                        ok++;
                    } else {
                        assertThat(text).isEqualTo(TOO_MANY);
                        tooMany++;
                    }
                }
                assertThat(ok + tooMany).isEqualTo(clients);
                assertThat(ok).as("acknowledged").isPositive().isEqualTo(acknowledged.size());
                assertThat(refused(relay)).isEqualTo(tooMany);
                assertThat(relay.spool.messages()).as("arrived").hasSize(ok);
                assertThat(relay.spool.messages()).extracting(m -> m.envelope().mailFrom())
                        .containsExactlyInAnyOrderElementsOf(acknowledged);
                assertThat(relay.spool.messages()).allSatisfy(m -> assertThat(m.text())
                        .endsWith("Subject: " + m.envelope().mailFrom() + "\r\n\r\n" + "x".repeat(20_000) + "\r\n"));
                Awaitility.await().atMost(Duration.ofSeconds(120)).until(() -> gauge(relay) == 0);
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
