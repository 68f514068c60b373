package io.mailrelay.relay;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;

/**
 * Relay-mode health checks, registered at run time by {@link RelayCommand} only (the other modes of the
 * same image never see them). Readiness: the SMTP listener is bound, the relay is not draining, and the
 * spool directory accepts a new file.
 */
final class RelayHealth {
    private RelayHealth() {
    }

    static HealthCheck liveness() {
        return () -> HealthCheckResponse.up("relay");
    }

    /** Until the listener is up: the HTTP server starts first, and "no checks" would read as ready. */
    static HealthCheck starting() {
        return () -> HealthCheckResponse.named("relay").down().withData("starting", true).build();
    }

    static HealthCheck readiness(RelayServer server, Path spoolDirectory) {
        return () -> HealthCheckResponse.named("relay")
                .status(server.isListening() && server.isAccepting() && writable(spoolDirectory))
                .withData("listening", server.isListening())
                .withData("draining", !server.isAccepting())
                .withData("spoolWritable", writable(spoolDirectory))
                .withData("activeSessions", server.activeSessions())
                .build();
    }

    static boolean writable(Path directory) {
        try {
            Path probe = Files.createTempFile(directory, ".ready", ".tmp");
            Files.delete(probe);
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
