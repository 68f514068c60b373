package io.mailrelay.operator.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.TreeSet;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;

/** Which pod updates wake the relays, and the set's revision. */
@Tag("unit")
class WorkloadClientsPusherTest {

    static final Pod POD = new PodBuilder(PodSelectionTest.pod("apps", "mailer", "Running", "10.1.0.1")).editStatus()
            .addNewCondition().withType("Ready").withStatus("True").withLastTransitionTime("2026-12-03T07:00:00Z")
            .endCondition().addNewContainerStatus().withName("app").withRestartCount(0).endContainerStatus()
            .endStatus().build();

    @Test
    void onlyWhatSelectionAndPushingReadWakesTheRelays() {
        Pod probed = new PodBuilder(POD).editStatus().editFirstCondition()
                .withLastProbeTime("2026-12-03T07:01:00Z").endCondition().endStatus().build();
        assertThat(WorkloadClientsPusher.sameFacts(probed, POD)).as("a probe time").isTrue();
        Pod annotated = new PodBuilder(POD).editMetadata().addToAnnotations("note", "x").endMetadata().build();
        assertThat(WorkloadClientsPusher.sameFacts(annotated, POD)).as("an annotation").isTrue();

        assertThat(WorkloadClientsPusher.sameFacts(new PodBuilder(POD).editMetadata().addToLabels("role", "web")
                .endMetadata().build(), POD)).as("relabelled").isFalse();
        assertThat(WorkloadClientsPusher.sameFacts(new PodBuilder(POD).editMetadata()
                .withDeletionTimestamp("2026-12-03T07:02:00Z").endMetadata().build(), POD)).as("terminating").isFalse();
        assertThat(WorkloadClientsPusher.sameFacts(new PodBuilder(POD).editStatus().withPhase("Succeeded").endStatus()
                .build(), POD)).as("finished").isFalse();
        assertThat(WorkloadClientsPusher.sameFacts(new PodBuilder(POD).editStatus().withPodIP("10.1.0.2")
                .withPodIPs().addNewPodIP().withIp("10.1.0.2").endPodIP().endStatus().build(), POD)).as("new IP").isFalse();
        assertThat(WorkloadClientsPusher.sameFacts(new PodBuilder(POD).editStatus().editFirstCondition().withStatus("False")
                .endCondition().endStatus().build(), POD)).as("readiness").isFalse();
        assertThat(WorkloadClientsPusher.sameFacts(new PodBuilder(POD).editStatus().editFirstContainerStatus()
                .withRestartCount(1).endContainerStatus().endStatus().build(), POD)).as("restarted").isFalse();
    }

    @Test
    void theRevisionNamesTheSetWhateverItsOrder() {
        TreeSet<String> a = new TreeSet<>(java.util.List.of("10.1.0.1", "10.1.0.2"));
        TreeSet<String> b = new TreeSet<>(java.util.List.of("10.1.0.2", "10.1.0.1"));
        assertThat(WorkloadClientsPusher.revision(a)).isEqualTo(WorkloadClientsPusher.revision(b)).hasSize(12);
        assertThat(WorkloadClientsPusher.revision(new TreeSet<>(java.util.List.of("10.1.0.1"))))
                .isNotEqualTo(WorkloadClientsPusher.revision(a));
    }
}
