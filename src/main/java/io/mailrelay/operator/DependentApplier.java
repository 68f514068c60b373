package io.mailrelay.operator;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.mailrelay.api.MailRelay;
import io.mailrelay.operator.render.DesiredState;
import io.mailrelay.operator.render.WorkloadFactory;
import io.mailrelay.operator.status.ApplyFailure;

/**
 * Applies a MailRelay's desired objects all or nothing, as far as the API server lets us: first it refuses
 * to touch an object it does not own, then the API server validates every object in a dry run, and only when
 * all passed is anything applied. So a value the CRD accepts but a Deployment or Service does not (a
 * resource quantity, a label value, a name) is reported and leaves nothing half-applied.
 * <p>
 * Only what changed is checked and applied: an object that is still what this operator last applied
 * ({@link OwnedObjects#unchanged}) costs no request. The current objects are read from the informers' caches; the
 * kinds no informer caches (Secrets) are read once per reconciliation ({@link #current}).
 */
final class DependentApplier {

    private final KubernetesClient client;
    private final OwnedObjects owned;
    /** The objects read from the API server in this reconciliation (one applier per reconciliation). */
    private final Map<String, Optional<HasMetadata>> read = new HashMap<>();

    DependentApplier(KubernetesClient client, OwnedObjects owned) {
        this.client = client;
        this.owned = owned;
    }

    /** The object of that kind and name in the relay's namespace: from the informer's cache, else read once. */
    @SuppressWarnings("unchecked")
    <R extends HasMetadata> R current(MailRelay relay, Class<R> type, String name) {
        String namespace = relay.getMetadata().getNamespace();
        if (owned.caches(type)) {
            return owned.cached(type, namespace, name).orElse(null);
        }
        return (R) read.computeIfAbsent(type.getName() + "/" + name, key -> Optional.ofNullable(
                client.resources(type).inNamespace(namespace).withName(name).get())).orElse(null);
    }

    /** {@link #current}, when this MailRelay owns it; else null. */
    <R extends HasMetadata> R currentOwned(MailRelay relay, Class<R> type, String name) {
        R object = current(relay, type, name);
        return object != null && ownedBy(object, relay) ? object : null;
    }

    /**
     * Applies every desired object and removes those the spec no longer wants; returns the applied workload.
     *
     * @throws ApplyFailedException when an object is not ours or the API server refused one
     */
    HasMetadata apply(MailRelay relay, DesiredState desired) {
        return apply(relay, desired, false);
    }

    /** @param keepOtherWorkload a persistence switch: the old workload stays until its pods handed their queues on */
    HasMetadata apply(MailRelay relay, DesiredState desired, boolean keepOtherWorkload) {
        Map<HasMetadata, String> changed = new LinkedHashMap<>();
        Map<HasMetadata, HasMetadata> cached = new HashMap<>();
        HasMetadata workload = null;
        for (HasMetadata object : desired.objects()) {
            HasMetadata current = current(relay, object.getClass(), object.getMetadata().getName());
            String fingerprint = OwnedObjects.fingerprint(client.getKubernetesSerialization().asJson(object));
            if (current != null && ownedBy(current, relay) && owned.unchanged(object, current, fingerprint)) {
                workload = current;
            } else {
                refuseForeign(relay, object, current);
                changed.put(object, fingerprint);
                cached.put(object, current);
            }
        }
        for (HasMetadata object : changed.keySet()) {
            // not in the cache, yet there: one not labelled as ours, read it (a GET only then). The dry run tells it is
            // there (it kept a resourceVersion), or fails on it (an immutable field of someone else's StatefulSet),
            // and then the ownership conflict is what explains the failure
            boolean unseen = cached.get(object) == null && owned.caches(object.getClass());
            HasMetadata dryRun;
            try {
                dryRun = serverSideApply(object, true);
            } catch (ApplyFailedException e) {
                if (unseen) {
                    refuseForeign(relay, object, client.resource(object).get());
                }
                throw e;
            }
            if (unseen && dryRun.getMetadata().getResourceVersion() != null) {
                refuseForeign(relay, object, client.resource(object).get());
            }
        }
        for (Map.Entry<HasMetadata, String> object : changed.entrySet()) {
            workload = owned.apply(object.getKey(), object.getValue(), o -> serverSideApply(o, false));
        }
        boolean persistent = WorkloadFactory.persistent(relay.getSpec());
        if (!keepOtherWorkload) {
            deleteIfOwned(relay, persistent ? Deployment.class : StatefulSet.class, relay.getMetadata().getName());
        }
        if (desired.objects().stream().noneMatch(PodDisruptionBudget.class::isInstance)) {
            deleteIfOwned(relay, PodDisruptionBudget.class, relay.getMetadata().getName());
        }
        return workload;
    }

    /** Deletes the named object of that kind when this MailRelay owns it (a dependent it no longer wants). */
    void deleteIfOwned(MailRelay relay, Class<? extends HasMetadata> type, String name) {
        HasMetadata existing = current(relay, type, name);
        if (existing != null && ownedBy(existing, relay)) {
            client.resources(type).inNamespace(relay.getMetadata().getNamespace()).withName(name).delete();
            owned.forget(existing);
        }
    }

    /**
     * {@code existing}: the object under that name as the cache or the API server has it. The informers cache only
     * objects labelled as ours, so one that is not there may still exist: its dry run tells (above).
     */
    private void refuseForeign(MailRelay relay, HasMetadata object, HasMetadata existing) {
        if (existing != null && !ownedBy(existing, relay)) {
            throw new ApplyFailedException(new ApplyFailure(ApplyFailure.OWNERSHIP_CONFLICT,
                    object.getKind() + " " + object.getMetadata().getName() + " already exists and is not owned by"
                            + " this MailRelay: nothing was changed; rename the MailRelay or remove that object"));
        }
    }

    private HasMetadata serverSideApply(HasMetadata object, boolean dryRun) {
        try {
            var resource = client.resource(object);
            var operation = dryRun ? resource.dryRun() : resource;
            return operation.fieldManager(OperatorSettings.FIELD_MANAGER).forceConflicts().serverSideApply();
        } catch (KubernetesClientException e) {
            throw new ApplyFailedException(new ApplyFailure(ApplyFailure.APPLY_FAILED,
                    object.getKind() + " " + object.getMetadata().getName() + ": " + serverMessage(e)
                            + (dryRun ? " (nothing was applied)" : "")));
        }
    }

    static boolean ownedBy(HasMetadata object, MailRelay relay) {
        return object.getMetadata().getOwnerReferences().stream()
                .anyMatch(owner -> relay.getMetadata().getUid().equals(owner.getUid()));
    }

    /** The API server's own explanation, without the client's request line around it. */
    private static String serverMessage(KubernetesClientException e) {
        return Optional.ofNullable(e.getStatus()).map(Status::getMessage).filter(m -> !m.isBlank())
                .orElse(e.getMessage());
    }

    /** An apply that did not happen, and why; JOSDK retries it with back-off. */
    static final class ApplyFailedException extends RuntimeException {
        private final transient ApplyFailure failure;

        ApplyFailedException(ApplyFailure failure) {
            super(failure.reason() + ": " + failure.message());
            this.failure = failure;
        }

        ApplyFailure failure() {
            return failure;
        }

        /** The ApplyFailure behind an exception JOSDK hands back, or a generic one for anything else. */
        static ApplyFailure of(Exception e) {
            for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                if (cause instanceof ApplyFailedException applyFailed) {
                    return applyFailed.failure();
                }
            }
            return new ApplyFailure(ApplyFailure.RECONCILE_FAILED, String.valueOf(e.getMessage()));
        }
    }
}
