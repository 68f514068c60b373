package io.mailrelay.operator.check;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.mailrelay.api.Persistence;

/**
 * Refuses a spool change that would throw a queue away, before anything is applied. Switching between an
 * emptyDir (Deployment) and claims (StatefulSet) replaces the workload, and the old pods take their queues
 * with them; so it is allowed only once the old workload runs no pod. A StatefulSet's volume claim templates
 * are immutable: a new size or class would be refused by the API server halfway through applying, and
 * recreating the volumes would drop their mail. With the hand-off (an operator that reaches the pods' admin
 * endpoints) a switch is sequenced instead of refused: the new workload first, the old pods' queues handed to it,
 * the old workload deleted once they are empty. A size or class change stays refused.
 */
public final class SpoolVolumeChange {

    public static final String IMMUTABLE = "SpoolVolumeImmutable";
    public static final String SWITCH = "SpoolVolumeSwitch";

    private SpoolVolumeChange() {
    }

    /**
     * @param running the relay's owned workload as it runs now (Deployment or StatefulSet), or null
     * @param persistent whether the spec wants the StatefulSet
     */
    public static List<ConfigProblem> check(HasMetadata running, boolean persistent, Persistence wanted) {
        return check(running, persistent, wanted, false);
    }

    /**
     * @param handOff the old pods can hand their queues to the new workload (the operator reaches their admin
     *        endpoints): then a switch is no problem, the reconciler sequences it
     */
    public static List<ConfigProblem> check(HasMetadata running, boolean persistent, Persistence wanted,
            boolean handOff) {
        List<ConfigProblem> problems = new ArrayList<>();
        if (running instanceof Deployment deployment && persistent) {
            if (pods(deployment) > 0 && !handOff) {
                problems.add(new ConfigProblem(SWITCH, "persistence: the relay runs as Deployment " + name(running)
                        + " with an emptyDir spool; moving it to PersistentVolumeClaims replaces the Deployment, and its "
                        + pods(deployment) + " pod(s) would take their queued mail with them. Either set persistence.type: "
                        + "EmptyDir to keep it (ephemeral, as before), or scale it to replicas: 0 first so that every pod "
                        + "drains its queue, then switch (docs/operations.md, persistence change)"));
            }
            return problems;
        }
        if (!(running instanceof StatefulSet statefulSet)) {
            return problems;
        }
        if (!persistent) {
            if (pods(statefulSet) > 0 && !handOff) {
                problems.add(new ConfigProblem(SWITCH, "persistence.type: EmptyDir: the relay runs as StatefulSet "
                        + name(running) + " whose " + pods(statefulSet) + " pod(s) keep their queues on "
                        + "PersistentVolumeClaims; an emptyDir Deployment would not see that mail. Remove persistence.type "
                        + "to stay durable, or scale to replicas: 0 first so that every pod drains its queue, then switch "
                        + "(the claims are kept; docs/operations.md, persistence change)"));
            }
            return problems;
        }
        if (statefulSet.getSpec().getVolumeClaimTemplates().isEmpty()) {
            return problems;
        }
        PersistentVolumeClaim claim = statefulSet.getSpec().getVolumeClaimTemplates().get(0);
        Quantity size = claim.getSpec().getResources().getRequests().get("storage");
        Quantity wantedSize = Persistence.size(wanted);
        if (size != null && !Quantity.getAmountInBytes(size).equals(Quantity.getAmountInBytes(wantedSize))) {
            problems.add(new ConfigProblem(IMMUTABLE, "persistence.size: the spool volumes of the running StatefulSet are "
                    + size + ", not " + wantedSize + "; a StatefulSet's volume claims cannot change, and new volumes would "
                    + "start without the queued mail. Expand each PersistentVolumeClaim " + claim.getMetadata().getName()
                    + "-" + name(running) + "-N (if its StorageClass allows expansion), then delete the StatefulSet with "
                    + "--cascade=orphan so that it is recreated over the same claims (docs/operations.md)"));
        }
        if (wanted != null && wanted.storageClassName != null
                && !Objects.equals(wanted.storageClassName, claim.getSpec().getStorageClassName())) {
            problems.add(new ConfigProblem(IMMUTABLE, "persistence.storageClassName: the spool volumes of the running "
                    + "StatefulSet use " + claim.getSpec().getStorageClassName() + ", which cannot change in place: new "
                    + "volumes would start without the queued mail. Keep the class, or move the queue by hand "
                    + "(docs/operations.md, persistence change)"));
        }
        return problems;
    }

    /** Whether the workload wants or still has pods. */
    public static boolean hasPods(HasMetadata workload) {
        return workload instanceof Deployment deployment ? pods(deployment) > 0
                : workload instanceof StatefulSet statefulSet && pods(statefulSet) > 0;
    }

    /** Pods the workload wants or still has: a scale-down to 0 counts only once its last pod is gone. */
    private static int pods(Deployment deployment) {
        int status = deployment.getStatus() == null || deployment.getStatus().getReplicas() == null ? 0
                : deployment.getStatus().getReplicas();
        return Math.max(Objects.requireNonNullElse(deployment.getSpec().getReplicas(), 1), status);
    }

    private static int pods(StatefulSet statefulSet) {
        int status = statefulSet.getStatus() == null || statefulSet.getStatus().getReplicas() == null ? 0
                : statefulSet.getStatus().getReplicas();
        return Math.max(Objects.requireNonNullElse(statefulSet.getSpec().getReplicas(), 1), status);
    }

    private static String name(HasMetadata workload) {
        return workload.getMetadata().getName();
    }
}
