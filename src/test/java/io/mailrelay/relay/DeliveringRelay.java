package io.mailrelay.relay;

import java.nio.file.Path;

import io.mailrelay.relay.config.RelayConfigLoader;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * A relay with its durable spool and delivery running in this JVM, from a relay.yaml, started as relay mode starts
 * it (one {@link RelayRuntime}, one {@link RelayServer} on it); closing stops the server first, then delivery.
 */
public final class DeliveringRelay implements AutoCloseable {

    public final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    public final RelayRuntime runtime;
    public final RelayServer server;

    private DeliveringRelay(Path config) throws Exception {
        runtime = RelayRuntime.start(RelayConfigLoader.load(config), registry);
        RelayServer started;
        try {
            started = new RelayServer(RelayConfigLoader.load(config), runtime.spool(), registry).start();
        } catch (Exception | Error e) {
            runtime.close();
            throw e;
        }
        server = started;
    }

    public static DeliveringRelay start(Path config) throws Exception {
        return new DeliveringRelay(config);
    }

    public int port() {
        return server.port();
    }

    @Override
    public void close() {
        server.close();
        runtime.close();
    }
}
