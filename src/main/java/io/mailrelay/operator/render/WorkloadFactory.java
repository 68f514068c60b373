package io.mailrelay.operator.render;

import io.mailrelay.operator.naming.RelayLabels;
import static java.util.Objects.requireNonNullElse;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.mailrelay.api.MailRelay;
import io.mailrelay.api.MailRelaySpec;
import io.mailrelay.api.Persistence;

/**
 * The relay workload: a StatefulSet with a volume per pod (the default), or, only when persistence.type asks
 * for EmptyDir, a Deployment whose spool dies with its pod.
 */
public final class WorkloadFactory {

    private WorkloadFactory() {
    }

    public static boolean persistent(MailRelaySpec spec) {
        return !Persistence.ephemeral(spec.persistence);
    }

    public static HasMetadata workload(MailRelay relay, String image, String configHash) {
        return persistent(relay.getSpec()) ? statefulSet(relay, image, configHash) : deployment(relay, image, configHash);
    }

    static HasMetadata deployment(MailRelay relay, String image, String configHash) {
        return new DeploymentBuilder()
                .withMetadata(Owned.meta(relay, relay.getMetadata().getName()))
                .withNewSpec()
                    .withReplicas(replicas(relay))
                    .withNewSelector().withMatchLabels(RelayLabels.selector(relay)).endSelector()
                    // a new pod must be ready before an old one stops taking mail
                    .withNewStrategy().withType("RollingUpdate").withNewRollingUpdate()
                        .withNewMaxUnavailable(0).withNewMaxSurge(1).endRollingUpdate().endStrategy()
                    .withTemplate(PodTemplateFactory.podTemplate(relay, image, configHash, false))
                .endSpec()
                .build();
    }

    static HasMetadata statefulSet(MailRelay relay, String image, String configHash) {
        var persistence = relay.getSpec().persistence;
        return new StatefulSetBuilder()
                .withMetadata(Owned.meta(relay, relay.getMetadata().getName()))
                .withNewSpec()
                    .withReplicas(replicas(relay))
                    .withServiceName(relay.getMetadata().getName())
                    .withPodManagementPolicy("Parallel")
                    // one pod at a time, highest ordinal first; each drains on SIGTERM and comes back to its claim
                    .withNewUpdateStrategy().withType("RollingUpdate").endUpdateStrategy()
                    .withNewSelector().withMatchLabels(RelayLabels.selector(relay)).endSelector()
                    .withTemplate(PodTemplateFactory.podTemplate(relay, image, configHash, true))
                    .addToVolumeClaimTemplates(new PersistentVolumeClaimBuilder()
                            .withNewMetadata().withName(PodTemplateFactory.SPOOL_VOLUME)
                                .withLabels(RelayLabels.all(relay)).endMetadata()
                            .withNewSpec()
                                .withAccessModes("ReadWriteOnce")
                                .withStorageClassName(persistence == null ? null : persistence.storageClassName)
                                .withNewResources().addToRequests("storage", new Quantity(Persistence.size(persistence).toString()))
                                .endResources()
                            .endSpec()
                            .build())
                    // the spool holds accepted mail: it outlives the MailRelay and scale-downs
                    .withNewPersistentVolumeClaimRetentionPolicy()
                        .withWhenDeleted("Retain").withWhenScaled("Retain")
                    .endPersistentVolumeClaimRetentionPolicy()
                .endSpec()
                .build();
    }

    public static int replicas(MailRelay relay) {
        return requireNonNullElse(relay.getSpec().replicas, 1);
    }
}
