package io.mailrelay.relay.admin;

import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.mailrelay.relay.policy.WorkloadClients;
import io.vertx.ext.web.Router;

/**
 * The router of the HTTP server that serves /q/health and /q/metrics (port 8080). Kept at start-up so that relay
 * mode, and only relay mode, adds the admin routes once it runs; the other modes never expose them.
 */
@ApplicationScoped
public class ManagementRouter {

    private volatile Router router;

    void init(@Observes Router router) {
        this.router = router;
    }

    /** Adds the admin routes; false when this process has no HTTP server. */
    public boolean addAdminRoutes(AdminToken token, QueueAdmin admin, DrainControl drain, WorkloadClients workloadClients,
            Supplier<UpstreamReport> upstreams) {
        Router current = router;
        if (current == null) {
            return false;
        }
        AdminRoutes.register(current, token, admin, drain, workloadClients, upstreams);
        return true;
    }
}
