package io.mailrelay.operator;

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
 */
final class DependentApplier {

    private final KubernetesClient client;

    DependentApplier(KubernetesClient client) {
        this.client = client;
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
        for (HasMetadata object : desired.objects()) {
            refuseForeign(relay, object);
        }
        for (HasMetadata object : desired.objects()) {
            serverSideApply(object, true);
        }
        HasMetadata workload = null;
        for (HasMetadata object : desired.objects()) {
            workload = serverSideApply(object, false);
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
        var resource = client.resources(type).inNamespace(relay.getMetadata().getNamespace()).withName(name);
        HasMetadata existing = resource.get();
        if (existing != null && ownedBy(existing, relay)) {
            resource.delete();
        }
    }

    private void refuseForeign(MailRelay relay, HasMetadata object) {
        HasMetadata existing = client.resource(object).get();
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
