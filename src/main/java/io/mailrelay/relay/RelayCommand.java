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

import io.mailrelay.MailRelayMain;
import io.mailrelay.config.Durations;
import io.mailrelay.config.InvalidConfigException;
import io.mailrelay.config.RelayConfig;
import io.mailrelay.relay.admin.AdminToken;
import io.mailrelay.relay.admin.ManagementRouter;
import io.mailrelay.relay.config.RelayConfigLoader;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Quarkus;
import io.smallrye.health.api.HealthRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

@Command(name = "relay", mixinStandardHelpOptions = true,
        description = "Run the hardened SMTP relay.")
public class RelayCommand implements Callable<Integer> {
    private static final Logger LOG = Logger.getLogger(RelayCommand.class);

    @Spec
    CommandSpec spec;

    @Option(names = "--config", required = true, description = "relay.yaml (see docs/relay.md)")
    Path config;

    @Option(names = "--grace-period", defaultValue = "30s",
            description = "on SIGTERM, how long the drain may take: open transactions finish, the queue is delivered "
                    + "(default ${DEFAULT-VALUE})")
    String gracePeriod;

    @Inject
    MeterRegistry registry;

    @Inject
    ManagementRouter managementRouter;

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
        AdminToken adminToken;
        try {
            adminToken = AdminToken.of(relayConfig.admin().tokenFile(), relayConfig.admin().reloadInterval());
        } catch (IOException | IllegalArgumentException e) {
            err.println("admin.tokenFile: " + e.getMessage());
            err.flush();
            return 2;
        }
        RelayRuntime started;
        try {
            started = RelayRuntime.start(relayConfig, registry);
        } catch (IOException e) {
            adminToken.close();
            err.println("spool.directory: cannot use " + relayConfig.spool().directory() + ": " + e);
            err.flush();
            return 1;
        }
        try (AdminToken token = adminToken; RelayRuntime runtime = started;
                RelayServer server = new RelayServer(relayConfig, runtime.spool(), registry).start();
                HandOff handOff = new HandOff(relayConfig, server, runtime)) {
            if (managementRouter != null
                    && managementRouter.addAdminRoutes(token, runtime.queueAdmin(registry), handOff,
                            server.workloadClients(), runtime::upstreams)) {
                LOG.infof("admin endpoint on /admin/queue and /admin/upstreams: %s", relayConfig.admin().tokenFile() == null
                        ? "off (no admin.tokenFile), every request is refused" : "token from " + relayConfig.admin().tokenFile());
            }
            HealthCheck live = RelayHealth.liveness();
            HealthCheck ready = RelayHealth.readiness(server, relayConfig.spool().directory());
            liveness.register("relay", live);
            readiness.register("relay", ready);
            LOG.infof("relay listening on %s:%d as %s", relayConfig.server().listenAddress(), server.port(),
                    relayConfig.server().hostname());
            drainOnSigterm();
            MailRelayMain.closeBootJars();
            Quarkus.waitForExit();
            handOff.close();
            if (!drain(server, runtime, grace)) {
                LOG.warnf("%d messages still queued after the grace period: they stay spooled for the next start",
                        runtime.spool().depth());
            }
        }
        return 0;
    }

    /**
     * The JVM answers SIGTERM by running its shutdown hooks at once: Quarkus stops, the process exits 143 and
     * whatever drains on the main thread is cut off. This handler only ends {@link Quarkus#waitForExit()}; the
     * drain then runs with the HTTP endpoints still up, and Quarkus stops and exits 0 when {@link #call()}
     * returns. SIGINT (Ctrl-C) keeps the JVM's behaviour: an immediate stop, the queue stays spooled.
     */
    private static void drainOnSigterm() {
        Signal.handle(new Signal("TERM"), signal -> {
            LOG.info("SIGTERM received: draining");
            Quarkus.asyncExit(0);
        });
    }

    /**
     * Within {@code grace}: refuse new connections and MAIL with 421, close idle sessions with 421, let open
     * transactions finish, and deliver the queue until it is empty; true when it is. The SIGTERM drain, and the
     * first step of a hand-off ({@link HandOff}, for handOff.deliverFor). What is still queued stays spooled.
     */
    static boolean drain(RelayServer server, RelayRuntime runtime, Duration grace) throws InterruptedException {
        Instant deadline = Instant.now().plus(grace);
        LOG.infof("draining for up to %s: %d sessions open, %d messages queued", grace, server.activeSessions(),
                runtime.spool().depth());
        server.stopAccepting();
        runtime.retryNow(); // deliver while the open transactions finish, not only after them
        if (!server.awaitSessions(grace)) {
            LOG.warnf("%d sessions still open after %s", server.activeSessions(), grace);
        }
        Duration left = Duration.between(Instant.now(), deadline);
        return runtime.drain(left.isNegative() ? Duration.ZERO : left);
    }
}
