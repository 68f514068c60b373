package io.mailrelay.operator;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.mailrelay.api.MailRelay;
import io.mailrelay.operator.naming.RelayLabels;
import io.mailrelay.operator.render.ConfigHash;

/**
 * The objects MailRelays own, as the operator's informers cache them (only those labelled as ours), and what this
 * operator last applied to each: so that a reconciliation reads its dependents from memory, applies only what changed
 * and is not woken again by its own writes.
 * <p>
 * An object counts as unchanged when the desired object is the one last applied (same fingerprint) and the cached
 * object is still the version that apply returned (same resourceVersion): any other write to it, a hand edit or a
 * deletion, makes it differ, and it is applied again. After a restart nothing is remembered, so every object is
 * applied once (a server-side apply that changes nothing writes nothing).
 */
final class OwnedObjects {

    /** kind/namespace/name → the fingerprint of the desired object last applied and the resourceVersion it got. */
    private final Map<String, Applied> applied = new ConcurrentHashMap<>();
    private final Map<Class<?>, InformerEventSource<?, MailRelay>> informers = new ConcurrentHashMap<>();
    /** What the cache of each kind keeps of an object: also of what an apply returns, which JOSDK caches too. */
    private final Map<Class<?>, UnaryOperator<?>> prunes = new ConcurrentHashMap<>();

    private record Applied(String fingerprint, String resourceVersion) {
    }

    /**
     * The informer of one owned kind, mapped to the MailRelay by the owner reference; kept for the reads below. Its
     * cache holds what those reads need: of a workload all but its pod spec (its status, replicas, claim templates
     * and pod annotations are read), of the other kinds only the metadata (owner, resourceVersion), since an object
     * is checked for ownership and version, never compared field by field.
     */
    <R extends HasMetadata> InformerEventSource<R, MailRelay> informer(Class<R> type, EventSourceContext<MailRelay> context) {
        UnaryOperator<R> prune = type == Deployment.class || type == StatefulSet.class ? PrunedItemStore::withoutPodSpec
                : PrunedItemStore.metadataOnly(type);
        InformerEventSource<R, MailRelay> informer = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(type, MailRelay.class)
                        .withLabelSelector(RelayLabels.MANAGED_BY_SELECTOR)
                        .withItemStore(PrunedItemStore.unlessShared(context, new PrunedItemStore<>(prune))).build(), context);
        informers.put(type, informer);
        prunes.put(type, prune);
        return informer;
    }

    /** Whether this kind is cached here (else it has to be read from the API server). */
    boolean caches(Class<?> type) {
        return informers.containsKey(type);
    }

    /** The cached object of that kind, namespace and name (ours by label), if any. */
    <R extends HasMetadata> Optional<R> cached(Class<R> type, String namespace, String name) {
        return informer(type).flatMap(informer -> informer.get(new ResourceID(name, namespace)));
    }

    /** Whether {@code desired} is what was last applied and {@code current} is still what that apply left. */
    boolean unchanged(HasMetadata desired, HasMetadata current, String fingerprint) {
        Applied last = applied.get(key(desired));
        return last != null && current != null && last.fingerprint().equals(fingerprint)
                && last.resourceVersion().equals(current.getMetadata().getResourceVersion());
    }

    /**
     * Runs {@code apply} on {@code desired} and remembers the result; for a cached kind through its informer, which
     * then holds the result at once and does not pass the event of this write on as a change. What JOSDK holds
     * there (its temporary cache, until the informer has seen a newer version, which can take long) is pruned as the
     * informer's own cache is: the full answer with its managedFields would stay besides.
     */
    @SuppressWarnings("unchecked")
    <R extends HasMetadata> R apply(R desired, String fingerprint, UnaryOperator<R> apply) {
        Class<R> type = (Class<R>) desired.getClass();
        Optional<InformerEventSource<R, MailRelay>> informer = informer(type);
        R result = informer.isPresent() ? informer.get().eventFilteringUpdateAndCacheResource(desired,
                object -> ((UnaryOperator<R>) prunes.get(type)).apply(apply.apply(object)))
                : apply.apply(desired);
        applied.put(key(desired), new Applied(fingerprint, result.getMetadata().getResourceVersion()));
        return result;
    }

    /** Forgets what was applied to an object deleted, or one whose apply may have half happened. */
    void forget(HasMetadata object) {
        applied.remove(key(object));
    }

    /** The fingerprint of a desired object: its JSON as it would be sent. */
    static String fingerprint(String json) {
        return ConfigHash.of(json);
    }

    @SuppressWarnings("unchecked")
    private <R extends HasMetadata> Optional<InformerEventSource<R, MailRelay>> informer(Class<R> type) {
        return Optional.ofNullable((InformerEventSource<R, MailRelay>) informers.get(type));
    }

    private static String key(HasMetadata object) {
        return object.getKind() + "/" + object.getMetadata().getNamespace() + "/" + object.getMetadata().getName();
    }
}
