package io.mailrelay.operator.check;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Quantity;
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

        assertThat(SpoolVolumeChange.check(running, persistence("1024Mi", null))).isEmpty();
        assertThat(SpoolVolumeChange.check(running, persistence("1Gi", "fast"))).isEmpty();
    }

    @Test
    void newSizeOrClassIsRefusedWithTheFieldNamed() {
        HasMetadata running = statefulSet("1Gi", "fast");

        assertThat(SpoolVolumeChange.check(running, persistence("2Gi", "slow"))).extracting(ConfigProblem::message)
                .satisfiesExactly(
                        size -> assertThat(size).startsWith("persistence.size: the spool volumes of the running StatefulSet are 1Gi, not 2Gi"),
                        type -> assertThat(type).startsWith("persistence.storageClassName:"));
    }

    @Test
    void noStatefulSetYetNothingToCompare() {
        assertThat(SpoolVolumeChange.check(null, persistence("2Gi", "slow"))).isEmpty();
    }

    private static Persistence persistence(String size, String storageClass) {
        Persistence persistence = new Persistence();
        persistence.enabled = true;
        persistence.size = new Quantity(size);
        persistence.storageClassName = storageClass;
        return persistence;
    }

    private static HasMetadata statefulSet(String size, String storageClass) {
        MailRelaySpec spec = Specs.minimal();
        spec.persistence = persistence(size, storageClass);
        return DesiredState.of(Specs.relay("r", spec), new OperatorSettings("img", null), "yaml", "h").workload();
    }
}
