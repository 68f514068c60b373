package io.mailrelay.operator.status;

import static java.util.Objects.requireNonNullElse;

import java.util.List;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;

/**
 * How far the relay's Deployment or StatefulSet is, from its status as the controllers report it.
 *
 * @param observed the controller has seen the latest spec, so its counts are about it
 * @param updated pods that run the latest pod template
 * @param stuck the controller's explanation when the rollout stopped progressing, else null
 * @param pendingVolume why a spool claim of the pods is still Pending, else null
 */
public record WorkloadState(boolean exists, int desired, int ready, int available, int updated, boolean observed,
        String stuck, String pendingVolume) {

    public static final WorkloadState ABSENT = new WorkloadState(false, 0, 0, 0, 0, false, null);

    public WorkloadState(boolean exists, int desired, int ready, int available, int updated, boolean observed,
            String stuck) {
        this(exists, desired, ready, available, updated, observed, stuck, null);
    }

    public WorkloadState withPendingVolume(String why) {
        return new WorkloadState(exists, desired, ready, available, updated, observed, stuck, why);
    }

    /** A workload whose rollout is complete when {@code available} and {@code updated} reach {@code desired}. */
    public static WorkloadState rolling(int desired, int available, int updated) {
        return new WorkloadState(true, desired, available, available, updated, true, null);
    }

    public static WorkloadState of(HasMetadata workload) {
        if (workload instanceof Deployment deployment) {
            var status = deployment.getStatus();
            return status == null ? created(deployment.getSpec().getReplicas())
                    : new WorkloadState(true, replicas(deployment.getSpec().getReplicas()),
                            count(status.getReadyReplicas()), count(status.getAvailableReplicas()),
                            count(status.getUpdatedReplicas()), current(status.getObservedGeneration(), workload),
                            progressDeadlineExceeded(status.getConditions()));
        }
        if (workload instanceof StatefulSet statefulSet) {
            var status = statefulSet.getStatus();
            return status == null ? created(statefulSet.getSpec().getReplicas())
                    : new WorkloadState(true, replicas(statefulSet.getSpec().getReplicas()),
                            count(status.getReadyReplicas()), count(status.getAvailableReplicas()),
                            count(status.getUpdatedReplicas()), current(status.getObservedGeneration(), workload),
                            null);
        }
        return ABSENT;
    }

    private static WorkloadState created(Integer replicas) {
        return new WorkloadState(true, replicas(replicas), 0, 0, 0, false, null);
    }

    private static int replicas(Integer replicas) {
        return requireNonNullElse(replicas, 1);
    }

    private static int count(Integer count) {
        return requireNonNullElse(count, 0);
    }

    private static boolean current(Long observedGeneration, HasMetadata workload) {
        return observedGeneration != null && observedGeneration >= workload.getMetadata().getGeneration();
    }

    /** The Deployment controller's verdict on a rollout that passed its progressDeadlineSeconds. */
    private static String progressDeadlineExceeded(List<DeploymentCondition> conditions) {
        return conditions == null ? null : conditions.stream()
                .filter(c -> "Progressing".equals(c.getType()) && "False".equals(c.getStatus())
                        && "ProgressDeadlineExceeded".equals(c.getReason()))
                .map(c -> requireNonNullElse(c.getMessage(), "progress deadline exceeded")).findFirst().orElse(null);
    }

    /**
     * Every desired pod runs the latest template and is available: only then does a probe test the new
     * configuration, and only then is the relay Ready.
     */
    public boolean fullyAvailable() {
        return exists && observed && stuck == null && desired > 0 && available >= desired && updated >= desired;
    }

    public String describe() {
        return available + "/" + desired + " relay pods available"
                + (updated < desired ? ", " + updated + " updated to the latest configuration" : "");
    }
}
