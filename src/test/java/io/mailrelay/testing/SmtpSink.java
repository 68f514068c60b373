package io.mailrelay.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Postfix's smtp-sink on a free loopback port, dumping every transaction to a file that
 * {@link #messages()} reads back. Register with {@code @RegisterExtension static SmtpSink sink = new SmtpSink();}.
 * Extra smtp-sink options (for example {@code "-f", "RCPT"} to reject recipients) go to the constructor.
 */
public final class SmtpSink implements BeforeAllCallback, AfterAllCallback, AfterEachCallback, AutoCloseable {

    private static final String SMTP_SINK = "/usr/sbin/smtp-sink";

    private final List<String> extraOptions;
    private Process process;
    private Path dumpDir;
    private int port;

    public SmtpSink(String... extraOptions) {
        this.extraOptions = List.of(extraOptions);
    }

    /** Listens on this port instead of a free one (e.g. a port a test first left closed); call before start. */
    public SmtpSink onPort(int fixedPort) {
        this.port = fixedPort;
        return this;
    }

    public SmtpSink start() {
        try {
            Exec.requireBinary(SMTP_SINK);
            dumpDir = Files.createTempDirectory("smtp-sink");
            // smtp-sink drops root privileges to the -u user before writing dumps
            Files.setPosixFilePermissions(dumpDir, PosixFilePermissions.fromString("rwxrwxrwx"));
            port = port == 0 ? FreePort.pick() : port;
            List<String> command = new ArrayList<>(List.of(SMTP_SINK, "-u", "nobody", "-d", dumpDir + "/%s."));
            command.addAll(extraOptions);
            command.addAll(List.of("127.0.0.1:" + port, "64"));
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(dumpDir.resolveSibling(dumpDir.getFileName() + ".log").toFile()).start();
            FreePort.awaitListening("127.0.0.1", port, Duration.ofSeconds(10), process);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return port;
    }

    public String host() {
        return "127.0.0.1";
    }

    /** Every transaction received so far, oldest first. */
    public List<SinkMessage> messages() {
        try (Stream<Path> files = Files.list(dumpDir)) {
            return files.sorted(Comparator.comparing(SmtpSink::modified).thenComparing(Path::toString))
                    .map(SinkMessage::read).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The {@code X-Test-Id:} header of every message received (tests number their messages with it). */
    public Set<String> testIds() {
        return new HashSet<>(testIdCounts().keySet());
    }

    /** How often each {@code X-Test-Id:} arrived: more than once is a duplicate delivery. */
    public Map<String, Integer> testIdCounts() {
        Map<String, Integer> counts = new HashMap<>();
        for (SinkMessage message : messages()) {
            String text = message.text();
            int at = text.indexOf("X-Test-Id: ");
            if (at >= 0) {
                int end = text.indexOf('\n', at); // smtp-sink's dump has LF line ends
                counts.merge(text.substring(at + 11, end).strip(), 1, Integer::sum);
            }
        }
        return counts;
    }

    /** Forgets what was received. */
    public void clear() {
        try (Stream<Path> files = Files.list(dumpDir)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static java.nio.file.attribute.FileTime modified(Path file) {
        try {
            return Files.getLastModifiedTime(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (process != null) {
            process.destroy();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        start();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        clear();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }
}
