package io.mailrelay.relay;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import io.mailrelay.testing.AppProcess;
import io.mailrelay.testing.FreePort;

/**
 * The packaged relay as a separate process on a free loopback port, its spool under {@code dir/spool}:
 * 127.0.0.2 may relay, and everything (local domain example.test and the smarthost) goes to
 * 127.0.0.1:upstreamPort without TLS. The management HTTP server (health, metrics, admin) is on httpPort.
 */
record PackagedRelay(Path dir, AppProcess process, int smtpPort, int httpPort) {

    /**
     * @param retrySchedule the spool's retry intervals, e.g. {@code "1s"} or {@code "1h"}
     * @param extraYaml more top-level sections, e.g. a {@code limits:} line
     * @param args more command-line options, e.g. {@code --grace-period 5s}
     */
    static PackagedRelay start(Path dir, int upstreamPort, String retrySchedule, String extraYaml, String... args)
            throws IOException {
        int smtpPort = FreePort.pick();
        return startWith(dir, smtpPort, """
                server: {listenAddress: 127.0.0.1, port: %d, hostname: relay.test}
                allowedNetworks: [127.0.0.2/32]
                localDomains:
                  - {domain: example.test, deliverTo: "127.0.0.1:%d"}
                outbound: {mode: smarthost, smarthost: {host: 127.0.0.1, port: %d, tls: none}}
                spool: {directory: %s, retrySchedule: [%s]}
                """.formatted(smtpPort, upstreamPort, upstreamPort, dir.resolve("spool"), retrySchedule) + extraYaml, args);
    }

    /** The packaged relay with a relay.yaml of the test's own, listening on 127.0.0.1:{@code smtpPort}. */
    static PackagedRelay startWith(Path dir, int smtpPort, String yaml, String... args) throws IOException {
        Path config = dir.resolve("relay.yaml");
        Files.writeString(config, yaml);
        List<String> command = new ArrayList<>(List.of("relay", "--config", config.toString()));
        command.addAll(List.of(args));
        int httpPort = FreePort.pick();
        AppProcess process = AppProcess.builder("relay").property("quarkus.http.port", String.valueOf(httpPort))
                .args(command.toArray(String[]::new)).start();
        FreePort.awaitListening("127.0.0.1", smtpPort, Duration.ofSeconds(90), null);
        return new PackagedRelay(dir, process, smtpPort, httpPort);
    }

    /** Files in {@code spool/queue} whose name ends with {@code suffix} (".msg", ".state"). */
    long queueFiles(String suffix) {
        try (Stream<Path> files = Files.list(dir.resolve("spool/queue"))) {
            return files.filter(file -> file.getFileName().toString().endsWith(suffix)).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
