package io.mailrelay.relay;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;

import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

import io.mailrelay.relay.config.Durations;
import io.mailrelay.relay.config.InvalidConfigException;
import io.mailrelay.relay.config.RelayConfig;
import io.mailrelay.relay.config.RelayConfigLoader;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Quarkus;
import io.smallrye.health.api.HealthRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "relay", mixinStandardHelpOptions = true,
        description = "Run the hardened SMTP relay.")
public class RelayCommand implements Callable<Integer> {
    private static final Logger LOG = Logger.getLogger(RelayCommand.class);

    @Spec
    CommandSpec spec;

    @Option(names = "--config", required = true, description = "relay.yaml (see docs/relay.md)")
    Path config;

    @Option(names = "--grace-period", defaultValue = "30s",
            description = "on SIGTERM, how long in-flight sessions may take to finish (default ${DEFAULT-VALUE})")
    String gracePeriod;

    @Inject
    MeterRegistry registry;

    @Inject
    @Liveness
    HealthRegistry liveness;

    @Inject
    @Readiness
    HealthRegistry readiness;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        RelayConfig relayConfig;
        Duration grace;
        try {
            grace = Durations.parse(gracePeriod);
            relayConfig = RelayConfigLoader.load(config);
        } catch (InvalidConfigException | IllegalArgumentException e) {
            err.println(e.getMessage().startsWith("\"") ? "--grace-period: " + e.getMessage() : e.getMessage());
            err.flush();
            return 2;
        }
        if (readiness != null) { // null only when run outside Quarkus (unit tests)
            readiness.register("relay", RelayHealth.starting());
        }
        RelayRuntime started;
        try {
            started = RelayRuntime.start(relayConfig, registry);
        } catch (IOException e) {
            err.println("spool.directory: cannot use " + relayConfig.spool().directory() + ": " + e);
            err.flush();
            return 1;
        }
        try (RelayRuntime runtime = started;
                RelayServer server = new RelayServer(relayConfig, runtime.spool(), registry).start()) {
            HealthCheck live = RelayHealth.liveness();
            HealthCheck ready = RelayHealth.readiness(server, relayConfig.spool().directory());
            liveness.register("relay", live);
            readiness.register("relay", ready);
            LOG.infof("relay listening on %s:%d as %s", relayConfig.server().listenAddress(), server.port(),
                    relayConfig.server().hostname());
            Quarkus.waitForExit();
            LOG.infof("stopping: no new sessions, %d in flight, grace period %s", server.activeSessions(), grace);
            Instant deadline = Instant.now().plus(grace);
            server.stopAccepting();
            if (!server.awaitSessions(grace)) {
                LOG.warnf("%d sessions still open after the grace period: closing them with 421", server.activeSessions());
            }
            // what is still queued is delivered in what is left of the grace period; the rest stays spooled
            Duration left = Duration.between(Instant.now(), deadline);
            if (!runtime.drain(left.isNegative() ? Duration.ZERO : left)) {
                LOG.warnf("%d messages still queued after the grace period: they stay in %s",
                        runtime.spool().depth(), relayConfig.spool().directory());
            }
        }
        return 0;
    }
}
