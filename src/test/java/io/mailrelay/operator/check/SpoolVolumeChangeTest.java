package io.mailrelay.operator.check;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.mailrelay.api.MailRelaySpec;
import io.mailrelay.api.Persistence;
import io.mailrelay.operator.OperatorSettings;
import io.mailrelay.operator.Specs;
import io.mailrelay.operator.render.DesiredState;

@Tag("unit")
class SpoolVolumeChangeTest {

    @Test
    void sameVolumesInAnotherNotationAreNoChange() {
        HasMetadata running = statefulSet("1Gi", "fast");

        assertThat(SpoolVolumeChange.check(running, true, persistence("1024Mi", null))).isEmpty();
        assertThat(SpoolVolumeChange.check(running, true, persistence("1Gi", "fast"))).isEmpty();
    }

    @Test
    void theDefaultSizeIsCompared() {
        HasMetadata running = statefulSet("1Gi", null);

        assertThat(SpoolVolumeChange.check(running, true, null)).isEmpty();
        assertThat(SpoolVolumeChange.check(statefulSet("2Gi", null), true, null)).extracting(ConfigProblem::message)
                .singleElement().asString().startsWith("persistence.size: the spool volumes of the running StatefulSet are 2Gi, not 1Gi");
    }

    @Test
    void newSizeOrClassIsRefusedWithTheFieldNamedWhyAndWhatToDo() {
        HasMetadata running = statefulSet("1Gi", "fast");

        assertThat(SpoolVolumeChange.check(running, true, persistence("2Gi", "slow"))).satisfiesExactly(
                size -> {
                    assertThat(size.reason()).isEqualTo(SpoolVolumeChange.IMMUTABLE);
                    assertThat(size.message()).startsWith("persistence.size: the spool volumes of the running StatefulSet are 1Gi, not 2Gi")
                            .contains("without the queued mail").contains("spool-r-N").contains("--cascade=orphan");
                },
                type -> assertThat(type.message()).startsWith("persistence.storageClassName:")
                        .contains("without the queued mail").contains("docs/operations.md"));
    }

    @Test
    void noWorkloadYetNothingToCompare() {
        assertThat(SpoolVolumeChange.check(null, true, persistence("2Gi", "slow"))).isEmpty();
        assertThat(SpoolVolumeChange.check(null, false, emptyDir())).isEmpty();
    }

    @Test
    void aSwitchIsRefusedWhilePodsHoldQueuesAndAllowedAtZero() {
        Deployment deployment = (Deployment) workload(withPersistence(emptyDir()));
        assertThat(SpoolVolumeChange.check(deployment, true, null)).singleElement().satisfies(problem -> {
            assertThat(problem.reason()).isEqualTo(SpoolVolumeChange.SWITCH);
            assertThat(problem.message()).contains("Deployment r with an emptyDir spool")
                    .contains("1 pod(s) would take their queued mail").contains("persistence.type: EmptyDir")
                    .contains("replicas: 0");
        });
        assertThat(SpoolVolumeChange.check(deployment, false, emptyDir())).isEmpty(); // no switch

        StatefulSet statefulSet = (StatefulSet) statefulSet("1Gi", null);
        assertThat(SpoolVolumeChange.check(statefulSet, false, emptyDir())).singleElement()
                .satisfies(problem -> assertThat(problem.message()).contains("StatefulSet r whose 1 pod(s)"));

        deployment.getSpec().setReplicas(0);
        statefulSet.getSpec().setReplicas(0);
        assertThat(SpoolVolumeChange.check(deployment, true, null)).isEmpty();
        assertThat(SpoolVolumeChange.check(statefulSet, false, emptyDir())).isEmpty();
        // scaled to 0 but a pod still stopping: not yet
        deployment.setStatus(new io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder().withReplicas(1).build());
        assertThat(SpoolVolumeChange.check(deployment, true, null)).hasSize(1);
    }

    @Test
    void withTheHandOffASwitchIsSequencedNotRefusedButASizeChangeStillIs() {
        Deployment deployment = (Deployment) workload(withPersistence(emptyDir()));
        assertThat(SpoolVolumeChange.check(deployment, true, null, true)).isEmpty();
        assertThat(SpoolVolumeChange.hasPods(deployment)).isTrue();
        StatefulSet statefulSet = (StatefulSet) statefulSet("1Gi", null);
        assertThat(SpoolVolumeChange.check(statefulSet, false, emptyDir(), true)).isEmpty();
        assertThat(SpoolVolumeChange.check(statefulSet, true, persistence("2Gi", null), true)).singleElement()
                .satisfies(problem -> assertThat(problem.reason()).isEqualTo(SpoolVolumeChange.IMMUTABLE));
        statefulSet.getSpec().setReplicas(0);
        assertThat(SpoolVolumeChange.hasPods(statefulSet)).isFalse();
    }

    private static Persistence emptyDir() {
        Persistence persistence = new Persistence();
        persistence.type = Persistence.Type.EmptyDir;
        return persistence;
    }

    private static Persistence persistence(String size, String storageClass) {
        Persistence persistence = new Persistence();
        persistence.size = new Quantity(size);
        persistence.storageClassName = storageClass;
        return persistence;
    }

    private static MailRelaySpec withPersistence(Persistence persistence) {
        MailRelaySpec spec = Specs.minimal();
        spec.persistence = persistence;
        return spec;
    }

    private static HasMetadata statefulSet(String size, String storageClass) {
        return workload(withPersistence(persistence(size, storageClass)));
    }

    private static HasMetadata workload(MailRelaySpec spec) {
        return DesiredState.of(Specs.relay("r", spec), new OperatorSettings("img", null), "yaml", "h", "t").workload();
    }
}
