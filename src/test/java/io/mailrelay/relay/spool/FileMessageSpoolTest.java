package io.mailrelay.relay.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("unit")
class FileMessageSpoolTest {

    @TempDir
    Path dir;

    static Envelope envelope(String from, String... recipients) {
        return new Envelope(from, List.of(recipients), "127.0.0.5", "client.test", null, Instant.parse("2030-01-02T03:04:05Z"));
    }

    static String write(MessageSpool spool, Envelope envelope, byte[] body) throws IOException {
        try (SpoolWriter writer = spool.create(envelope)) {
            writer.body().write(body);
            return writer.commit();
        }
    }

    private static byte[] read(SpooledMessage message) throws IOException {
        try (InputStream in = message.openBody()) {
            return in.readAllBytes();
        }
    }

    @Test
    void committedMessageIsQueuedWithEnvelopeAndExactBytesAndSurvivesARestart() throws IOException {
        byte[] body = "Subject: x\r\n\r\n\u00e9t\u00e9 8-bit\r\n".getBytes(StandardCharsets.ISO_8859_1);
        FileMessageSpool spool = new FileMessageSpool(dir);
        String id = write(spool, envelope("alice@sender.test", "bob@example.test", "carol@example.test"), body);

        assertThat(spool.depth()).isEqualTo(1);
        FileMessageSpool restarted = new FileMessageSpool(dir);
        SpooledMessage recovered = restarted.get(id).orElseThrow();
        assertThat(recovered.envelope()).isEqualTo(envelope("alice@sender.test", "bob@example.test", "carol@example.test"));
        assertThat(read(recovered)).isEqualTo(body);
        assertThat(recovered.state().pendingRecipients()).containsExactly("bob@example.test", "carol@example.test");
        assertThat(recovered.state().attempts()).isZero();
    }

    @Test
    void theOutsiderFlagSurvivesARestartAndMessagesSpooledBeforeItExistedReadAsTrusted() throws IOException {
        FileMessageSpool spool = new FileMessageSpool(dir);
        Envelope outsider = new Envelope("victim@example.net", List.of("bob@example.test"), "198.51.100.7", "spam.test",
                null, Instant.parse("2030-01-02T03:04:05Z"), true);
        String flagged = write(spool, outsider, "Subject: x\r\n\r\nx\r\n".getBytes(StandardCharsets.US_ASCII));
        // a message as the relay spooled it before the field existed
        Files.writeString(dir.resolve("queue/old-format-1.msg"), "MAILRELAY-SPOOL-1 {\"mailFrom\":\"alice@sender.test\","
                + "\"recipients\":[\"bob@example.test\"],\"clientAddress\":\"127.0.0.5\",\"heloName\":\"client.test\","
                + "\"authenticatedUser\":null,\"receivedAt\":\"2030-01-02T03:04:05Z\"}\nSubject: old\r\n\r\nx\r\n");

        FileMessageSpool restarted = new FileMessageSpool(dir);
        assertThat(restarted.get(flagged).orElseThrow().envelope()).isEqualTo(outsider);
        assertThat(restarted.get(flagged).orElseThrow().envelope().fromOutsider()).isTrue();
        assertThat(restarted.get("old-format-1").orElseThrow().envelope())
                .isEqualTo(envelope("alice@sender.test", "bob@example.test"));
        assertThat(restarted.get("old-format-1").orElseThrow().envelope().fromOutsider()).isFalse();
    }

    @Test
    void theRateLimitWaitIsWrittenOnlyWhenThereIsOneAndSurvivesARestart() throws IOException {
        FileMessageSpool spool = new FileMessageSpool(dir);
        String id;
        try (SpoolWriter writer = spool.create(envelope("a@sender.test", "b@example.test", "c@example.test"))) {
            writer.body().write("Subject: x\r\n\r\nx\r\n".getBytes(StandardCharsets.US_ASCII));
            id = writer.commit();
        }
        SpooledMessage message = spool.get(id).orElseThrow();
        Instant next = Instant.parse("2030-01-02T00:00:00Z");
        spool.update(message, message.state().attempted(next));
        Path state = dir.resolve("queue").resolve(id + ".state");
        assertThat(Files.readString(state)).doesNotContain("rateLimited"); // as earlier versions wrote it

        spool.update(message, message.state().rateLimited(next, 3600));
        assertThat(Files.readString(state)).contains("\"rateLimitedSeconds\":3600");
        assertThat(new FileMessageSpool(dir).get(id).orElseThrow().state().rateLimitedSeconds()).isEqualTo(3600);

        // a field a later version adds does not quarantine the message
        Files.writeString(state, Files.readString(state).replaceFirst("\\{", "{\"addedLater\":1,"));
        assertThat(new FileMessageSpool(dir).get(id)).isPresent();
    }

    @Test
    void abortedAndUncommittedMessagesLeaveNothing() throws IOException {
        FileMessageSpool spool = new FileMessageSpool(dir);
        try (SpoolWriter aborted = spool.create(envelope("a@sender.test", "b@example.test"))) {
            aborted.body().write("half".getBytes(StandardCharsets.US_ASCII));
            aborted.abort();
        }
        SpoolWriter abandoned = spool.create(envelope("a@sender.test", "b@example.test")); // the process dies here
        abandoned.body().write("never committed".getBytes(StandardCharsets.US_ASCII));
        abandoned.body().flush();
        assertThat(spool.depth()).isZero();

        FileMessageSpool restarted = new FileMessageSpool(dir);
        assertThat(restarted.depth()).isZero();
        assertThat(filesUnder(dir)).isEmpty();
    }

    @Test
    void closingTheBodyStreamDoesNotPreventCommit() throws IOException {
        FileMessageSpool spool = new FileMessageSpool(dir);
        try (SpoolWriter writer = spool.create(envelope("a@sender.test", "b@example.test"))) {
            try (OutputStream body = writer.body()) {
                body.write("x\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            String id = writer.commit();
            assertThat(read(spool.get(id).orElseThrow())).isEqualTo("x\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThatThrownBy(writer::commit).isInstanceOf(IllegalStateException.class).hasMessageContaining(id);
        }
    }

    @Test
    void deliveryStateIsPersistedAndRemovalIsFinal() throws IOException {
        FileMessageSpool spool = new FileMessageSpool(dir);
        String id = write(spool, envelope("a@sender.test", "b@example.test", "c@example.test"), new byte[] {'x'});
        SpooledMessage message = spool.get(id).orElseThrow();
        Instant next = Instant.parse("2030-01-02T03:09:05Z");
        spool.update(message, message.state()
                .with(Map.of("b@example.test", new RecipientState(RecipientStatus.DELIVERED, "250 ok", "hop")))
                .attempted(next));

        SpooledMessage recovered = new FileMessageSpool(dir).get(id).orElseThrow();
        assertThat(recovered.state().pendingRecipients()).containsExactly("c@example.test");
        assertThat(recovered.state().recipients().get("b@example.test").reply()).isEqualTo("250 ok");
        assertThat(recovered.state().attempts()).isEqualTo(1);
        assertThat(recovered.state().nextAttempt()).isEqualTo(next);

        spool.remove(id);
        assertThat(spool.depth()).isZero();
        assertThat(new FileMessageSpool(dir).depth()).isZero();
        assertThat(filesUnder(dir)).isEmpty();
    }

    @Test
    void aStateFileWhoseMessageWasRemovedBeforeACrashIsDeletedAtStart() throws IOException {
        FileMessageSpool spool = new FileMessageSpool(dir);
        String id = write(spool, envelope("a@sender.test", "b@example.test"), new byte[] {'x'});
        SpooledMessage message = spool.get(id).orElseThrow();
        spool.update(message, message.state().attempted(Instant.now()));
        Files.delete(dir.resolve("queue").resolve(id + ".msg")); // remove() crashed after its first step

        assertThat(new FileMessageSpool(dir).depth()).isZero();
        assertThat(filesUnder(dir)).isEmpty();
    }

    @Test
    void anUnreadableSpoolFileIsQuarantinedNotDeleted() throws IOException {
        Files.createDirectories(dir.resolve("queue"));
        Files.writeString(dir.resolve("queue").resolve("bogus.msg"), "garbage\n");

        assertThat(new FileMessageSpool(dir).depth()).isZero();
        assertThat(dir.resolve("corrupt").resolve("bogus.msg")).hasContent("garbage");
    }

    private static List<Path> filesUnder(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).toList();
        }
    }
}
