package io.mailrelay.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Debian's dnsmasq as an authoritative-only DNS server on 127.0.0.1 and a free port, answering from the records the
 * test gives (e.g. {@code "--mx-host=mx.test,mx1.mx.test,10"}, {@code "--host-record=mx1.mx.test,127.0.0.1"}).
 * It never forwards: names under {@code .test} it does not know are NXDOMAIN, anything else is refused.
 */
public final class Dnsmasq implements AutoCloseable {

    private static final String DNSMASQ = "/usr/sbin/dnsmasq";

    private final Process process;
    private final int port;

    private Dnsmasq(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    public static Dnsmasq start(String... records) {
        Exec.requireBinary(DNSMASQ);
        int port = FreePort.pick();
        List<String> command = new ArrayList<>(List.of(DNSMASQ, "--keep-in-foreground", "--conf-file=/dev/null",
                "--no-resolv", "--no-hosts", "--no-poll", "--pid-file=", "--listen-address=127.0.0.1",
                "--bind-interfaces", "--port=" + port, "--local=/test/", "--log-queries", "--log-facility=-"));
        command.addAll(List.of(records));
        try {
            Path log = Files.createTempFile("dnsmasq", ".log");
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            FreePort.awaitListening("127.0.0.1", port, Duration.ofSeconds(10), process);
            return new Dnsmasq(process, port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", port);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
