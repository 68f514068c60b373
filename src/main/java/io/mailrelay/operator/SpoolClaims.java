package io.mailrelay.operator;

import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.mailrelay.api.MailRelay;
import io.mailrelay.operator.naming.RelayLabels;
import io.mailrelay.operator.status.WorkloadState;

/**
 * The spool claims the StatefulSet controller makes from the volume claim template. They carry no owner
 * reference (they outlive the StatefulSet on purpose), so they are found by the relay's labels. A claim that
 * stays Pending (no default StorageClass, no matching volume, a failing provisioner) keeps its pod from
 * starting; why is only in the claim's events, so that is what status shows.
 */
final class SpoolClaims {

    /** How often a relay with a Pending claim is looked at again: nothing we watch changes meanwhile. */
    static final Duration RECHECK = Duration.ofSeconds(15);

    private SpoolClaims() {
    }

    /** A claim created, bound or lost wakes its relay's reconciliation. */
    static InformerEventSource<PersistentVolumeClaim, MailRelay> eventSource(EventSourceContext<MailRelay> context) {
        return new InformerEventSource<>(InformerEventSourceConfiguration.from(PersistentVolumeClaim.class, MailRelay.class)
                .withLabelSelector(RelayLabels.MANAGED_BY_SELECTOR)
                .withItemStore(PrunedItemStore.unlessShared(context, PrunedItemStore.withoutManagedFields()))
                .withSecondaryToPrimaryMapper(claim -> relayOf(claim)).build(), context);
    }

    private static Set<ResourceID> relayOf(PersistentVolumeClaim claim) {
        String relay = claim.getMetadata().getLabels().get(RelayLabels.INSTANCE);
        return relay == null ? Set.of() : Set.of(new ResourceID(relay, claim.getMetadata().getNamespace()));
    }

    /**
     * Why the relay's pods wait for their spool volumes, or null when no claim of theirs is Pending. The claims are
     * those the informer holds; only a Pending one's events are read from the API server.
     */
    static String pending(KubernetesClient client, InformerEventSource<PersistentVolumeClaim, MailRelay> claimsSeen,
            MailRelay relay, WorkloadState workload) {
        if (workload.fullyAvailable()) {
            return null;
        }
        String namespace = relay.getMetadata().getNamespace();
        Map<String, String> selector = RelayLabels.selector(relay);
        var claims = claimsSeen.list(namespace, claim -> claim.getMetadata().getLabels() != null
                        && claim.getMetadata().getLabels().entrySet().containsAll(selector.entrySet()))
                .filter(claim -> claim.getStatus() == null || "Pending".equals(claim.getStatus().getPhase()))
                .sorted(Comparator.comparing(claim -> claim.getMetadata().getName()))
                .toList();
        if (claims.isEmpty()) {
            return null;
        }
        return claims.stream().map(claim -> "PersistentVolumeClaim " + claim.getMetadata().getName() + " is Pending: "
                + why(client, namespace, claim.getMetadata().getName())).collect(Collectors.joining("; "));
    }

    /** The claim's latest event, as the PV controller or the provisioner wrote it. */
    private static String why(KubernetesClient client, String namespace, String claim) {
        return client.v1().events().inNamespace(namespace)
                .withField("involvedObject.kind", "PersistentVolumeClaim")
                .withField("involvedObject.name", claim)
                .list().getItems().stream()
                .max(Comparator.comparing(SpoolClaims::lastSeen))
                .map(event -> event.getReason() + ": " + event.getMessage())
                .orElse("no event about it yet (is there a default StorageClass, or a PersistentVolume that matches?)");
    }

    private static String lastSeen(Event event) {
        String at = event.getLastTimestamp() != null ? event.getLastTimestamp()
                : event.getEventTime() != null ? event.getEventTime().getTime() : event.getMetadata().getCreationTimestamp();
        return at == null ? "" : at;
    }
}
