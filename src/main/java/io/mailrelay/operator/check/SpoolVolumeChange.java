package io.mailrelay.operator.check;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.mailrelay.api.Persistence;

/**
 * A StatefulSet's volume claim templates are immutable: a new spool size or class would be refused by
 * the API server halfway through applying. Caught before anything is applied instead.
 */
public final class SpoolVolumeChange {

    public static final String IMMUTABLE = "SpoolVolumeImmutable";

    private SpoolVolumeChange() {
    }

    public static List<ConfigProblem> check(HasMetadata running, Persistence wanted) {
        List<ConfigProblem> problems = new ArrayList<>();
        if (!(running instanceof StatefulSet statefulSet) || wanted == null || wanted.size == null
                || statefulSet.getSpec().getVolumeClaimTemplates().isEmpty()) {
            return problems;
        }
        PersistentVolumeClaim claim = statefulSet.getSpec().getVolumeClaimTemplates().get(0);
        Quantity size = claim.getSpec().getResources().getRequests().get("storage");
        if (size != null && !Quantity.getAmountInBytes(size).equals(Quantity.getAmountInBytes(wanted.size))) {
            problems.add(new ConfigProblem(IMMUTABLE, "persistence.size: the spool volumes of the running StatefulSet are "
                    + size + ", not " + wanted.size + "; resize the PersistentVolumeClaims, or delete the StatefulSet "
                    + "with --cascade=orphan so that it is recreated"));
        }
        if (wanted.storageClassName != null && !Objects.equals(wanted.storageClassName, claim.getSpec().getStorageClassName())) {
            problems.add(new ConfigProblem(IMMUTABLE, "persistence.storageClassName: the spool volumes of the running "
                    + "StatefulSet use " + claim.getSpec().getStorageClassName() + ", which cannot change in place"));
        }
        return problems;
    }
}
