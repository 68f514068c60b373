package io.mailrelay.operator.status;

import static java.util.Objects.requireNonNullElse;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;

/** How far the relay's Deployment or StatefulSet is, from its status as the controllers report it. */
public record WorkloadState(boolean exists, int desired, int ready, int available, boolean observed) {

    public static final WorkloadState ABSENT = new WorkloadState(false, 0, 0, 0, false);

    public static WorkloadState of(HasMetadata workload) {
        if (workload instanceof Deployment deployment) {
            var status = deployment.getStatus();
            return status == null ? created(deployment.getSpec().getReplicas())
                    : new WorkloadState(true, replicas(deployment.getSpec().getReplicas()),
                            count(status.getReadyReplicas()), count(status.getAvailableReplicas()),
                            current(status.getObservedGeneration(), workload));
        }
        if (workload instanceof StatefulSet statefulSet) {
            var status = statefulSet.getStatus();
            return status == null ? created(statefulSet.getSpec().getReplicas())
                    : new WorkloadState(true, replicas(statefulSet.getSpec().getReplicas()),
                            count(status.getReadyReplicas()), count(status.getAvailableReplicas()),
                            current(status.getObservedGeneration(), workload));
        }
        return ABSENT;
    }

    private static WorkloadState created(Integer replicas) {
        return new WorkloadState(true, replicas(replicas), 0, 0, false);
    }

    private static int replicas(Integer replicas) {
        return requireNonNullElse(replicas, 1);
    }

    private static int count(Integer count) {
        return requireNonNullElse(count, 0);
    }

    /** The controller has seen the latest spec, so its counts are about the current pods. */
    private static boolean current(Long observedGeneration, HasMetadata workload) {
        return observedGeneration != null && observedGeneration >= workload.getMetadata().getGeneration();
    }

    public boolean fullyAvailable() {
        return exists && observed && desired > 0 && available >= desired;
    }

    public String describe() {
        return available + "/" + desired + " relay pods available";
    }
}
