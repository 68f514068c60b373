package io.mailrelay.relay.admin;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import com.google.common.net.InetAddresses;

import io.mailrelay.config.HostPort;
import io.mailrelay.relay.policy.WorkloadClients;
import io.mailrelay.relay.delivery.DeliveryService.Action;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * {@code /admin/queue} on the management HTTP server (docs/relay.md, "Admin endpoint"): token first, then
 * {@code GET /admin/queue[?summary=true]}, {@code POST /admin/queue/flush} and
 * {@code POST /admin/queue/{id}/flush|delete|hold|release|bounce}, and {@code GET|POST|DELETE /admin/drain} (the
 * hand-off), and {@code GET /admin/upstreams} (the upstream check).
 * Errors are JSON {@code {"error": "..."}}.
 */
public final class AdminRoutes {
    private static final Logger LOG = Logger.getLogger(AdminRoutes.class);

    public static final ObjectMapper JSON = JsonMapper.builder().addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();

    private AdminRoutes() {
    }

    /** The body of {@code POST /admin/drain}. */
    public record DrainRequest(String peer) {
    }

    /** Room for about 60,000 addresses: a set beyond that is refused (413), never cut short. */
    static final int WORKLOAD_CLIENTS_BODY_LIMIT = 1 << 20;

    /**
     * @param drain null: no {@code /admin/drain} (404)
     * @param workloadClients the set {@code GET|PUT /admin/workload-clients} reads and replaces
     * @param upstreams the upstream check's latest results ({@code GET /admin/upstreams})
     */
    public static void register(Router router, AdminToken token, QueueAdmin admin, DrainControl drain,
            WorkloadClients workloadClients, Supplier<UpstreamReport> upstreams) {
        router.route("/admin/*").order(-100).handler(ctx -> authorize(ctx, token));
        router.route(HttpMethod.GET, "/admin/queue").order(-99)
                .blockingHandler(ctx -> reply(ctx, 200, admin.report("true".equals(ctx.queryParams().get("summary")))),
                        false);
        router.route(HttpMethod.GET, "/admin/upstreams").order(-99).handler(ctx -> reply(ctx, 200, upstreams.get()));
        router.route(HttpMethod.POST, "/admin/queue/flush").order(-99).blockingHandler(ctx -> {
            admin.flushAll(client(ctx));
            reply(ctx, 200, Map.of("result", "flushed"));
        }, false);
        if (drain != null) {
            router.route(HttpMethod.GET, "/admin/drain").order(-99).handler(ctx -> reply(ctx, 200, drain.report()));
            router.route(HttpMethod.POST, "/admin/drain").order(-99).handler(BodyHandler.create().setBodyLimit(4096));
            router.route(HttpMethod.POST, "/admin/drain").order(-98)
                    .blockingHandler(ctx -> startDrain(ctx, drain), false);
            router.route(HttpMethod.DELETE, "/admin/drain").order(-99)
                    .blockingHandler(ctx -> reply(ctx, 200, drain.cancel(client(ctx))), false);
        }
        router.route(HttpMethod.GET, "/admin/workload-clients").order(-99)
                .handler(ctx -> reply(ctx, 200, report(workloadClients.snapshot())));
        router.route(HttpMethod.PUT, "/admin/workload-clients").order(-99)
                .handler(BodyHandler.create().setBodyLimit(WORKLOAD_CLIENTS_BODY_LIMIT));
        router.route(HttpMethod.PUT, "/admin/workload-clients").order(-98)
                .handler(ctx -> replaceWorkloadClients(ctx, workloadClients));
        router.route(HttpMethod.POST, "/admin/queue/:id/:action").order(-98)
                .blockingHandler(ctx -> messageAction(ctx, admin), false);
        router.route("/admin/*").order(-97).handler(ctx -> error(ctx, 404,
                "no such admin resource: " + ctx.request().method() + " " + ctx.request().path()));
    }

    private static void authorize(RoutingContext ctx, AdminToken token) {
        switch (token.check(ctx.request().getHeader("Authorization"))) {
            case ALLOWED -> ctx.next();
            case DISABLED -> {
                LOG.warnf("admin: refused %s %s from %s: no admin.tokenFile configured", ctx.request().method(),
                        ctx.request().path(), client(ctx));
                error(ctx, 403, "the admin endpoint is off: no admin.tokenFile configured");
            }
            case UNAUTHORIZED -> {
                LOG.warnf("admin: refused %s %s from %s: missing or wrong token", ctx.request().method(),
                        ctx.request().path(), client(ctx));
                ctx.response().putHeader("WWW-Authenticate", "Bearer");
                error(ctx, 401, "missing or wrong bearer token");
            }
        }
    }

    private static void messageAction(RoutingContext ctx, QueueAdmin admin) {
        String id = ctx.pathParam("id");
        String name = ctx.pathParam("action");
        QueueAdmin.MessageAction action = QueueAdmin.MessageAction.parse(name).orElse(null);
        if (action == null) {
            error(ctx, 404, "no such action: " + name + " (flush, delete, hold, release, bounce)");
            return;
        }
        try {
            Action result = admin.apply(action, id, client(ctx));
            switch (result) {
                case DONE -> reply(ctx, 200, Map.of("id", id, "result", action.name().toLowerCase() + " done"));
                case NOT_FOUND -> error(ctx, 404, "no such message in the queue: " + id);
                case BUSY -> error(ctx, 409, id + " is being delivered right now; try again in a moment");
            }
        } catch (IOException | RuntimeException e) {
            LOG.errorf(e, "admin: %s %s failed", name, id);
            error(ctx, 500, name + " " + id + " failed: " + e.getMessage());
        }
    }

    private static void startDrain(RoutingContext ctx, DrainControl drain) {
        HostPort peer;
        try {
            DrainRequest request = JSON.readValue(ctx.body().asString(), DrainRequest.class);
            peer = HostPort.parse(request.peer());
        } catch (IOException | RuntimeException e) {
            error(ctx, 400, "expected {\"peer\": \"host:port\"}: " + e.getMessage());
            return;
        }
        try {
            reply(ctx, 202, drain.start(peer, client(ctx)));
        } catch (IllegalArgumentException e) {
            error(ctx, 400, e.getMessage());
        } catch (IllegalStateException e) {
            error(ctx, 409, e.getMessage());
        }
    }

    /** Every address an IP literal (never a name: no DNS), or nothing changes. */
    private static void replaceWorkloadClients(RoutingContext ctx, WorkloadClients clients) {
        WorkloadClientsReport request;
        List<InetAddress> addresses = new ArrayList<>();
        try {
            request = JSON.readValue(ctx.body().asString(), WorkloadClientsReport.class);
            for (String address : request.addresses()) {
                addresses.add(InetAddresses.forString(address));
            }
        } catch (IOException | RuntimeException e) {
            error(ctx, 400, "expected {\"revision\": \"...\", \"addresses\": [\"<IP>\", ...]}: " + e.getMessage());
            return;
        }
        String before = clients.snapshot().revision();
        clients.replace(request.revision() == null ? "" : request.revision(), addresses, Instant.now());
        if (!before.equals(clients.snapshot().revision())) {
            LOG.infof("admin: workload clients %s from %s: %d addresses may relay", clients.snapshot().revision(),
                    client(ctx), addresses.size());
        }
        reply(ctx, 200, report(clients.snapshot()));
    }

    private static WorkloadClientsReport report(WorkloadClients.Snapshot snapshot) {
        return new WorkloadClientsReport(snapshot.revision(),
                snapshot.addresses().stream().map(InetAddresses::toAddrString).sorted().toList(), snapshot.updatedAt());
    }

    private static String client(RoutingContext ctx) {
        return ctx.request().remoteAddress() == null ? "?" : ctx.request().remoteAddress().hostAddress();
    }

    private static void error(RoutingContext ctx, int status, String message) {
        reply(ctx, status, Map.of("error", message));
    }

    private static void reply(RoutingContext ctx, int status, Object body) {
        try {
            ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                    .putHeader("Cache-Control", "no-store").end(JSON.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            ctx.fail(e);
        }
    }
}
