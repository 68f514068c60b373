package io.mailrelay.operator;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.javaoperatorsdk.operator.api.config.informer.InformerConfiguration;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.cache.BoundedCache;
import io.javaoperatorsdk.operator.processing.event.source.cache.BoundedItemStore;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.mailrelay.api.MailRelay;
import io.mailrelay.api.SecretRefs;
import io.mailrelay.operator.identity.NamespaceCredentials;

/**
 * Watches the Secrets that MailRelays reference (TLS, users, smarthost credentials; and the per-namespace
 * credentials they make, so that one deleted with its namespace is revoked at once), so that a Secret created
 * after its MailRelay, changed or deleted is re-validated within seconds. A Secret is mapped back to the
 * MailRelays naming it through an index on the MailRelay cache; the reconciler reads a MailRelay's Secrets
 * from this cache ({@code context.getSecondaryResources(Secret.class)}), not with a GET per reconciliation.
 * <p>
 * The API server cannot filter a watch by a list of names, so the informer sees every Secret of the watched
 * namespaces, but it keeps in memory only the referenced ones in full: of every other Secret only its name,
 * namespace and resourceVersion (JOSDK's {@link BoundedItemStore}, whose cache here is {@link ReferencedOnly}),
 * a few hundred bytes instead of, say, a Helm release's payload. A Secret that becomes referenced while
 * unchanged is read once from the API server on first use, then kept.
 * <p>
 * JOSDK gives one item store to the informers of all namespaces of an event source, and an informer's resync
 * drops the entries of the others; so with a list of namespaces there is one event source per namespace.
 */
final class ReferencedSecretSources {

    static final String NAME = "referenced-secrets";
    static final String INDEX = NAME;
    /** Pages of the initial list, so that starting up never holds every Secret of the cluster at once. */
    static final long LIST_PAGE = 500;

    private ReferencedSecretSources() {
    }

    static List<EventSource<?, MailRelay>> create(EventSourceContext<MailRelay> context) {
        IndexerResourceCache<MailRelay> relays = context.getPrimaryCache();
        relays.addIndexer(INDEX, relay -> java.util.stream.Stream.concat(SecretRefs.names(relay.getSpec()).stream()
                .map(name -> Cache.namespaceKeyFunc(relay.getMetadata().getNamespace(), name)),
                NamespaceCredentials.secretKeys(relay).stream()).toList());
        Set<String> namespaces = context.getControllerConfiguration().getEffectiveNamespaces();
        if (InformerConfiguration.allNamespacesWatched(namespaces) || namespaces.size() == 1) {
            return List.of(source(context, relays, namespaces, NAME));
        }
        return namespaces.stream()
                .<EventSource<?, MailRelay>>map(ns -> source(context, relays, Set.of(ns), NAME + "-" + ns)).toList();
    }

    private static InformerEventSource<Secret, MailRelay> source(EventSourceContext<MailRelay> context,
            IndexerResourceCache<MailRelay> relays, Set<String> namespaces, String sourceName) {
        Predicate<String> referenced = key -> !relays.byIndex(INDEX, key).isEmpty();
        return new InformerEventSource<>(InformerEventSourceConfiguration.from(Secret.class, MailRelay.class)
                .withName(sourceName)
                .withNamespaces(namespaces)
                .withFollowControllerNamespacesChanges(false)
                .withPrimaryToSecondaryMapper((MailRelay relay) -> SecretRefs.names(relay.getSpec()).stream()
                        .map(name -> new ResourceID(name, relay.getMetadata().getNamespace()))
                        .collect(Collectors.toSet()))
                .withSecondaryToPrimaryMapper(secret -> relays.byIndex(INDEX, Cache.metaNamespaceKeyFunc(secret))
                        .stream().map(ResourceID::fromResource).collect(Collectors.toSet()))
                .withItemStore(new BoundedItemStore<>(new ReferencedOnly(referenced), Secret.class,
                        context.getClient()))
                .withInformerListLimit(LIST_PAGE)
                .build(), context);
    }

    /**
     * The full Secrets of the item store: only those a MailRelay references. A Secret no longer referenced
     * leaves at its next change (or deletion).
     */
    static final class ReferencedOnly implements BoundedCache<String, Secret> {

        private final Map<String, Secret> secrets = new ConcurrentHashMap<>();
        private final Predicate<String> referenced;

        ReferencedOnly(Predicate<String> referenced) {
            this.referenced = referenced;
        }

        @Override
        public Secret get(String key) {
            return secrets.get(key);
        }

        @Override
        public Secret remove(String key) {
            return secrets.remove(key);
        }

        @Override
        public void put(String key, Secret secret) {
            if (referenced.test(key)) {
                secrets.put(key, secret);
            } else {
                secrets.remove(key);
            }
        }
    }
}
