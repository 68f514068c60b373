package io.mailrelay.operator.probing;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.jboss.logging.Logger;

import com.google.common.net.InetAddresses;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.mailrelay.api.MailRelay;
import io.mailrelay.api.ProbeSpec;
import io.mailrelay.api.ProbeStatus;
import io.mailrelay.config.Cidr;
import io.mailrelay.operator.check.ClusterNetworks;
import io.mailrelay.operator.check.ClusterNetworksReader;
import io.mailrelay.api.Conditions;
import io.mailrelay.probe.ProbeOptions;
import io.mailrelay.probe.ProbeReport;
import io.mailrelay.probe.RelayProbe;

/**
 * Keeps probing every MailRelay for open relaying from where the operator runs, the vantage point of an
 * outsider, on every address its Service exposes ({@link ProbeTargets}; one after the other, so that a relay
 * holds one of the {@link ProbeSettings#maxConcurrentProbes()} workers at most): on the relay's {@code spec.probe.interval}, once more as soon as a new spec or config has
 * rolled out and become ready, never two probes of one relay at once, and at most
 * {@link ProbeSettings#maxConcurrentProbes()} across all relays (see {@link ProbeScheduler}).
 *
 * <p>Probes run on their own threads, never the reconciler's. A finished probe does not write the status
 * itself: it raises an event for its MailRelay and the reconciler, the single writer of the status, puts
 * the result there ({@link #latest(MailRelay)}).
 */
public final class RelayProber implements AutoCloseable {

    /** host:port to probe instead of the Service (out-of-cluster runs); honoured only when enabled. */
    public static final String ADDRESS_ANNOTATION = "mailrelay.io/probe-address";

    private static final Logger LOG = Logger.getLogger(RelayProber.class);

    private final ProbeSettings settings;
    private final ProbeMetrics metrics;
    private final ProbeScheduler<ProbeRun> scheduler;
    private final SimpleInboundEventSource<MailRelay> results = new SimpleInboundEventSource<>("relay-probes");
    private final Map<String, Target> targets = new ConcurrentHashMap<>();
    private final Map<String, ProbeRun> latest = new ConcurrentHashMap<>();
    private final Map<String, String> probedVersion = new ConcurrentHashMap<>();
    private volatile EventSourceContext<MailRelay> relays;
    private final ClusterNetworksReader clusterNetworks = new ClusterNetworksReader();
    /** MailRelay → the addresses its relayFor selects now. */
    private final Map<String, Set<String>> workloadClients = new ConcurrentHashMap<>();

    /** Which relay to probe and what was deployed, refreshed by every reconciliation. */
    private record Target(ResourceID id, MailRelay relay, String specVersion) {
    }

    public RelayProber(ProbeSettings settings, ProbeMetrics metrics) {
        this.settings = settings;
        this.metrics = metrics;
        this.scheduler = new ProbeScheduler<>(settings.maxConcurrentProbes(), this::finished);
    }

    /** The event source that wakes the reconciler when a probe of its MailRelay finished. */
    public EventSource<Void, MailRelay> eventSource(EventSourceContext<MailRelay> context) {
        this.relays = context;
        return results;
    }

    /**
     * Called by every reconciliation of {@code relay}: (re)schedules its probe, or stops it when probing is
     * disabled. {@code specVersion} identifies what is deployed; when it is {@code ready} and not yet
     * probed, a probe runs right away.
     */
    public void track(MailRelay relay, boolean ready, String specVersion) {
        String key = key(relay);
        if (!ProbeSpec.enabled(relay.getSpec().probe)) {
            forget(relay.getMetadata().getNamespace(), relay.getMetadata().getName());
            return;
        }
        targets.put(key, new Target(ResourceID.fromResource(relay), relay, specVersion));
        Duration interval = ProbeSpec.interval(relay.getSpec().probe);
        Duration firstDelay = interval;
        if (!scheduler.isScheduled(key)) {
            // first sight in this process (a start, or a failover to this replica): resume from status
            firstDelay = resumeFromStatus(relay, interval, Instant.now());
            if (probedThisGeneration(relay)) {
                probedVersion.put(key, specVersion);
            }
        }
        scheduler.schedule(key, interval, firstDelay, () -> probe(key));
        if (ready && !specVersion.equals(probedVersion.get(key))) {
            probedVersion.put(key, specVersion);
            scheduler.runNow(key);
        }
    }

    /**
     * When a relay first seen by this process is due: one interval after the probe its status records (made
     * by an earlier leader, perhaps), or now when that is longer ago. So a failover neither probes every relay
     * at once nor skips a probe that is due.
     */
    static Duration resumeFromStatus(MailRelay relay, Duration interval, Instant now) {
        ProbeStatus probe = relay.getStatus() == null ? null : relay.getStatus().probe;
        if (probe == null || probe.lastRunTime == null) {
            return interval;
        }
        Instant due;
        try {
            due = Instant.parse(probe.lastRunTime).plus(interval);
        } catch (DateTimeParseException unreadable) {
            return Duration.ZERO;
        }
        Duration left = Duration.between(now, due);
        return left.isNegative() ? Duration.ZERO : left.compareTo(interval) > 0 ? interval : left;
    }

    /** The status's verdict is about the spec as it is now: no "probe right after the rollout" is owed. */
    static boolean probedThisGeneration(MailRelay relay) {
        if (relay.getStatus() == null || relay.getStatus().probe == null || relay.getStatus().probe.lastRunTime == null) {
            return false;
        }
        return Conditions.find(relay.getStatus().conditions, Conditions.RELAY_CLOSED)
                .map(condition -> Objects.equals(condition.getObservedGeneration(), relay.getMetadata().getGeneration()))
                .orElse(false);
    }

    /** The last probe of {@code relay} made by this operator process, if any. */
    public Optional<ProbeRun> latest(MailRelay relay) {
        return Optional.ofNullable(latest.get(key(relay)));
    }

    private ProbeRun probe(String key) {
        Target target = targets.get(key);
        if (target == null) {
            return null;
        }
        // the MailRelay as it is now, not as of the last reconciliation: metadata-only changes (the address
        // annotation) do not trigger one
        MailRelay current = relays == null ? null : relays.getPrimaryCache().get(target.id()).orElse(null);
        if (relays != null && current == null) {
            // the MailRelay was deleted: nothing to probe any more
            forget(target.id().getNamespace().orElse(""), target.id().getName());
            return null;
        }
        MailRelay relay = current == null ? target.relay() : current;
        ProbeTargets.Plan plan = plan(relay);
        List<ProbeRun.TargetRun> runs = new ArrayList<>();
        for (PlannedProbe planned : plan.probes()) {
            ProbeOptions.Builder options = ProbeOptions.defaults().toBuilder()
                    .testDomain(settings.testDomain())
                    .connectTimeout(settings.timeout()).commandTimeout(settings.timeout())
                    .maxDuration(settings.maxDuration())
                    .proxyHeader(planned.forgedHeader());
            if (settings.sourceAddress() != null) {
                options.sourceAddress(settings.sourceAddress());
            }
            ProbeReport report = RelayProbe.run(planned.address(), options.build());
            LOG.infof("probe of %s at %s: %s (%s)", key, planned.describe(), report.verdict(), report.reason());
            runs.add(new ProbeRun.TargetRun(planned, report));
        }
        return new ProbeRun(runs, settings.vantageAddress(), insider(relay), target.specVersion(), plan.notProbed());
    }

    private void finished(String key, ProbeRun run) {
        Target target = targets.get(key);
        if (target == null) {
            return;
        }
        latest.put(key, run);
        metrics.record(target.id().getNamespace().orElse(""), target.id().getName(), run);
        results.propagateEvent(target.id());
    }

    private void forget(String namespace, String name) {
        String key = namespace + "/" + name;
        scheduler.cancel(key);
        targets.remove(key);
        latest.remove(key);
        probedVersion.remove(key);
        metrics.forget(namespace, name);
    }

    /**
     * Every exposed address of the relay's Service (read now, with the nodes), or the annotated addresses when
     * out-of-cluster overrides are enabled; without an API client, the Service's DNS name.
     */
    private ProbeTargets.Plan plan(MailRelay relay) {
        Map<String, String> annotations = relay.getMetadata().getAnnotations();
        String override = annotations == null ? null : annotations.get(ADDRESS_ANNOTATION);
        if (settings.addressOverride() && override != null && !override.isBlank()) {
            return ProbeTargets.fromAnnotation(relay, override.strip(), settings.maxTargets());
        }
        if (relays == null) {
            return ProbeTargets.plan(relay, null, ClusterNetworks.UNKNOWN, settings.maxTargets());
        }
        KubernetesClient client = relays.getClient();
        Service service = null;
        try {
            service = client.services().inNamespace(relay.getMetadata().getNamespace())
                    .withName(relay.getMetadata().getName()).get();
        } catch (KubernetesClientException unreadable) {
            LOG.warnf("cannot read the Service of %s (%s): probing its DNS name only", key(relay), unreadable.getMessage());
        }
        return ProbeTargets.plan(relay, service, clusterNetworks.read(client), settings.maxTargets());
    }

    /**
     * The addresses relayFor lets relay now (as pushed to the relay pods): the probe from one of them is an insider's.
     */
    public void workloadClients(MailRelay relay, Collection<String> addresses) {
        if (addresses.isEmpty()) {
            workloadClients.remove(key(relay));
        } else {
            workloadClients.put(key(relay), Set.copyOf(addresses));
        }
    }

    private boolean insider(MailRelay relay) {
        return insider(relay, settings.vantageAddress(), workloadClients.getOrDefault(key(relay), Set.of()));
    }

    /**
     * True when the relay trusts the address the probe comes from, in allowedNetworks or among the pods relayFor
     * selects: its verdict is then an insider's.
     */
    static boolean insider(MailRelay relay, InetAddress source, Collection<String> workloadAddresses) {
        if (source == null) {
            return false;
        }
        boolean workload = workloadAddresses.stream().anyMatch(address -> {
            try {
                return InetAddresses.forString(address).equals(source);
            } catch (IllegalArgumentException notAnAddress) {
                return false;
            }
        });
        List<String> allowed = relay.getSpec().allowedNetworks;
        if (workload || allowed == null) {
            return workload;
        }
        return allowed.stream().anyMatch(network -> {
            try {
                return Cidr.parse(network).contains(source);
            } catch (IllegalArgumentException invalid) {
                return false;
            }
        });
    }

    private static String key(MailRelay relay) {
        return Objects.requireNonNull(relay.getMetadata().getNamespace()) + "/" + relay.getMetadata().getName();
    }

    @Override
    public void close() {
        scheduler.close();
    }
}
