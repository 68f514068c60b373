package io.mailrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A DATA that never reaches its final dot leaves nothing in the spool's {@code tmp/} (each abort path,
 * against a real {@code FileMessageSpool}), and the free-space guard refuses MAIL below
 * {@code spool.minFreeSpace} and accepts it above.
 */
@Tag("smtp")
class RelaySpoolHygieneSmtpTest {
    private static final Duration GENEROUS = Duration.ofSeconds(30);
    private static final String LINE = "x".repeat(998) + "\r\n";

    @Test
    void clientThatDisconnectsInTheMiddleOfDataLeavesNoTmpFile() {
        try (RelayFixture relay = RelayFixture.builder().fileSpool().start()) {
            RawSmtp smtp = startData(relay);
            smtp.send("Subject: big\r\n\r\n" + LINE.repeat(3000)); // 3 MB, no final dot
            Awaitility.await().atMost(GENEROUS).until(() -> tmpBytes(relay) > 1_000_000);
            smtp.close();
            awaitTmpEmpty(relay);
            assertThat(relay.fileSpool.depth()).isZero();
        }
    }

    @Test
    void dataThatTimesOutLeavesNoTmpFile() {
        try (RelayFixture relay = RelayFixture.builder().fileSpool().extraYaml("limits: {commandTimeout: 1s}\n").start()) {
            RawSmtp smtp = startData(relay);
            smtp.send("Subject: stalled\r\n\r\n" + LINE.repeat(100));
            assertThat(smtp.reply()).startsWith("421 4.4.2");
            awaitTmpEmpty(relay);
            assertThat(relay.fileSpool.depth()).isZero();
        }
    }

    @Test
    void overLongLineInDataEndsTheSessionAndLeavesNoTmpFile() {
        try (RelayFixture relay = RelayFixture.builder().fileSpool().extraYaml("limits: {maxLineLength: 4096}\n").start()) {
            RawSmtp smtp = startData(relay);
            smtp.send("Subject: long line\r\n\r\n" + LINE.repeat(100));
            Awaitility.await().atMost(GENEROUS).until(() -> tmpBytes(relay) > 0);
            smtp.send("y".repeat(5000) + "\r\n");
            assertThat(smtp.reply()).startsWith("554 5.6.0");
            awaitTmpEmpty(relay);
            assertThat(relay.fileSpool.depth()).isZero();
        }
    }

    @Test
    void messageOverTheSizeLimitIsDiscardedAtOnceAndTheSessionGoesOn() {
        try (RelayFixture relay = RelayFixture.builder().fileSpool().extraYaml("limits: {maxMessageSize: 100000}\n").start()) {
            RawSmtp smtp = startData(relay);
            smtp.send("Subject: too big\r\n\r\n" + LINE.repeat(300)); // 300 kB, still no final dot
            awaitTmpEmpty(relay); // aborted when the limit was passed, not when the client finishes
            assertThat(smtp.command(".")).startsWith("552 5.3.4");
            assertThat(tmpBytes(relay)).isZero();
            assertThat(smtp.command("MAIL FROM:<app@inside.test>")).startsWith("250");
            assertThat(smtp.command("RCPT TO:<bob@local.test>")).startsWith("250");
            assertThat(smtp.command("DATA")).startsWith("354");
            assertThat(smtp.command("Subject: small\r\n\r\nhello\r\n.")).startsWith("250 2.0.0");
            assertThat(relay.fileSpool.depth()).isEqualTo(1);
            awaitTmpEmpty(relay);
            smtp.close();
        }
    }

    @Test
    void bareLineFeedInDataLeavesNoTmpFile() {
        try (RelayFixture relay = RelayFixture.builder().fileSpool().start()) {
            RawSmtp smtp = startData(relay);
            smtp.send("Subject: smuggled\r\n\r\n" + LINE.repeat(100));
            Awaitility.await().atMost(GENEROUS).until(() -> tmpBytes(relay) > 0);
            smtp.send("bare\nline\r\n");
            assertThat(smtp.reply()).startsWith("554 5.6.0");
            awaitTmpEmpty(relay);
            assertThat(relay.fileSpool.depth()).isZero();
        }
    }

    @Test
    void serverThatClosesInTheMiddleOfDataSays421AndLeavesNoTmpFile() {
        RelayFixture relay = RelayFixture.builder().fileSpool().start();
        try {
            RawSmtp smtp = startData(relay);
            smtp.send("Subject: cut by shutdown\r\n\r\n" + LINE.repeat(100));
            Awaitility.await().atMost(GENEROUS).until(() -> tmpBytes(relay) > 0);
            relay.server.close();
            assertThat(smtp.reply()).startsWith("421 4.3.2");
            awaitTmpEmpty(relay);
            assertThat(relay.fileSpool.depth()).isZero();
        } finally {
            relay.close();
        }
    }

    @Test
    void belowMinFreeSpaceMailGets452AndAboveItTheMessageIsAccepted() {
        try (RelayFixture relay = RelayFixture.builder().spool("minFreeSpace: 100Mi").start();
                RawSmtp smtp = relay.connect(RelayFixture.ALLOWED_CLIENT)) {
            smtp.command("EHLO client.test");
            relay.spool.usableSpace((100L << 20) - 1);
            assertThat(smtp.command("MAIL FROM:<app@inside.test>")).isEqualTo("452 4.3.1 Insufficient system storage");
            assertThat(relay.registry.get("mailrelay.spool.free").gauge().value()).isEqualTo((100L << 20) - 1);

            relay.spool.usableSpace(100L << 20);
            assertThat(smtp.command("MAIL FROM:<app@inside.test>")).startsWith("250");
            assertThat(smtp.command("RCPT TO:<bob@local.test>")).startsWith("250");
            assertThat(smtp.command("DATA")).startsWith("354");
            assertThat(smtp.command("Subject: room again\r\n\r\nhello\r\n.")).startsWith("250 2.0.0");

            assertThat(relay.spool.messages()).hasSize(1);
            assertThat(relay.registry.get("mailrelay.relay.mail.refused").tag("reason", "insufficient_storage")
                    .counter().count()).isEqualTo(1.0);
        }
    }

    @Test
    void minFreeSpaceZeroTurnsTheGuardOffAndTheDefaultIs100Mi() {
        try (RelayFixture off = RelayFixture.builder().spool("minFreeSpace: 0").start();
                RawSmtp smtp = off.connect(RelayFixture.ALLOWED_CLIENT)) {
            off.spool.usableSpace(0);
            smtp.command("EHLO client.test");
            assertThat(smtp.command("MAIL FROM:<app@inside.test>")).startsWith("250");
        }
        try (RelayFixture byDefault = RelayFixture.start(); RawSmtp smtp = byDefault.connect(RelayFixture.ALLOWED_CLIENT)) {
            smtp.command("EHLO client.test");
            byDefault.spool.usableSpace((100L << 20) - 1);
            assertThat(smtp.command("MAIL FROM:<app@inside.test>")).startsWith("452 4.3.1");
            byDefault.spool.usableSpace(100L << 20);
            assertThat(smtp.command("MAIL FROM:<app@inside.test>")).startsWith("250");
        }
    }

    @Test
    void theGaugeReadsTheRealFileSystemOfADurableSpool() throws IOException {
        try (RelayFixture relay = RelayFixture.builder().fileSpool().start()) {
            double gauge = relay.registry.get("mailrelay.spool.free").gauge().value();
            long actual = Files.getFileStore(relay.dir.resolve("spool")).getUsableSpace();
            assertThat(gauge).isPositive();
            // the file system is shared with the rest of the machine: equal within what others wrote meanwhile
            assertThat(Math.abs(gauge - actual)).isLessThan(1e9);
        }
    }

    private static RawSmtp startData(RelayFixture relay) {
        return relay.connect(RelayFixture.ALLOWED_CLIENT).openData("app@inside.test", "bob@local.test");
    }

    private static void awaitTmpEmpty(RelayFixture relay) {
        Awaitility.await().atMost(GENEROUS).untilAsserted(() -> assertThat(tmpFiles(relay)).isZero());
    }

    private static long tmpFiles(RelayFixture relay) {
        try (Stream<Path> files = Files.list(relay.dir.resolve("spool/tmp"))) {
            return files.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long tmpBytes(RelayFixture relay) {
        try (Stream<Path> files = Files.list(relay.dir.resolve("spool/tmp"))) {
            return files.mapToLong(file -> {
                try {
                    return Files.size(file);
                } catch (IOException gone) {
                    return 0;
                }
            }).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
