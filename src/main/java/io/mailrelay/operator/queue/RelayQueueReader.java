package io.mailrelay.operator.queue;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.mailrelay.api.MailRelay;
import io.mailrelay.api.QueueStatus;
import io.mailrelay.api.UpstreamStatus;
import io.mailrelay.concurrent.DaemonThreads;
import io.mailrelay.operator.naming.DependentNames;
import io.mailrelay.relay.admin.AdminRoutes;
import io.mailrelay.relay.admin.QueueReport;
import io.mailrelay.relay.admin.UpstreamReport;

/**
 * Reads every tracked relay's queue and upstream check on a schedule: each ready pod's admin endpoint (pod IP,
 * management port), with the token of the relay's {@code <name>-admin} Secret. The queue sum and the merged upstream
 * checks are kept for the status, and a reading that changed wakes the relay's reconciliation, which writes it
 * (through StatusComposer) and the QueueHealthy and UpstreamReady transitions.
 */
public final class RelayQueueReader implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(RelayQueueReader.class);

    /** Out-of-cluster runs only (with address overrides on): host:port list of the pods' management ports. */
    public static final String ADDRESS_ANNOTATION = "mailrelay.io/admin-address";

    private final Duration interval;
    private final boolean addressOverride;
    private final RelayAdminClient admin;
    private final ScheduledExecutorService timer;
    private final SimpleInboundEventSource<MailRelay> changes = new SimpleInboundEventSource<>("relay-queues");
    private final Map<ResourceID, QueueStatus> latest = new ConcurrentHashMap<>();
    private final Map<ResourceID, List<UpstreamStatus>> upstreams = new ConcurrentHashMap<>();
    private final Map<ResourceID, Boolean> tracked = new ConcurrentHashMap<>();
    private volatile EventSourceContext<MailRelay> relays;

    public RelayQueueReader(Duration interval, Duration timeout, boolean addressOverride) {
        this.interval = interval;
        this.addressOverride = addressOverride;
        this.admin = new RelayAdminClient(timeout);
        this.timer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("queue-reader"));
    }

    /** The event source that wakes the reconciler when a relay's queue figures changed. */
    public EventSource<Void, MailRelay> eventSource(EventSourceContext<MailRelay> context) {
        boolean first = relays == null;
        this.relays = context;
        if (first) {
            timer.scheduleWithFixedDelay(this::readAll, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        }
        return changes;
    }

    /** Called by every reconciliation: read this relay's queue while it runs, forget it otherwise. */
    public void track(MailRelay relay, boolean running) {
        ResourceID id = ResourceID.fromResource(relay);
        if (running) {
            tracked.put(id, Boolean.TRUE);
        } else {
            tracked.remove(id);
            latest.remove(id);
            upstreams.remove(id);
        }
    }

    /** The last reading of {@code relay}'s queue, if any. */
    public Optional<QueueStatus> latest(MailRelay relay) {
        return Optional.ofNullable(latest.get(ResourceID.fromResource(relay)));
    }

    /**
     * The last upstream checks of {@code relay}'s pods, merged; empty before any pod answered
     * {@code GET /admin/upstreams}.
     */
    public Optional<List<UpstreamStatus>> latestUpstreams(MailRelay relay) {
        return Optional.ofNullable(upstreams.get(ResourceID.fromResource(relay)));
    }

    private void readAll() {
        EventSourceContext<MailRelay> context = relays;
        for (ResourceID id : List.copyOf(tracked.keySet())) {
            try {
                MailRelay relay = context.getPrimaryCache().get(id).orElse(null);
                if (relay == null) {
                    tracked.remove(id);
                    latest.remove(id);
                    upstreams.remove(id);
                    continue;
                }
                Map<String, UpstreamReport> checks = new LinkedHashMap<>();
                QueueStatus reading = read(context.getClient(), relay, checks);
                QueueStatus previous = latest.put(id, reading);
                boolean changed = previous == null || !sameFigures(previous, reading);
                if (!checks.isEmpty()) {
                    List<UpstreamStatus> merged = UpstreamSummary.of(checks);
                    List<UpstreamStatus> before = upstreams.put(id, merged);
                    changed |= before == null || !json(before).equals(json(merged));
                }
                if (changed) {
                    changes.propagateEvent(id);
                }
            } catch (RuntimeException e) {
                LOG.errorf(e, "reading the queue of %s failed", id);
            }
        }
    }

    /** @param checks filled with each pod's upstream report, when it gave one */
    QueueStatus read(KubernetesClient client, MailRelay relay, Map<String, UpstreamReport> checks) {
        Map<String, String> pods = addresses(client, relay);
        // the Secret only when there is a pod to ask: a relay whose pods are not up costs one request, not two
        String token = pods.isEmpty() ? null : RelayPods.adminToken(client, relay);
        Map<String, QueueReport> reports = new LinkedHashMap<>();
        int unreachable = 0;
        for (Map.Entry<String, String> pod : pods.entrySet()) {
            try {
                if (token == null) {
                    throw new IOException("Secret " + DependentNames.adminSecret(relay) + " has no token");
                }
                reports.put(pod.getKey(), admin.summary(pod.getValue(), token));
            } catch (IOException | RuntimeException e) {
                unreachable++;
                LOG.warnf("queue of %s/%s at %s not read: %s", relay.getMetadata().getNamespace(), pod.getKey(),
                        pod.getValue(), e.getMessage());
                continue;
            }
            try {
                checks.put(pod.getKey(), admin.upstreams(pod.getValue(), token));
            } catch (IOException | RuntimeException e) { // a relay image from before the upstream check: 404
                LOG.debugf("upstream checks of %s/%s at %s not read: %s", relay.getMetadata().getNamespace(),
                        pod.getKey(), pod.getValue(), e.getMessage());
            }
        }
        return QueueSummary.of(reports, unreachable, Instant.now());
    }

    /** Pod name → host:port of its management port: ready pods with an IP, or the out-of-cluster override. */
    private Map<String, String> addresses(KubernetesClient client, MailRelay relay) {
        Map<String, String> addresses = new LinkedHashMap<>();
        Map<String, String> annotations = relay.getMetadata().getAnnotations();
        String override = annotations == null ? null : annotations.get(ADDRESS_ANNOTATION);
        if (addressOverride && override != null && !override.isBlank()) {
            for (String address : override.split(",")) {
                addresses.put(address.strip(), address.strip());
            }
            return addresses;
        }
        RelayPods.addresses(client, relay, false).forEach((pod, address) -> {
            if (address.ready()) {
                addresses.put(pod, address.admin());
            }
        });
        return addresses;
    }

    /** readAt and the ages move on every reading: only a change that matters wakes the reconciler. */
    private static boolean sameFigures(QueueStatus a, QueueStatus b) {
        return Objects.equals(a.depth, b.depth) && Objects.equals(a.held, b.held)
                && Objects.equals(a.deferredRecipients, b.deferredRecipients)
                && Objects.equals(a.oldestAge, b.oldestAge)
                && Objects.equals(a.podsRead, b.podsRead) && Objects.equals(a.podsUnreachable, b.podsUnreachable)
                && Objects.equals(a.lastError == null ? null : a.lastError.at, b.lastError == null ? null : b.lastError.at);
    }

    private static String json(List<UpstreamStatus> upstreams) {
        try {
            return AdminRoutes.JSON.writeValueAsString(upstreams);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
