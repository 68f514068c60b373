package io.mailrelay.relay.delivery;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.mailrelay.config.HostPort;
import io.mailrelay.config.OutboundMode;
import io.mailrelay.relay.spool.Envelope;
import io.mailrelay.relay.spool.FileMessageSpool;
import io.mailrelay.relay.spool.SpoolWriter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** Builds spools, settings and services for delivery tests; everything points at loopback. */
final class DeliveryFixture {

    /** Two workers, as many per destination, Postfix's caps per attempt. */
    static final DeliverySettings.Limits SMALL_POOL = new DeliverySettings.Limits(2, 2, 5, 2);
    static final RetryPolicy FAST_RETRY = new RetryPolicy(List.of(Duration.ofMillis(500)), Duration.ofHours(1));

    private DeliveryFixture() {
    }

    static DeliverySettings routes(Map<String, HostPort> localRoutes, SmarthostSettings smarthost, RetryPolicy retry) {
        return new DeliverySettings("relay.test", localRoutes, OutboundMode.SMARTHOST, smarthost, null, retry,
                SMALL_POOL, SmtpTimeouts.uniform(Duration.ofSeconds(10)));
    }

    /** A smarthost nobody should ever reach: tests that use it would fail on the connection. */
    static SmarthostSettings unusedSmarthost() {
        return SmarthostSettings.plain(new HostPort("127.0.0.1", 9));
    }

    /** Writes the smarthost's user and password the way a mounted Secret holds them: with a trailing newline. */
    static SmarthostCredentials credentials(Path dir, String username, String password) throws IOException {
        Path usernameFile = Files.writeString(dir.resolve("smarthost-username"), username + "\n");
        Path passwordFile = Files.writeString(dir.resolve("smarthost-password"), password + "\n");
        return new SmarthostCredentials(usernameFile, passwordFile);
    }

    static HostPort loopback(int port) {
        return new HostPort("127.0.0.1", port);
    }

    /** A message as the SMTP server would spool it: the relay's Received: line first, CRLF line ends. */
    static byte[] message(String subject, String extraBody) {
        String text = "Received: from client.test (client.test [127.0.0.5])\r\n\tby relay.test with ESMTP id test;\r\n"
                + "\tThu, 1 Jan 2030 00:00:00 +0000\r\n"
                + "From: Alice <alice@sender.test>\r\nTo: bob@example.test\r\nBcc: hidden@example.test\r\n"
                + "Date: Thu, 1 Jan 2030 00:00:00 +0000\r\nMessage-ID: <" + subject.hashCode() + "@sender.test>\r\n"
                + "Subject: " + subject + "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-8859-1\r\n"
                + "Content-Transfer-Encoding: 8bit\r\n\r\n"
                + extraBody;
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * The bytes as smtp-sink's dump shows them: it stores each received line with a bare LF and ends the dump with
     * an empty line; every other byte (8-bit, long lines, dots) is as received.
     */
    static String asSinkDumps(byte[] sent) {
        return new String(sent, StandardCharsets.ISO_8859_1).replace("\r\n", "\n") + "\n";
    }

    static String spool(FileMessageSpool spool, String from, byte[] body, String... recipients) throws IOException {
        try (SpoolWriter writer = spool.create(new Envelope(from, List.of(recipients), "127.0.0.5", "client.test", null,
                Instant.now()))) {
            writer.body().write(body);
            return writer.commit();
        }
    }

    static DeliveryService start(FileMessageSpool spool, DeliverySettings settings, SimpleMeterRegistry registry) {
        DeliveryService service = new DeliveryService(spool, settings, registry);
        service.start();
        return service;
    }

    static double count(SimpleMeterRegistry registry, String outcome) {
        return registry.get("mailrelay.delivery.recipients").tag("outcome", outcome).counter().count();
    }

    static FileMessageSpool open(Path dir) {
        try {
            return new FileMessageSpool(dir);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
