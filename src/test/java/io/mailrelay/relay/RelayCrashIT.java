package io.mailrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.mailrelay.testing.AppProcess;
import io.mailrelay.testing.SmtpSink;

/**
 * The packaged relay, as a pod runs it, is killed with SIGKILL in the middle of a burst of messages and
 * started again on the same spool: every message that got 250 reaches the upstream (a Postfix
 * smtp-sink), counted on both sides.
 */
@Tag("smtp")
class RelayCrashIT {

    @RegisterExtension
    static final SmtpSink upstream = new SmtpSink();

    @Test
    void everyAcknowledgedMessageSurvivesKillNine() throws Exception {
        Path dir = Files.createTempDirectory("relay-crash");
        String limits = "limits: {maxMessagesPerClientPerMinute: 100000, maxConnectionsPerClient: 100}\n";

        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicBoolean stop = new AtomicBoolean();
        PackagedRelay running = PackagedRelay.start(dir, upstream.port(), "1s", limits);
        AppProcess relay = running.process();
        int smtpPort = running.smtpPort();
        ExecutorService senders = Executors.newFixedThreadPool(4);
        try {
            for (int t = 0; t < 4; t++) {
                int thread = t;
                senders.execute(() -> sendUntilStopped(smtpPort, "t" + thread, acknowledged, stop));
            }
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= 40);
            relay.kill(); // SIGKILL: no shutdown hook, no drain
            stop.set(true);
            senders.shutdown();
            assertThat(senders.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        } finally {
            relay.kill();
        }
        int acknowledgedBeforeKill = acknowledged.size();

        // a new relay on the same spool delivers what the killed one had acknowledged but not delivered
        try (AppProcess restarted = PackagedRelay.start(dir, upstream.port(), "1s", limits).process()) {
            Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                    .until(() -> upstream.testIds().containsAll(acknowledged));
        }
        Set<String> received = upstream.testIds();
        assertThat(received).containsAll(acknowledged);
        // nothing was invented: every message upstream was one a client sent
        assertThat(received).allMatch(id -> id.startsWith("t"));
        System.out.printf("kill -9 test: %d acknowledged before the kill, %d received upstream%n",
                acknowledgedBeforeKill, received.size());
    }

    /** Sends numbered messages until stopped; records the ids answered with 250 after the data. */
    private static void sendUntilStopped(int port, String prefix, Set<String> acknowledged, AtomicBoolean stop) {
        int n = 0;
        while (!stop.get()) {
            try (RawSmtp smtp = RawSmtp.connect("127.0.0.2", port)) {
                smtp.reply();
                smtp.command("EHLO client.test");
                while (!stop.get()) {
                    String id = prefix + "-" + (n++);
                    if (!smtp.command("MAIL FROM:<sender@client.test>").startsWith("250")
                            || !smtp.command("RCPT TO:<user@example.test>").startsWith("250")
                            || !smtp.command("DATA").startsWith("354")) {
                        break;
                    }
                    String reply = smtp.command("Subject: crash test\r\nX-Test-Id: " + id + "\r\n\r\nbody of " + id
                            + "\r\n.");
                    if (reply.startsWith("250")) {
                        acknowledged.add(id);
                    } else {
                        break;
                    }
                }
            } catch (RuntimeException | AssertionError connectionGone) {
                // the relay was killed: whatever was not answered 250 may be lost, and that is allowed
            }
        }
    }
}
