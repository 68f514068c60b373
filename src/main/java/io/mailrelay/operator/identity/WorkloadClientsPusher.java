package io.mailrelay.operator.identity;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.mailrelay.api.MailRelay;
import io.mailrelay.api.RelayForStatus;
import io.mailrelay.operator.queue.RelayAdminClient;
import io.mailrelay.operator.queue.RelayPods;
import io.mailrelay.operator.naming.RelayLabels;

/**
 * Keeps every relay pod's set of workload clients ({@code PUT /admin/workload-clients}) equal to the addresses of the
 * pods its MailRelay's relayFor selects. A pod informer wakes the MailRelays that look at the pod's namespace (and the
 * MailRelay of a relay pod), and each reconciliation pushes, before it applies anything else, to every relay pod
 * whose set differs or is older than {@link #REFRESH}: a relay restarted in place (its set is in memory only) gets it
 * back within that time, refusing the pods until then.
 */
public final class WorkloadClientsPusher {
    private static final Logger LOG = Logger.getLogger(WorkloadClientsPusher.class);

    static final String NAME = "workload-pods";
    static final String INDEX = "relay-for-namespaces";
    /** How long a pushed set is trusted to be in a relay pod without looking again. */
    public static final Duration REFRESH = Duration.ofSeconds(60);
    /** The revision of "nothing selected": what a relay pod holds after relayFor was removed. */
    static final String NONE = "none";

    private record Pushed(String revision, Instant at) {
    }

    private final RelayAdminClient admin;
    private final boolean addressOverride;
    /** MailRelay → relay pod admin address → what it holds. */
    private final Map<ResourceID, Map<String, Pushed>> pushed = new ConcurrentHashMap<>();
    private final Map<ResourceID, RelayForStatus> latest = new ConcurrentHashMap<>();
    private final Map<ResourceID, SortedSet<String>> selectedAddresses = new ConcurrentHashMap<>();
    private volatile InformerEventSource<Pod, MailRelay> pods;

    public WorkloadClientsPusher(Duration timeout, boolean addressOverride) {
        this.admin = new RelayAdminClient(timeout);
        this.addressOverride = addressOverride;
    }

    /** The pod informer: a pod event wakes the MailRelays whose relayFor looks at its namespace, and its own. */
    public InformerEventSource<Pod, MailRelay> eventSource(EventSourceContext<MailRelay> context) {
        IndexerResourceCache<MailRelay> relays = context.getPrimaryCache();
        relays.addIndexer(INDEX, relay -> relay.getSpec() == null || relay.getSpec().relayFor == null ? List.of()
                : PodSelection.namespaces(relay));
        pods = new InformerEventSource<>(InformerEventSourceConfiguration.from(Pod.class, MailRelay.class)
                .withName(NAME)
                .withSecondaryToPrimaryMapper(pod -> concerned(relays, pod))
                .withOnUpdateFilter((changed, before) -> !sameFacts(changed, before))
                .build(), context);
        return pods;
    }

    /**
     * What selection and pushing look at: a pod's status moving on in other ways (conditions' timestamps, container
     * states) wakes nobody, so a busy namespace does not reconcile its relays at every pod update. For relay pods,
     * readiness and restarts too: a restarted relay lost its set.
     */
    static boolean sameFacts(Pod a, Pod b) {
        return Objects.equals(facts(a), facts(b));
    }

    private static List<Object> facts(Pod pod) {
        var status = pod.getStatus();
        var spec = pod.getSpec();
        return Arrays.asList(pod.getMetadata().getLabels(), pod.getMetadata().getDeletionTimestamp() != null,
                spec == null ? null : spec.getHostNetwork(), spec == null ? null : spec.getServiceAccountName(),
                status == null ? null : status.getPhase(), status == null ? null : status.getPodIP(),
                status == null ? null : status.getPodIPs(),
                status == null || status.getConditions() == null ? null : status.getConditions().stream()
                        .filter(c -> "Ready".equals(c.getType())).map(c -> c.getStatus()).toList(),
                status == null || status.getContainerStatuses() == null ? null : status.getContainerStatuses().stream()
                        .map(c -> c.getRestartCount()).toList());
    }

    private static Set<ResourceID> concerned(IndexerResourceCache<MailRelay> relays, Pod pod) {
        Set<ResourceID> ids = relays.byIndex(INDEX, pod.getMetadata().getNamespace()).stream()
                .map(ResourceID::fromResource).collect(Collectors.toSet());
        Map<String, String> labels = pod.getMetadata().getLabels();
        if (labels != null && RelayLabels.APP.equals(labels.get(RelayLabels.NAME)) && labels.get(RelayLabels.INSTANCE) != null) {
            ids.add(new ResourceID(labels.get(RelayLabels.INSTANCE), pod.getMetadata().getNamespace()));
        }
        return ids;
    }

    /**
     * Brings every relay pod of {@code relay} up to date; the returned status is also kept for {@link #latest}.
     * Without relayFor, pods that were given a set get the empty one, once.
     */
    public Optional<RelayForStatus> push(KubernetesClient client, MailRelay relay) {
        ResourceID id = ResourceID.fromResource(relay);
        if (relay.getSpec().relayFor == null) {
            latest.remove(id);
            selectedAddresses.remove(id);
            Map<String, Pushed> before = pushed.get(id);
            if (before != null && before.values().stream().anyMatch(p -> !NONE.equals(p.revision()))) {
                pushToRelayPods(client, relay, NONE, new TreeSet<>());
            } else {
                pushed.remove(id);
            }
            return Optional.empty();
        }
        List<Pod> selected = new ArrayList<>();
        if (pods != null) {
            for (String namespace : PodSelection.namespaces(relay)) {
                pods.list(namespace).filter(pod -> PodSelection.selects(relay, pod)).forEach(selected::add);
            }
        }
        SortedSet<String> addresses = PodSelection.addresses(relay, selected);
        RelayForStatus status = pushToRelayPods(client, relay, revision(addresses), addresses);
        selectedAddresses.put(id, addresses);
        status.pods = selected.size();
        status.namespaces = selected.stream().map(pod -> pod.getMetadata().getNamespace()).distinct().sorted().toList();
        latest.put(id, status);
        return Optional.of(status);
    }

    /** The addresses of the pods relayFor selected at the last push (none without relayFor). */
    public SortedSet<String> addresses(MailRelay relay) {
        return selectedAddresses.getOrDefault(ResourceID.fromResource(relay), new TreeSet<>());
    }

    public Optional<RelayForStatus> latest(MailRelay relay) {
        return Optional.ofNullable(latest.get(ResourceID.fromResource(relay)));
    }

    private RelayForStatus pushToRelayPods(KubernetesClient client, MailRelay relay, String revision,
            SortedSet<String> addresses) {
        ResourceID id = ResourceID.fromResource(relay);
        Map<String, Pushed> held = pushed.computeIfAbsent(id, key -> new ConcurrentHashMap<>());
        Map<String, RelayPods.Address> relayPods = RelayPods.addresses(client, relay, addressOverride);
        held.keySet().retainAll(relayPods.values().stream().map(RelayPods.Address::admin).collect(Collectors.toSet()));
        RelayForStatus status = new RelayForStatus();
        status.revision = revision;
        status.relayPods = relayPods.size();
        int updated = 0;
        List<String> failures = new ArrayList<>();
        String token = null;
        Instant now = Instant.now();
        for (Map.Entry<String, RelayPods.Address> pod : relayPods.entrySet()) {
            String address = pod.getValue().admin();
            Pushed current = held.get(address);
            if (current != null && current.revision().equals(revision) && current.at().plus(REFRESH).isAfter(now)) {
                updated++;
                continue;
            }
            try {
                token = token != null ? token : RelayPods.adminToken(client, relay);
                if (token == null) {
                    throw new IOException("the admin Secret has no token yet");
                }
                admin.replaceWorkloadClients(address, token, revision, List.copyOf(addresses));
                held.put(address, new Pushed(revision, now));
                updated++;
                if (current == null || !current.revision().equals(revision)) {
                    LOG.infof("%s/%s: pod %s holds the workload clients %s (%d addresses)",
                            relay.getMetadata().getNamespace(), relay.getMetadata().getName(), pod.getKey(), revision,
                            addresses.size());
                }
            } catch (IOException | RuntimeException e) {
                held.remove(address);
                failures.add(pod.getKey() + ": " + e.getMessage());
                LOG.warnf("%s/%s: pod %s did not take the workload clients %s: %s", relay.getMetadata().getNamespace(),
                        relay.getMetadata().getName(), pod.getKey(), revision, e.getMessage());
            }
        }
        status.relayPodsUpdated = updated;
        status.message = failures.isEmpty() ? null : String.join("; ", failures);
        status.lastUpdateTime = held.values().stream().map(Pushed::at).max(Instant::compareTo).map(Instant::toString)
                .orElse(null);
        return status;
    }

    /** A short hash of the sorted addresses: the same set, the same revision, on every operator replica. */
    static String revision(SortedSet<String> addresses) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(String.join(",", addresses).getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
