package io.mailrelay.relay.spool;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * Child process of the crash test: writes messages into a {@link FileMessageSpool} as fast as it can and prints
 * each id right after {@code commit()} returned, until it is killed.
 */
public final class SpoolBurstWriter {

    private SpoolBurstWriter() {
    }

    public static void main(String[] args) throws Exception {
        FileMessageSpool spool = new FileMessageSpool(Path.of(args[0]));
        for (int n = 0; ; n++) {
            try (SpoolWriter writer = spool.create(new Envelope("burst@sender.test", List.of("rcpt@example.test"),
                    "127.0.0.5", "client.test", null, Instant.now()))) {
                String text = "Message-ID: <burst-" + n + "@sender.test>\r\nSubject: burst " + n + "\r\n\r\n"
                        + "body of message " + n + "\r\n" + "x".repeat(n % 5000) + "\r\n";
                writer.body().write(text.getBytes(StandardCharsets.US_ASCII));
                String id = writer.commit();
                System.out.println(id);
                System.out.flush();
            }
        }
    }
}
