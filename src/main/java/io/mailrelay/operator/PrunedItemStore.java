package io.mailrelay.operator;

import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.javaoperatorsdk.operator.api.config.informer.InformerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;

/**
 * An informer's store that keeps each object without what the operator never reads from the cache. At least the
 * {@code managedFields}: server-side apply lists in them every field each manager set, which made up about half of
 * each cached dependent, and with 1,000 MailRelays the 128m heap of the operator pod was full. Each Fabric8 model
 * object costs a map of its own besides its fields, so a dependent the operator only checks for ownership and
 * version is best kept as its metadata alone ({@link #metadataOnly}).
 */
public final class PrunedItemStore<R extends HasMetadata> implements ItemStore<R> {

    private final ItemStore<R> store = new BasicItemStore<>(Cache::metaNamespaceKeyFunc);
    private final UnaryOperator<R> prune;

    public PrunedItemStore(UnaryOperator<R> prune) {
        this.prune = prune;
    }

    /**
     * {@code store} for an informer that follows the controller's namespaces, or null (the informer's own store,
     * unpruned): JOSDK gives the one store of a configuration to the informer of each namespace when it watches a list
     * of them, and a shared store loses objects (the initial list of one namespace drops the other namespaces'). So
     * pruned only where one informer runs: for every namespace, or for one.
     */
    public static <R extends HasMetadata> ItemStore<R> unlessShared(EventSourceContext<?> context, ItemStore<R> store) {
        Set<String> namespaces = context.getControllerConfiguration().getEffectiveNamespaces();
        return InformerConfiguration.allNamespacesWatched(namespaces) || namespaces.size() == 1 ? store : null;
    }

    /** Without {@code metadata.managedFields}. */
    public static <R extends HasMetadata> PrunedItemStore<R> withoutManagedFields() {
        return new PrunedItemStore<>(PrunedItemStore::withoutManagedFields);
    }

    public static <R extends HasMetadata> R withoutManagedFields(R object) {
        object.getMetadata().setManagedFields(null);
        return object;
    }

    /** An object of the same kind with only the metadata (without managedFields) of {@code object}. */
    public static <R extends HasMetadata> UnaryOperator<R> metadataOnly(Class<R> type) {
        return object -> {
            try {
                R copy = type.getDeclaredConstructor().newInstance();
                copy.setMetadata(withoutManagedFields(object).getMetadata());
                return copy;
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(type + " has no public no-argument constructor", e);
            }
        };
    }

    /**
     * A Deployment or StatefulSet without managedFields and without its pod template's spec (containers, volumes,
     * affinity: the bulk of it); its pod template's metadata, its replicas, claim templates and status stay.
     */
    public static <R extends HasMetadata> R withoutPodSpec(R workload) {
        withoutManagedFields(workload);
        if (workload instanceof Deployment deployment && deployment.getSpec() != null
                && deployment.getSpec().getTemplate() != null) {
            deployment.getSpec().getTemplate().setSpec(null);
        } else if (workload instanceof StatefulSet statefulSet && statefulSet.getSpec() != null
                && statefulSet.getSpec().getTemplate() != null) {
            statefulSet.getSpec().getTemplate().setSpec(null);
        }
        return workload;
    }

    @Override
    public String getKey(R object) {
        return store.getKey(object);
    }

    @Override
    public R put(String key, R object) {
        return store.put(key, prune.apply(object));
    }

    @Override
    public R remove(String key) {
        return store.remove(key);
    }

    @Override
    public Stream<String> keySet() {
        return store.keySet();
    }

    @Override
    public Stream<R> values() {
        return store.values();
    }

    @Override
    public int size() {
        return store.size();
    }

    @Override
    public R get(String key) {
        return store.get(key);
    }
}
